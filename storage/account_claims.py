"""Unconfirmed bindings ("claims") of chat accounts to people, and confirming one of them.

An account claims a person through a group-card or nickname match (storage/bindings.py) or
a /绑定. Several accounts may claim the same 学号 (the student's phone, a classmate playing
a joke); the confirmer is shown every one with the nickname it goes by and confirms exactly
one, named by its account id. The other claims on the same platform are rejected (deleted)
in the same step: a person has one account per platform that speaks for them.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.backend import Database
from storage.dialect import write_order


@dataclass(frozen=True, slots=True)
class Claim:
    platform: str
    account_id: str
    display_name: str
    source: str  # member_list | /绑定
    created_at: str


def pending_claims(db: Database, person_id: str) -> list[Claim]:
    """The accounts waiting to be confirmed as `person_id`, oldest first."""
    rows = db.execute(
        "SELECT platform, account_id, coalesce(display_name, ''), source, created_at"
        " FROM accounts WHERE person_id = ? AND confirmed = 0"
        f" ORDER BY created_at, {write_order(db)}",
        [person_id],
    ).fetchall()
    return [Claim(*r) for r in rows]


def confirm_claim(
    db: Database, person_id: str, account: str
) -> tuple[Claim, list[Claim]] | None:
    """Confirm the claim of `account` (an account id, or platform:account id) on the person;
    reject the other claims on the same platform. Returns (confirmed, rejected), or None
    when that account has no pending claim on the person (or the name fits several)."""
    claims = pending_claims(db, person_id)
    chosen = [c for c in claims if account in (c.account_id, f"{c.platform}:{c.account_id}")]
    if len(chosen) != 1:
        return None
    claim = chosen[0]
    db.execute(
        "UPDATE accounts SET confirmed = 1 WHERE platform = ? AND account_id = ?",
        [claim.platform, claim.account_id],
    )
    rejected = [c for c in claims if c.platform == claim.platform and c != claim]
    for other in rejected:
        db.execute(
            "DELETE FROM accounts WHERE platform = ? AND account_id = ? AND confirmed = 0",
            [other.platform, other.account_id],
        )
    return claim, rejected
