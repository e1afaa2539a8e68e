"""Generate handlers/parse/data/places.tsv: place name -> province short form.

A dev tool, run by hand when the source data changes; its output is committed and shipped
as package data, so the bot never needs cpca at run time.

Source: the administrative-division table shipped by the `cpca` package
(`cpca/resources/adcodes.csv`, GB/T 2260 codes: the first two digits give the province,
the next two the prefecture, the next two the county). From it we keep:

- every province-level region, full (`湖北省`) and short (`湖北`);
- every prefecture-level region, full (`黄冈市`) and short (`黄冈`);
- every county and county-level city, full (`琼海市`, `阳新县`) and short (`琼海`, `阳新`);
- a county whose full name has two characters (`曹县`, `沛县`, `芒市`) in full;
- districts in full (`海淀区`), and in short (`万州`, `涪陵`, `海淀`) at a level of their
  own (3) below counties, only when jieba's dictionary does not know them or files them as a
  place (DISTRICT_TAGS): many district short forms are words or names (`和平`, `小店`,
  `马尾`, `高明`, `向阳`); a short form jieba files as a noun or name but rarely sees
  (below RARE_WORD_FREQ: 吴江, 萧山, 徐汇) is kept, its tag being weak evidence;
- every district after its city (`深圳南山`, `深圳市南山`): unambiguous even when the
  district's name is shared by two provinces or is a word.

A short form is dropped when it names places in two provinces at the same level (a
higher level wins: `海南` the province over 海南藏族自治州), when it has fewer than two
characters, or when it is in EVERYDAY_WORDS, or (for counties, whose short forms are many
and obscure) when jieba's dictionary says it is mostly an everyday word: frequency at least
COMMON_WORD_FREQ with a tag other than a place or name tag (a county-level city's short
form may also be a noun: `仙桃`, `赤壁` are read as the cities). Prefecture short forms are all
kept but for EVERYDAY_WORDS: jieba tags some of them oddly (大连 `d`, 保定 `v`).

Usage: python scripts/build_gazetteer.py [-o handlers/parse/data/places.tsv]
"""

from __future__ import annotations

import argparse
import csv
import io
import re
from collections import defaultdict
from importlib import resources
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "handlers" / "parse" / "data" / "places.tsv"
COMMON_WORD_FREQ = 500
# Short county/prefecture forms that are ordinary words in check-in replies, where jieba's
# dictionary does not already mark them (a wish, a direction, a colour, a company).
EVERYDAY_WORDS = {
    "安康",
    "东方",
    "白银",
    "阿里",
    "大同",
    "长安",
    "和平",
    "新华",
    "城关",
    "平安",
    "永安",
    "安宁",
    "太平",
    "吉利",
    "光明",
    "东区",
    "西区",
    "南区",
    "北区",
    "正定",
    "安定",
    "和田",
    "铁力",
    "长寿",
    "开心",
    "永和",
    "五华",
    "宁安",
    "富裕",
    "安乡",
    "宁乡",
    "康乐",
    "乐安",
    "大方",
    "温泉",
    "河口",
    "东海",
    "方正",
    "友谊",
    "同心",
    "平原",
    "天等",
    "清流",
    "凤凰",
    "江山",
    "大化",
    "太和",
    "龙井",
    "东山",
    "石林",
    "金沙",
    "江口",
    "湖口",
    "黑水",
    "沙河",
    "清河",
    "大通",
    "长海",
    "新民",
    "安国",
    "兴国",
    "华容",
    "民和",
    "民乐",
    "长兴",
    "永康",
    "建始",
    "天全",
    "新安",
    "三河",
    "平和",
    "大安",
    "宁远",
    "通道",
    "大关",
    "合作",
    "老河口",
    "广宁",
    "文成",
    "大足",
    "右玉",
    "左权",
    "全南",
    "安远",
    "新乐",
    "无为",
    "绥中",
    "永胜",
}
# A two-character full county name (`曹县`, `芒市`, `左旗`-like) is kept: its short form is
# one character, and the suffix makes it unmistakably a place.
COUNTY_SUFFIXES = frozenset("县市旗")
# District short forms get a level of their own, below counties (a county or prefecture of
# the same short name elsewhere wins).
DISTRICT_LEVEL = 3
# `浦东新区` -> `浦东`, `海淀区` -> `海淀`.
DISTRICT_SUFFIX = re.compile(r"(新区|区)$")
# The one jieba tag under which a known district short form is still read as the district.
# Others are too often words or names: 明月 `t`, 高明 `a`, 小店 `n`, 马尾 `n`, 向阳 `nr`,
# 阳明 `nr` (inside 欧阳明月); the price is that districts jieba files as names (萧山, 余杭)
# are read only in full (萧山区) or through their city.
DISTRICT_TAGS = {"ns"}
# jieba's tag on a rare word is weak evidence: a district short form it files as a noun or a
# name but hardly ever sees (吴江 `nr` 86, 萧山 `nr` 63, 徐汇 `nr` 22, 平谷 `n` 23) is the
# district; a frequent one (向阳 `nr` 671, 高明 `nr` 791, 小店 `n` 212) stays a word or name.
RARE_WORD_FREQ = COMMON_WORD_FREQ // 5
NOMINAL_TAGS = {"n", "nr", "nrt", "nrfg", "nz", "s", "j"}
# Rows that group other rows rather than name a place (重庆's `县`, `市辖区`).
GENERIC = {"县", "市辖区", "郊区", "城区", "矿区"}
PROVINCE_SHORT = re.compile(r"(省|市|特别行政区|壮族自治区|回族自治区|维吾尔自治区|自治区)$")
# `延边朝鲜族自治州` -> `延边`, `长阳土家族自治县` -> `长阳`, `喀什地区` -> `喀什`; the
# ethnic-group names come from cpca's own 56_nations.csv.
NATIONS_FILE = "56_nations.csv"
LOCAL_SUFFIX = re.compile(r"(市|地区|盟|自治州|自治县|自治旗|林区|特区|县|旗)$")
PLACE_TAGS = {"ns", "nr", "nrt", "nrfg", "nz", "j"}
# Tags under which a frequent jieba word is still safe to read as a place.


def autonomous_pattern() -> re.Pattern[str]:
    text = resources.files("cpca.resources").joinpath(NATIONS_FILE).read_text(encoding="utf-8")
    nations = sorted({n.strip() for n in text.splitlines() if n.strip()}, key=len, reverse=True)
    # `蒙古族` is also written `蒙古`: `博尔塔拉蒙古自治州`.
    names = nations + [n[:-1] for n in nations if len(n) > 2]
    return re.compile(f"(?:{'|'.join(map(re.escape, names))})+自治(?:州|县|旗)$")


AUTONOMOUS = autonomous_pattern()


def short_form(name: str, level: int) -> str:
    if level == 0:
        return PROVINCE_SHORT.sub("", name)
    stripped = AUTONOMOUS.sub("", name)
    if stripped != name:
        return stripped
    return LOCAL_SUFFIX.sub("", name)


def jieba_common_words() -> dict[str, tuple[int, str]]:
    text = resources.files("jieba").joinpath("dict.txt").read_text(encoding="utf-8")
    words = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3:
            words[parts[0]] = (int(parts[1]), parts[2])
    return words


def build() -> list[tuple[str, str, int]]:
    raw = resources.files("cpca.resources").joinpath("adcodes.csv").read_bytes()
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    provinces: dict[str, str] = {}
    records = []
    for row in rows:
        code, name = row["adcode"][:6], row["name"].strip()
        if len(name) < 2 or "行政区划" in name or name in GENERIC:
            continue
        level = 0 if code.endswith("0000") else 1 if code.endswith("00") else 2
        if level == 0:
            provinces[code[:2]] = short_form(name, 0)
        records.append((code, name, level))

    common = jieba_common_words()
    # prefecture code -> its names, full and short (`深圳市`, `深圳`)
    prefectures = {
        code[:4]: (name, short_form(name, 1)) for code, name, level in records if level == 1
    }
    # candidates[form] = {level: {province, ...}}
    candidates: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for code, name, level in records:
        province = provinces.get(code[:2])
        if province is None:
            continue
        is_district = level == 2 and name.endswith("区")
        prefecture = prefectures.get(code[:4])
        if len(name) >= 3 or level < 2 or name[-1] in COUNTY_SUFFIXES:
            candidates[name][level].add(province)
        if is_district:
            short, level = DISTRICT_SUFFIX.sub("", name), DISTRICT_LEVEL
        else:
            short = short_form(name, level)
        if len(short) < 2 or short == name:
            continue
        if level > 0 and short in EVERYDAY_WORDS:
            continue
        freq, tag = common.get(short, (0, "ns"))
        safe = PLACE_TAGS | ({"n"} if name.endswith("市") else set())
        if level >= 2 and freq >= COMMON_WORD_FREQ and tag not in safe:
            continue
        if is_district and prefecture is not None:
            # `深圳南山`, `苏州市吴江`: a district after its city is unambiguous, even when
            # the district's own name is shared (南山区 is in 深圳 and 鹤岗) or is a word
            for city in prefecture:
                candidates[city + short][level].add(province)
        weak_tag = freq < RARE_WORD_FREQ and tag in NOMINAL_TAGS
        if level == DISTRICT_LEVEL and freq and tag not in DISTRICT_TAGS and not weak_tag:
            continue
        candidates[short][level].add(province)

    out = []
    for form, by_level in candidates.items():
        level = min(by_level)
        if len(by_level[level]) == 1:
            out.append((form, next(iter(by_level[level])), level))
    out.sort(key=lambda r: (r[2], r[1], r[0]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", type=Path, default=OUT)
    args = ap.parse_args()
    rows = build()
    with args.output.open("w", encoding="utf-8", newline="\n") as f:
        f.write("# generated by scripts/build_gazetteer.py from cpca's adcodes.csv; do not edit\n")
        f.write(
            "# place\tprovince\tlevel (0 province, 1 prefecture, 2 county, 3 district short form)\n"
        )
        for form, province, level in rows:
            f.write(f"{form}\t{province}\t{level}\n")
    print(f"{len(rows)} places -> {args.output}")


if __name__ == "__main__":
    main()
