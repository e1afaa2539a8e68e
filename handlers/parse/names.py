"""Person names: what a Chinese name looks like, and matching a written name to a roster.

Without a roster a name is a run of 2–4 Han characters that starts with a known surname
(compound surnames such as 欧阳 and 司马 included) and that the segmenter does not read as
an ordinary word (方便, 明天). With a roster, a name is matched exactly first, then allowing
one wrong character or a homophone (same pinyin), but only when exactly one roster name
fits, so a typo never silently lands on the wrong student.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import cache

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
    "赖阎傅洪萧凤鄂汝郦钮蔚苌靖敏茆粘俸韶郗殳訾仉蓟牧巢蒯逄仰蹇郏暴钭"
) - frozenset("有和就报休那")
# Characters that never occur inside a written name but often next to one in a reply.
NOT_IN_NAME = frozenset(
    "的了吗呢吧啊呀哦嗯我你他她它们这那是在没不未跟与及或已还也都很太就上里下内外边前后间"
)


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
    return not any(ch in NOT_IN_NAME for ch in text[n:])


@cache
def _pinyin(text: str) -> str:
    from pypinyin import lazy_pinyin

    return " ".join(lazy_pinyin(text))


class RosterMatcher:
    """Matches names as written to the roster of one group (exact, typo, homophone)."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names: frozenset[str] = frozenset(n.strip() for n in names if n and n.strip())
        self._by_length: dict[int, list[str]] = defaultdict(list)
        for name in self.names:
            self._by_length[len(name)].append(name)
        self._by_pinyin: dict[str, list[str]] | None = None

    def __bool__(self) -> bool:
        return bool(self.names)

    def match(self, written: str) -> str | None:
        """The one roster name `written` stands for, or None when none or several fit."""
        if written in self.names:
            return written
        if len(written) < 2:
            return None
        homophones = self._homophones(written)
        if len(homophones) == 1:
            return homophones[0]
        near = [n for n in self._by_length[len(written)] if _one_char_off(n, written)]
        if len(near) == 1 and (len(written) >= 3 or near[0][0] == written[0]):
            return near[0]
        return None

    def _homophones(self, written: str) -> list[str]:
        if self._by_pinyin is None:
            self._by_pinyin = defaultdict(list)
            for name in self.names:
                self._by_pinyin[_pinyin(name)].append(name)
        return self._by_pinyin.get(_pinyin(written), [])


def _one_char_off(a: str, b: str) -> bool:
    return sum(x != y for x, y in zip(a, b, strict=True)) == 1
