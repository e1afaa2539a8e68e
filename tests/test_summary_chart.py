"""Summary charts (PNG, matplotlib Agg) and `pingan bench summary`."""

from __future__ import annotations

import json

from bot.cli import main
from core.clock import FakeClock
from schedules import Deps, summarize
from storage.status import day_status, load_nodes, save_daily_counts
from tests.schedules_helpers import CLASS1, add_report, at, config, opened, outbox, small_school


def test_grade_summary_carries_a_completion_chart(db, tmp_path):
    small_school(db)
    for i, day in enumerate(("2020-02-08", "2020-02-09", "2020-02-10")):
        for pid in ("s1", "s2", "t1")[: i + 1]:
            add_report(db, pid, day)
    cfg = config(charts=True)
    for day in ("2020-02-08", "2020-02-09"):  # earlier nights' snapshots feed the chart
        with db.atomic():
            save_daily_counts(db, day_status(db, day))
    deps = Deps(db, cfg, FakeClock(at("21:00")), tmp_path / "charts")
    opened(db)
    summarize(deps, "2020-02-10", list(load_nodes(db)))
    rows = {r["text"].splitlines()[0]: r for r in outbox(db)}
    grade = next(r for t, r in rows.items() if t.endswith("计算机学院/2021级 2月10日"))
    png = (tmp_path / "charts" / "2020-02-10").glob("*.png")
    assert grade["image_path"] in {str(p) for p in png}
    with open(grade["image_path"], "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    class1 = next(r for t, r in rows.items() if CLASS1 in t)
    assert class1["image_path"] is None  # one class: the numbers say it all
    assert "· 计科1班 实报 2/应报 5（40%），异常 0" in grade["text"]


def test_bench_summary_prints_one_json_line(capsys):
    assert main(["bench", "summary", "--students", "300", "--groups", "12"]) == 0
    result = json.loads(capsys.readouterr().out.strip())
    assert result["bench"] == "summary"
    assert (result["students"], result["groups"]) == (300, 12)
    assert result["seconds"] > 0 and result["nodes"] == 12 + 1 + 1
    assert result["messages"] == 12 + 1 + 1 + 2  # every node's summary and the duty pair


async def test_scheduler_renders_charts_before_the_summaries_go_out(db, tmp_path):
    from schedules import build_scheduler

    small_school(db)
    add_report(db, "s1", "2020-02-10")
    deps = Deps(db, config(charts=True), FakeClock(at("06:00")), tmp_path / "charts")
    scheduler = build_scheduler(deps, manual=True)
    scheduler.start()
    await scheduler.run_until(at("21:01"))
    scheduler.shutdown(wait=False)
    images = {r["target"]: r["image_path"] for r in outbox(db) if r["image_path"]}
    # the grade summary in the counselor group, the college one in the duty group, the pair
    assert set(images) == {"700900", "700999", "9101", "wx_chen"}
    for path in images.values():
        with open(path, "rb") as f:
            assert f.read(4) == b"\x89PNG"
    assert images["9101"] == images["wx_chen"]


def test_charts_have_chinese_labels_on_a_machine_without_cjk_fonts(tmp_path):
    """A fresh install draws 计科1班, not boxes: the font comes with the pip dependencies."""
    import warnings

    from schedules.chart import ChartSpec, bundled_font_file, cjk_font, render_completion

    assert bundled_font_file() is not None  # noto-cjk-sans-otc, a dependency of pingan
    assert cjk_font() is not None
    spec = ChartSpec(
        path=tmp_path / "c.png",
        title="计算机学院/2021级 完成率（实报/应报）",
        labels=["计科1班", "计科2班", "软工1班"],
        days=["2020-02-09", "2020-02-10"],
        rates=[[1.0, 0.9], [0.8, None], [0.5, 1.0]],
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        render_completion(spec)
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert missing == []
    assert spec.path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
def test_an_abnormal_proxy_is_marked_in_the_counselors_summary_only(db, tmp_path):
    """Issue 12: staff see which abnormal reports someone else wrote; a class group sees
    neither the report nor the mark."""
    small_school(db)
    opened(db)
    add_report(db, "s1", "2020-02-10", temperature=38.2, abnormal=True, symptoms=("发热",))
    with db.atomic():
        db.execute("UPDATE reports SET proxy = 1, author = 'proxy' WHERE person_id = 's1'")
    deps = Deps(db, config(), FakeClock(at("21:00")), tmp_path / "charts")
    summarize(deps, "2020-02-10", list(load_nodes(db)))
    grade = next(r for r in outbox(db) if r["target"] == "700900")
    assert "38.2℃ 发热 （代报）" in grade["text"]
    for r in outbox(db):
        if r["target"] in ("700001", "700002"):
            assert "代报" not in r["text"] and "38.2" not in r["text"]


def test_bench_summary_on_postgresql_in_an_empty_database_only(capsys, pg_cluster):
    url = pg_cluster.fresh_database()  # migrated, empty: as `createdb` plus pingan's start
    args = ["bench", "summary", "--students", "300", "--groups", "12", "--repeat", "1"]
    assert main([*args, "--database-url", url]) == 0
    result = json.loads(capsys.readouterr().out.strip())
    assert (result["store"], result["nodes"], result["messages"]) == ("postgresql", 14, 16)
    assert main([*args, "--database-url", url]) == 2  # now it holds a school: refused
    assert "已有数据" in capsys.readouterr().err
    pg_cluster.drop(url)
