"""Person names: what a Chinese name looks like, and matching a written name to a roster.

Without a roster a name is a run of 2–4 Han characters that starts with a known surname
(compound surnames such as 欧阳 and 司马 included) and that the segmenter does not read as
an ordinary word (方便, 明天). With a roster, a name is matched exactly first, then allowing
one wrong character or a homophone (same pinyin), but only when exactly one roster name
fits, so a typo never silently lands on the wrong student. Homophones are judged character
by character on toneless pinyin, any reading of a heteronym counting (单 dan/shan).
"""

from __future__ import annotations

import importlib.util
import json
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from functools import cache
from pathlib import Path

COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "皇甫",
        "尉迟",
        "端木",
        "公孙",
        "慕容",
        "夏侯",
        "令狐",
        "司徒",
        "东方",
        "独孤",
        "南宫",
        "西门",
        "长孙",
        "宇文",
        "轩辕",
        "万俟",
        "闻人",
        "赫连",
        "澹台",
        "申屠",
        "公冶",
        "太史",
        "淳于",
        "单于",
        "呼延",
        "钟离",
        "宗政",
        "濮阳",
        "百里",
        "东郭",
        "南门",
        "羊舌",
        "微生",
        "梁丘",
        "左丘",
        "第五",
        "拓跋",
        "段干",
        "司空",
        "司寇",
        "亓官",
        "仲孙",
        "公羊",
        "谷梁",
    ]
)
# The common single-character surnames (the 百家姓 families that cover nearly every student),
# less the few that are far more often ordinary words in a reply (有, 和, 就, 报, 休, 那).
SINGLE_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余"
    "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙"
    "史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁"
    "岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆"
    "蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚"
    "岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛"
    "仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘"
    "满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容"
    "敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银"
    "亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由"
    "赖阎傅洪萧凤鄂汝郦钮蔚苌靖敏茆粘俸韶郗殳訾仉蓟牧巢蒯逄仰蹇郏暴钭代"
) - frozenset("有和就报休那")
# Characters that never occur inside a written name but often next to one in a reply.
NOT_IN_NAME = frozenset(
    "的了吗呢吧啊呀哦嗯我你他她它们这那是在没不未跟与及或已还也都很太就上里下内外边前后间"
)
# Never the first character of a name: pronouns, particles, negations, 在, numerals.
NOT_FIRST = frozenset(
    "的了吗呢吧啊呀哦嗯我你他她它们这是在没不未跟与及或已还也都很太就一二三四五六七八九十两几每各某"
)
# Never the last character of a name, often right after one: times of day that run into
# a reading (`宋佳早36.8`), and what follows a place (`温州家`, `海口人`, `琼海镇`).
NOT_LAST = frozenset("早午晚家人市县区省镇村乡")


def surname_length(text: str) -> int:
    """Length of the surname that `text` starts with (2 compound, 1 single, 0 none)."""
    if text[:2] in COMPOUND_SURNAMES:
        return 2
    if text[:1] in SINGLE_SURNAMES:
        return 1
    return 0


def looks_like_name(text: str) -> bool:
    """True for 2–4 Han characters shaped like a Chinese name: surname + 1–2 characters."""
    n = surname_length(text)
    if n == 0 or not 2 <= len(text) <= 4:
        return False
    if len(text) - n not in (1, 2):
        return False
    if text[-1] in NOT_LAST:
        return False
    return not any(ch in NOT_IN_NAME for ch in text[n:])


@cache
def _readings_table() -> dict[int, frozenset[str]]:
    """code point -> its toneless pinyin readings, from pypinyin's single-character table.

    Read straight from the package's data file: importing pypinyin itself would load its
    phrase dictionary too (~45 MB) for nothing; heteronyms are kept (单: dan, shan).
    """
    spec = importlib.util.find_spec("pypinyin")
    locations = spec.submodule_search_locations if spec is not None else None
    path = Path(locations[0]) / "pinyin_dict.json" if locations else None
    if path is not None and path.is_file():
        table = {int(k): v for k, v in json.loads(path.read_text(encoding="utf-8")).items()}
    else:  # a pypinyin without the JSON file: the same table, the heavy way
        from pypinyin.pinyin_dict import pinyin_dict as table
    # most characters share their readings with others (`yì` alone: a few hundred), so each
    # distinct readings string is made toneless once
    sets: dict[str, frozenset[str]] = {}
    for value in set(table.values()):
        sets[value] = frozenset(map(_toneless, value.split(",")))
    return {code: sets[value] for code, value in table.items()}


def _toneless(syllable: str) -> str:
    decomposed = unicodedata.normalize("NFD", syllable)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _readings(name: str) -> tuple[frozenset[str], ...]:
    table = _readings_table()
    return tuple(table.get(ord(ch), frozenset({ch})) for ch in name)


def _homophone(a: tuple[frozenset[str], ...], b: tuple[frozenset[str], ...]) -> bool:
    return len(a) == len(b) and all(x & y for x, y in zip(a, b, strict=True))


class RosterMatcher:
    """Matches names as written to the roster of one group (exact, homophone, typo).

    Indexed so that a lookup costs the same for a class of 40 and a school of 40,000:
    homophones by (length, a reading of the first character), typos by the name with one
    position blanked out. Answers are remembered (the same names come back every day).
    """

    CACHE_SIZE = 50_000

    def __init__(self, names: Iterable[str]) -> None:
        self.names: frozenset[str] = frozenset(n.strip() for n in names if n and n.strip())
        self._typos: dict[str, list[str]] = defaultdict(list)
        for name in self.names:
            for i in range(len(name)):
                self._typos[_blanked(name, i)].append(name)
        self._sounds: dict[tuple[int, str], list[tuple[str, tuple[frozenset[str], ...]]]] | None
        self._sounds = None
        self._answers: dict[str, str | None] = {}
        # Homophones and typos keep the length: nothing longer than the longest name can
        # match, and a long word would cost a pass per character (quadratic).
        self._longest = max(map(len, self.names), default=0)

    def __bool__(self) -> bool:
        return bool(self.names)

    def warm(self) -> None:
        """Build the homophone index now rather than at the first name not on the roster."""
        self._homophones("\u4e00\u4e00")

    def match(self, written: str) -> str | None:
        """The one roster name `written` stands for, or None when none or several fit."""
        if written in self.names:
            return written
        if len(written) < 2 or len(written) > self._longest:
            return None
        if written not in self._answers:
            if len(self._answers) >= self.CACHE_SIZE:
                self._answers.clear()
            self._answers[written] = self._fuzzy(written)
        return self._answers[written]

    def _fuzzy(self, written: str) -> str | None:
        homophones = self._homophones(written)
        if len(homophones) == 1:
            return homophones[0]
        near = {n for i in range(len(written)) for n in self._typos.get(_blanked(written, i), ())}
        if len(near) == 1:
            name = next(iter(near))
            if len(written) >= 3 or name[0] == written[0]:
                return name
        return None

    def _homophones(self, written: str) -> list[str]:
        if self._sounds is None:
            self._sounds = defaultdict(list)
            for name in self.names:
                sound = _readings(name)
                for first in sound[0]:
                    self._sounds[(len(name), first)].append((name, sound))
        sound = _readings(written)
        found = {
            name
            for first in sound[0]
            for name, other in self._sounds.get((len(written), first), ())
            if _homophone(sound, other)
        }
        return sorted(found)


def _blanked(name: str, i: int) -> str:
    return f"{name[:i]}\0{name[i + 1 :]}"
