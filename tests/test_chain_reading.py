"""Reading a repost from a recent snapshot gives exactly what a full read gives."""

from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.chain.reading import common_prefix_len, read_repost
from handlers.chain.split import split_chain
from handlers.chain.state import DayChain, normalise

NAMES = ["张三", "李四", "王五", "赵敏", "钱七", "孙悦", "周杰", "吴迪"]
line_text = st.builds(
    lambda name, t, extra, cont: f"{name} 36.{t} {extra}" + (f"\n{cont}" if cont else ""),
    st.sampled_from(NAMES),
    st.integers(0, 9),
    st.sampled_from(["正常 在校", "在家", "咳嗽", ""]),
    st.sampled_from(["", "在校", "12栋305", "36.5"]),
)
mark = st.sampled_from(["{}. ", "{}、", "{} ", "({}) ", "{}）", "{}:"])


def render(entries, style, title):
    body = [style.format(i) + text for i, text in enumerate(entries, start=1)]
    return "\n".join(["#接龙", title, "例 姓名 体温 状况 在校/在家", *body])


edit = st.tuples(
    st.sampled_from(["append", "change", "delete", "swap"]), st.integers(0, 50), line_text
)


@settings(max_examples=150, deadline=None)
@given(
    first=st.lists(line_text, min_size=1, max_size=6),
    edits=st.lists(edit, min_size=1, max_size=12),
    style=mark,
    title=st.sampled_from(["11.28 平安报告", "3. 周年庆", "计科1班 体温"]),
)
def test_incremental_read_equals_full_read(first, edits, style, title):
    state = DayChain("qq", "1", "2020-02-10")
    entries = list(first)
    for op, where, text in [("append", 0, first[0]), *edits]:
        if op == "append":
            entries.append(text)
        elif op == "change" and entries:
            entries[where % len(entries)] = text
        elif op == "delete" and len(entries) > 1:
            del entries[where % len(entries)]
        elif op == "swap" and len(entries) > 1:
            i = where % (len(entries) - 1)
            entries[i], entries[i + 1] = entries[i + 1], entries[i]
        text_now = render(entries, style, title)
        snap = read_repost(state, text_now)
        full = split_chain(text_now)
        assert [(e.number, e.text) for e in snap.chain.entries] == [
            (e.number, e.text) for e in full.entries
        ]
        assert snap.keys == [normalise(e.text) for e in full.entries]
        assert snap.chain.title == full.title and snap.chain.example == full.example
        state.snapshots.append(snap)


def test_appending_reads_only_the_new_tail():
    state = DayChain("qq", "1", "2020-02-10")
    lines = ["#接龙", "平安报告"] + [f"{i}. 学生{i} 36.5" for i in range(1, 300)]
    state.snapshots.append(read_repost(state, "\n".join(lines)))
    snap = read_repost(state, "\n".join([*lines, "300. 学生300 36.6"]))
    assert snap.reused == 298 and len(snap.keys) == 300


@given(st.text(max_size=40), st.text(max_size=40), st.text(max_size=10))
def test_common_prefix_len(a, b, shared):
    n = common_prefix_len(shared + a, shared + b)
    x, y = shared + a, shared + b
    assert x[:n] == y[:n] and (n == min(len(x), len(y)) or x[n] != y[n])


@given(st.text(alphabet=st.sampled_from(list("张三 36.5\t\u3000\xa0\n正常a")), max_size=30))
def test_normalise_equals_collapsing_whitespace(text):
    assert normalise(text) == " ".join(text.split())
