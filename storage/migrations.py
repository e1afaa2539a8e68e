"""Forward-only schema migrations, numbered by `PRAGMA user_version`.

Each migration is an SQL script that runs once, in one transaction with the version bump, so
a crash mid-migration leaves the previous version intact. Add new scripts at the end of
MIGRATIONS; never edit one that has shipped.
"""

from __future__ import annotations

from core.errors import PinganError
from storage.backend import Database


class SchemaTooNew(PinganError):
    """The database was written by a newer pingan; refusing to touch it."""


V1_CORE = """
        CREATE TABLE nodes (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,          -- 学院/年级/班级, or 宿舍 path for dorms
            name TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('school', 'college', 'grade', 'class', 'dorm')),
            parent_id INTEGER REFERENCES nodes(id)
        );
        CREATE INDEX nodes_parent ON nodes(parent_id);

        CREATE TABLE people (
            id TEXT PRIMARY KEY,                -- 学号 / 工号
            name TEXT NOT NULL,
            role TEXT NOT NULL DEFAULT '学生',
            class_id INTEGER REFERENCES nodes(id),
            dorm_id INTEGER REFERENCES nodes(id),
            active INTEGER NOT NULL DEFAULT 1,  -- 0 once dropped from the roster
            private_nags INTEGER NOT NULL DEFAULT 1,  -- /不要提醒 sets 0
            updated_at TEXT NOT NULL
        );
        CREATE INDEX people_class ON people(class_id, active);
        CREATE INDEX people_dorm ON people(dorm_id);
        CREATE INDEX people_name ON people(name);

        CREATE TABLE responsibilities (          -- the 负责 column
            person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
            node_id INTEGER NOT NULL REFERENCES nodes(id),
            PRIMARY KEY (person_id, node_id)
        );
        CREATE INDEX responsibilities_node ON responsibilities(node_id);

        CREATE TABLE accounts (                  -- chat accounts bound to people
            platform TEXT NOT NULL,
            account_id TEXT NOT NULL,
            person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
            display_name TEXT,
            confirmed INTEGER NOT NULL DEFAULT 1,
            source TEXT NOT NULL DEFAULT 'roster',  -- roster | /绑定 | member_list
            created_at TEXT NOT NULL,
            PRIMARY KEY (platform, account_id)
        );
        CREATE INDEX accounts_person ON accounts(person_id);

        CREATE TABLE chats (                     -- which chat is which node, for what
            platform TEXT NOT NULL,
            chat_id TEXT NOT NULL,
            node_id INTEGER NOT NULL REFERENCES nodes(id),
            purpose TEXT NOT NULL CHECK (purpose IN ('class', 'counselor', 'duty', 'admin')),
            PRIMARY KEY (platform, chat_id)
        );
        CREATE INDEX chats_node ON chats(node_id, purpose);

        CREATE TABLE reports (                   -- one per person per day: an upsert
            person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
            day TEXT NOT NULL,                  -- YYYY-MM-DD in the configured zone
            class_id INTEGER REFERENCES nodes(id),  -- the class at report time
            temperature REAL,
            abnormal INTEGER,
            symptoms TEXT NOT NULL DEFAULT '[]',  -- JSON list of canonical names
            on_campus INTEGER,
            province TEXT,
            isolation TEXT,
            source TEXT NOT NULL,               -- free | chain | 补报 | 更正
            message_key TEXT,                   -- platform:message_id of the source
            posted_by TEXT,                     -- person who posted, when not the student
            proxy INTEGER NOT NULL DEFAULT 0,   -- 1: 代报 (posted by someone else)
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            revision INTEGER NOT NULL DEFAULT 1,
            PRIMARY KEY (person_id, day)
        );
        CREATE INDEX reports_day_class ON reports(day, class_id);
        CREATE INDEX reports_day_abnormal ON reports(day, abnormal);

        CREATE TABLE report_history (            -- every earlier version of a report
            id INTEGER PRIMARY KEY,
            person_id TEXT NOT NULL,
            day TEXT NOT NULL,
            revision INTEGER NOT NULL,
            fields TEXT NOT NULL,               -- JSON of the replaced row
            replaced_at TEXT NOT NULL
        );
        CREATE INDEX report_history_person_day ON report_history(person_id, day);

        CREATE TABLE raw_messages (              -- audit + dedup by (platform, message_id)
            platform TEXT NOT NULL,
            message_id TEXT NOT NULL,
            chat_type TEXT NOT NULL,
            chat_id TEXT NOT NULL,
            sender_id TEXT NOT NULL,
            display_name TEXT,
            text TEXT NOT NULL,
            sent_at TEXT NOT NULL,
            received_at TEXT NOT NULL,
            kind TEXT,                          -- checkin | chain | command | other | error
            PRIMARY KEY (platform, message_id)
        );
        CREATE INDEX raw_messages_chat_time ON raw_messages(platform, chat_id, sent_at);
        CREATE INDEX raw_messages_received ON raw_messages(received_at);

        CREATE TABLE outbox (                    -- written before sending; sent once confirmed
            id INTEGER PRIMARY KEY,
            platform TEXT NOT NULL,
            account TEXT NOT NULL DEFAULT '',
            chat_type TEXT NOT NULL,
            target TEXT NOT NULL,
            text TEXT NOT NULL,
            mentions TEXT NOT NULL DEFAULT '[]',
            image_path TEXT,
            file_path TEXT,
            dedup_key TEXT UNIQUE,
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            platform_message_id TEXT,
            last_error TEXT
        );
        CREATE INDEX outbox_due ON outbox(status, platform, next_attempt_at);

        CREATE TABLE job_runs (                  -- exactly once per (job, node, day)
            job TEXT NOT NULL,
            node_key TEXT NOT NULL,
            day TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            PRIMARY KEY (job, node_key, day)
        );

        CREATE TABLE tags (                      -- key groups (重点群体)
            person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
            tag TEXT NOT NULL,
            start_day TEXT NOT NULL,
            period_days INTEGER NOT NULL DEFAULT 14,
            ended_day TEXT,
            source TEXT NOT NULL DEFAULT 'roster',
            PRIMARY KEY (person_id, tag)
        );
        CREATE INDEX tags_tag ON tags(tag, ended_day);

        CREATE TABLE leaves (                    -- 请假 / exemptions: no nags, counted apart
            id INTEGER PRIMARY KEY,
            person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
            start_day TEXT NOT NULL,
            end_day TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            created_by TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX leaves_person ON leaves(person_id, start_day, end_day);

        CREATE TABLE duty_roster (               -- 值班: who is on duty which day
            day TEXT PRIMARY KEY,
            counselor_id TEXT REFERENCES people(id),
            officer_id TEXT REFERENCES people(id)
        );

        CREATE TABLE daily_counts (              -- what survives the retention purge
            day TEXT NOT NULL,
            node_id INTEGER NOT NULL REFERENCES nodes(id),
            expected INTEGER NOT NULL,
            reported INTEGER NOT NULL,
            abnormal INTEGER NOT NULL,
            on_leave INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (day, node_id)
        );

        CREATE TABLE prompts (                   -- once-per-person-per-day nudges
            person_key TEXT NOT NULL,           -- person id, or platform:account when unknown
            day TEXT NOT NULL,
            kind TEXT NOT NULL,
            PRIMARY KEY (person_key, day, kind)
        );

        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT,
            action TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX audit_log_at ON audit_log(at);

        CREATE TABLE imports (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,                 -- roster | duty | tags
            file TEXT NOT NULL,
            file_mtime REAL,
            rows INTEGER NOT NULL,
            at TEXT NOT NULL
        );
"""

# Schedules: what each job run did, so an admin (and the dashboard) can see why a nag was
# skipped or caught up, and how many messages it queued.
V2_JOB_OUTCOME = """
        ALTER TABLE job_runs ADD COLUMN outcome TEXT;
        ALTER TABLE job_runs ADD COLUMN messages INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX job_runs_day ON job_runs(day);
"""

# Chat accounts a member-list binding could not settle, on any platform, for an admin to
# review.
V3_ACCOUNT_REVIEWS = """
        CREATE TABLE account_reviews (           -- chat accounts a binding could not settle
            platform TEXT NOT NULL,
            account_id TEXT NOT NULL,
            chat_id TEXT NOT NULL,              -- the group where the account was seen
            display_name TEXT,
            candidates TEXT NOT NULL DEFAULT '[]',  -- JSON list of person ids
            reason TEXT NOT NULL CHECK (reason IN ('ambiguous', 'contested', 'conflict')),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            resolved_at TEXT,
            PRIMARY KEY (platform, account_id, chat_id)
        );
        CREATE INDEX account_reviews_open ON account_reviews(resolved_at, platform, chat_id);
"""

# Commands: broadcasts with their acknowledgement lists, and abnormal-report follow-up cases.
V4_COMMANDS = """
        CREATE TABLE broadcasts (                -- /广播: a notice with an acknowledgement list
            id INTEGER PRIMARY KEY,             -- the 编号 users quote in /回执
            author_id TEXT REFERENCES people(id) ON DELETE SET NULL,
            scope_node_id INTEGER REFERENCES nodes(id),  -- NULL: 全体
            scope_label TEXT NOT NULL,
            text TEXT NOT NULL,
            created_at TEXT NOT NULL,
            window_ends_at TEXT NOT NULL,       -- a 收到 after this no longer counts
            remind_at TEXT,                     -- NULL: no reminder
            reminded_at TEXT
        );
        CREATE INDEX broadcasts_window ON broadcasts(window_ends_at);

        CREATE TABLE broadcast_targets (         -- each class chat the notice went to
            broadcast_id INTEGER NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
            platform TEXT NOT NULL,
            chat_id TEXT NOT NULL,
            node_id INTEGER NOT NULL REFERENCES nodes(id),
            outbox_id INTEGER,
            PRIMARY KEY (broadcast_id, platform, chat_id)
        );
        CREATE INDEX broadcast_targets_chat ON broadcast_targets(platform, chat_id);

        CREATE TABLE acks (
            broadcast_id INTEGER NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
            person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
            at TEXT NOT NULL,
            message_key TEXT,
            PRIMARY KEY (broadcast_id, person_id)
        );

        CREATE TABLE cases (                     -- abnormal report → follow-up until closed
            id INTEGER PRIMARY KEY,
            person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
            opened_day TEXT NOT NULL,
            opened_at TEXT NOT NULL,
            reason TEXT NOT NULL,               -- what made it abnormal, e.g. 37.8℃ 发热
            last_abnormal_day TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
            closed_at TEXT,
            closed_by TEXT,                     -- a person id, or 'auto'
            close_note TEXT
        );
        CREATE UNIQUE INDEX cases_one_open ON cases(person_id) WHERE status = 'open';
        CREATE INDEX cases_opened ON cases(opened_day);
"""

# 接龙: each chat's chain per day and every distinct entry line seen (handlers/chain).
V5_CHAIN = """
        CREATE TABLE chain_days (                -- one 接龙 per chat per day
            platform TEXT NOT NULL,
            chat_id TEXT NOT NULL,
            day TEXT NOT NULL,
            title TEXT NOT NULL DEFAULT '',
            example TEXT,
            opened_by_bot INTEGER NOT NULL DEFAULT 0,
            messages INTEGER NOT NULL DEFAULT 0,   -- reposts read
            lines_parsed INTEGER NOT NULL DEFAULT 0,  -- entry lines that went through the parser
            updated_at TEXT NOT NULL,
            PRIMARY KEY (platform, chat_id, day)
        );

        CREATE TABLE chain_lines (               -- every distinct entry line seen that day
            platform TEXT NOT NULL,
            chat_id TEXT NOT NULL,
            day TEXT NOT NULL,
            line_hash TEXT NOT NULL,            -- blake2b-64 of the whitespace-normalised text
            seq INTEGER NOT NULL,               -- order of first appearance
            number INTEGER NOT NULL,            -- its number when first seen
            text TEXT NOT NULL,                 -- normalised entry text, without its number
            person_key TEXT NOT NULL,           -- merge key: person id, name:<name>, line:<hash>
            person_id TEXT REFERENCES people(id) ON DELETE SET NULL,  -- NULL: unmatched
            name TEXT,                          -- the name as written
            parsed TEXT NOT NULL,               -- JSON of the parser's Entry
            author_account TEXT,                -- platform account that added the line
            author_person TEXT,                 -- the person bound to that account, if any
            message_key TEXT NOT NULL,          -- platform:message_id that first carried it
            status TEXT NOT NULL DEFAULT 'active'
                CHECK (status IN ('active', 'replaced', 'withdrawn')),
            first_seen TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (platform, chat_id, day, line_hash)
        );
        CREATE INDEX chain_lines_day_person ON chain_lines(day, person_id);
"""

# Dashboard logins: tokens are stored as sha256 hashes only, so a copy of the database does
# not hand out logins; a session row refers to the token it came from, so revoking the token
# ends its sessions at once.
V6_WEB_LOGINS = """
        CREATE TABLE web_tokens (
            id INTEGER PRIMARY KEY,
            person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
            token_hash TEXT NOT NULL UNIQUE,    -- sha256 hex of the token
            label TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            revoked_at TEXT,
            last_used_at TEXT
        );
        CREATE INDEX web_tokens_person ON web_tokens(person_id);

        CREATE TABLE web_sessions (
            id_hash TEXT PRIMARY KEY,           -- sha256 hex of the cookie value
            token_id INTEGER NOT NULL REFERENCES web_tokens(id) ON DELETE CASCADE,
            csrf TEXT NOT NULL,                 -- the form token of this session
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        );
        CREATE INDEX web_sessions_token ON web_sessions(token_id);
"""

# Lookups on the message path that scanned a table: the admins alerted about an abnormal
# report (handlers/permissions.py) read people by role, a full scan of 40,000 rows each time.
V7_HOT_PATH_INDEXES = """
        CREATE INDEX people_role ON people(role, active);
"""

# Which chat account is whom, answered from memory on the message path (handlers/resolve.py):
# every change to `accounts`, by any connection or process (a /绑定, a member list bound at
# connect, a roster import, a cascade from people), bumps this counter, so the cached copy
# is checked with one read per batch instead of a lookup per message.
V8_ACCOUNTS_VERSION = """
        CREATE TABLE accounts_version (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            version INTEGER NOT NULL
        );
        INSERT INTO accounts_version (id, version) VALUES (1, 0);
        CREATE TRIGGER accounts_version_insert AFTER INSERT ON accounts
        BEGIN UPDATE accounts_version SET version = version + 1 WHERE id = 1; END;
        CREATE TRIGGER accounts_version_update AFTER UPDATE ON accounts
        BEGIN UPDATE accounts_version SET version = version + 1 WHERE id = 1; END;
        CREATE TRIGGER accounts_version_delete AFTER DELETE ON accounts
        BEGIN UPDATE accounts_version SET version = version + 1 WHERE id = 1; END;
"""

# /healthz proves the store writable by committing a write (bot/ops/health.py): one row.
V_OPS_HEALTH_PROBE = """
        CREATE TABLE health_probe (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            at TEXT NOT NULL
        );
"""

# Who posted a report, whatever the route, and how far it is the student's own (issue 12):
# `author` is 'self' (the student's confirmed account), 'unconfirmed' (an account whose
# binding to the student nobody has confirmed yet), 'proxy' (someone else: 代报, 补报, a
# classmate's 接龙 line) or 'corrected' (a counselor's /更正). A report is only overwritten
# by one at least as trusted (storage/reports.py). `posted_account` is the platform:account
# that sent it, kept for unbound posters too. Staff bindings that came from a group card,
# a nickname or /绑定 gave roles to anyone who could type a name: they wait for an admin now.
V_TRUST_REPORT_AUTHORS = """
        ALTER TABLE reports ADD COLUMN author TEXT NOT NULL DEFAULT 'self'
            CHECK (author IN ('self', 'unconfirmed', 'proxy', 'corrected'));
        ALTER TABLE reports ADD COLUMN posted_account TEXT;
        UPDATE reports SET author = 'proxy' WHERE proxy = 1;
        UPDATE accounts SET confirmed = 0
        WHERE source != 'roster'
          AND person_id IN (SELECT id FROM people WHERE role != '学生');
"""

# One-time login links a staff member asks for in chat (/登录): only the sha256 is kept; a
# link is used once, then it is a normal web token (web_tokens) that the session hangs on.
V_LOGIN_LINKS = """
        CREATE TABLE login_links (
            link_hash TEXT PRIMARY KEY,         -- sha256 hex of the link's secret
            person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
            platform TEXT NOT NULL,             -- where it was sent
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,           -- UTC, compared as text
            used_at TEXT
        );
"""

# Roster columns 电话 and 家长电话: shown only to the counselors responsible for the student.
V_CONTACT_PHONES = """
        ALTER TABLE people ADD COLUMN phone TEXT;
        ALTER TABLE people ADD COLUMN parent_phone TEXT;
"""

# What a counselor should look at in a report: 迟报 (first recorded after the window),
# a report contradicting itself (36.2 with 发烧) or a key-group tag (留校 but 在家 河北).
V_REPORT_FLAGS = """
        CREATE TABLE report_flags (
            person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
            day TEXT NOT NULL,
            flag TEXT NOT NULL,                 -- late | contradiction | tag_conflict
            detail TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            PRIMARY KEY (person_id, day, flag)
        );
        CREATE INDEX report_flags_day ON report_flags(day);
"""

# The audit log is append-only and tamper-evident (storage/audit.py): each row carries the hash
# of the previous one; once sealed, a row cannot be deleted, and an update may only purge its
# free text (detail becomes {"redacted": true, ...}) leaving every hash as it was.
V_TRUST_AUDIT_CHAIN = """
        ALTER TABLE audit_log ADD COLUMN detail_hash TEXT;
        ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
        ALTER TABLE audit_log ADD COLUMN hash TEXT;
        CREATE INDEX audit_log_unsealed ON audit_log(id) WHERE hash IS NULL;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
        CREATE TRIGGER audit_log_sealed BEFORE UPDATE ON audit_log
        WHEN OLD.hash IS NOT NULL AND NOT (
            NEW.id IS OLD.id AND NEW.at IS OLD.at AND NEW.actor IS OLD.actor
            AND NEW.action IS OLD.action AND NEW.detail_hash IS OLD.detail_hash
            AND NEW.prev_hash IS OLD.prev_hash AND NEW.hash IS OLD.hash
            AND json_valid(NEW.detail) AND json_extract(NEW.detail, '$.redacted') IS 1
        )
        BEGIN SELECT RAISE(ABORT, 'audit_log rows are sealed: only free text may go'); END;
"""

# Caring replies (handlers/care/): a self-harm message opens a 心理 case, kept apart from the
# health cases so the ledger, the Key groups page and the morning health question never see
# it; only the student's counselor, the duty counselor and the psychologists read it.
V_CARE_CASES = """
        CREATE TABLE care_cases (
            id INTEGER PRIMARY KEY,
            person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
            kind TEXT NOT NULL DEFAULT '心理',
            opened_day TEXT NOT NULL,
            opened_at TEXT NOT NULL,
            last_day TEXT NOT NULL,             -- the last day a self-harm message came
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
            closed_at TEXT,
            closed_by TEXT,
            close_note TEXT
        );
        CREATE UNIQUE INDEX care_cases_one_open ON care_cases(person_id) WHERE status = 'open';
"""

# The epidemic-knowledge quiz (handlers/quiz/): a question bank, rounds of N questions, and
# one answer per student, round and question (the primary key refuses a second attempt).
V_QUIZ = """
        CREATE TABLE quiz_questions (
            id INTEGER PRIMARY KEY,
            question TEXT NOT NULL,
            option_a TEXT NOT NULL,
            option_b TEXT NOT NULL,
            option_c TEXT NOT NULL DEFAULT '',
            option_d TEXT NOT NULL DEFAULT '',
            answer TEXT NOT NULL CHECK (answer IN ('A', 'B', 'C', 'D')),
            explanation TEXT NOT NULL DEFAULT '',
            category TEXT NOT NULL DEFAULT '',
            active INTEGER NOT NULL DEFAULT 1,  -- 0: replaced by a later import
            imported_at TEXT NOT NULL
        );
        CREATE TABLE quiz_rounds (
            id INTEGER PRIMARY KEY,
            opened_at TEXT NOT NULL,
            opened_by TEXT,                     -- a person id, or 'schedule' / 'cli'
            deadline TEXT NOT NULL,             -- ISO time; answers after it are refused
            delivery TEXT NOT NULL
        );
        CREATE TABLE quiz_round_questions (
            round_id INTEGER NOT NULL REFERENCES quiz_rounds(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,          -- 1-based
            question_id INTEGER NOT NULL REFERENCES quiz_questions(id),
            PRIMARY KEY (round_id, position)
        );
        CREATE TABLE quiz_answers (
            round_id INTEGER NOT NULL REFERENCES quiz_rounds(id) ON DELETE CASCADE,
            person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            class_id INTEGER,                   -- the student's class when they answered
            choice TEXT NOT NULL,
            correct INTEGER NOT NULL,
            answered_at TEXT NOT NULL,
            PRIMARY KEY (round_id, person_id, position)
        ) WITHOUT ROWID;
        CREATE INDEX quiz_answers_class ON quiz_answers(round_id, class_id);
"""

# Several processes on one database (docs/run.md, "Several processes"): who holds which chat
# account until when, and which process is sending an outbox row. Times are UTC ISO strings
# written by the processes' own clocks, so they compare as text.
V_CLUSTER_LEASES = """
        CREATE TABLE account_leases (            -- one row per chat account of the cluster
            account TEXT PRIMARY KEY,            -- platform:account id, e.g. qq:10001
            holder TEXT NOT NULL,                -- host:pid:random of the holding process
            acquired_at TEXT NOT NULL,
            renewed_at TEXT NOT NULL,
            expires_at TEXT NOT NULL             -- after it, any process may take over
        );
        ALTER TABLE outbox ADD COLUMN claimed_by TEXT;     -- the process sending the row
        ALTER TABLE outbox ADD COLUMN claimed_until TEXT;  -- its claim lapses after this
"""

# Many schools in one database (issue 18, docs/schools.md): a `schools` table, and every node
# and person belongs to one. Existing data goes to school 1, the default school, whose name
# the config's `school:` sets at start (storage/schools.py). Columns rather than a new root
# node, so paths, trees and summaries of a single-school deployment stay as they were.
# The provincial counts (storage/schools.py) join a day's reports to people over 1,000,000
# students: both sides from covering indexes, walked in 学号 order (bot/bench/province.py).
V_SCHOOLS = """
        CREATE TABLE schools (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE
        );
        INSERT INTO schools (id, name) VALUES (1, '本校');
        ALTER TABLE nodes ADD COLUMN school_id INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE people ADD COLUMN school_id INTEGER NOT NULL DEFAULT 1;
        CREATE INDEX nodes_school ON nodes(school_id);
        CREATE INDEX people_id_school ON people(id, school_id, active, class_id);
        CREATE INDEX reports_day_person ON reports(day, person_id, abnormal);
"""

MIGRATIONS: list[str] = [
    V1_CORE,
    V2_JOB_OUTCOME,
    V3_ACCOUNT_REVIEWS,
    V4_COMMANDS,
    V5_CHAIN,
    V6_WEB_LOGINS,
    V7_HOT_PATH_INDEXES,
    V8_ACCOUNTS_VERSION,
    V_OPS_HEALTH_PROBE,
    V_TRUST_REPORT_AUTHORS,
    V_LOGIN_LINKS,
    V_CONTACT_PHONES,
    V_REPORT_FLAGS,
    V_TRUST_AUDIT_CHAIN,
    V_CARE_CASES,
    V_QUIZ,
    V_CLUSTER_LEASES,
    V_SCHOOLS,
]


def migrate(db: Database) -> int:
    """Bring the schema to the latest version; return the version reached."""
    current = db.execute("PRAGMA user_version").fetchone()[0]
    if current > len(MIGRATIONS):
        raise SchemaTooNew(
            f"database schema version {current} is newer than this pingan ({len(MIGRATIONS)})"
        )
    while current < len(MIGRATIONS):
        version = current + 1
        script = MIGRATIONS[current]
        try:
            db.conn.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version={version};\nCOMMIT;"
            )
        except Exception:
            if db.conn.in_transaction:
                db.conn.rollback()
            # Several processes starting on one file (docs/run.md, "Several processes"):
            # another one applied this migration first, and ours failed on its tables.
            moved = db.execute("PRAGMA user_version").fetchone()[0]
            if moved <= current:
                raise
            current = moved
            continue
        current = version
    return len(MIGRATIONS)
