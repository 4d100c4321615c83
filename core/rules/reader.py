"""Reader of indicator targets and actual values (DOMAIN §4).

Turns what a clerk typed (``≥10次``, ``80%以上``, ``100%以内``, ``＝３６万元``,
``同比上升``) into an operator, a Decimal and a unit.  It never raises: text it
cannot read comes back with ``error`` set to a short Chinese message, which the
checks turn into a finding on that cell.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

GE, GT, EQ, LE, LT = ">=", ">", "=", "<=", "<"

# Look-alike glyphs seen in real tables, mapped to one canonical character.
_GLYPHS = {
    "≧": "≥", "⩾": "≥", "≦": "≤", "⩽": "≤", "═": "=", "﹦": "=", "＝": "=",
    "＞": ">", "＜": "<", "﹥": ">", "﹤": "<", "％": "%", "﹪": "%", "　": " ",
    "．": ".", "，": ",", "－": "-", "−": "-", "—": "-", "–": "-", "＋": "+",
    "\u00a0": " ", "\u200b": "", "\ufeff": "",
}


def to_halfwidth(text: str) -> str:
    """Full-width ASCII forms to half-width, look-alike operators to one glyph."""
    out = []
    for ch in text:
        if ch in _GLYPHS:
            out.append(_GLYPHS[ch])
            continue
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            out.append(chr(code - 0xFEE0))
        else:
            out.append(ch)
    return "".join(out)


# Operator words before the number, longest first so that 不低于 wins over 低于.
_PREFIX_OPS = [
    ("控制在", LE), ("不低于", GE), ("不少于", GE), ("不小于", GE), ("不高于", LE),
    ("不超过", LE), ("不多于", LE), ("不大于", LE), ("不满", LT),
    ("至少", GE), ("达到", GE), ("大于等于", GE), ("小于等于", LE), ("至多", LE),
    ("高于", GT), ("大于", GT), ("超过", GT), ("多于", GT),
    ("低于", LT), ("小于", LT), ("少于", LT), ("等于", EQ), ("为", EQ),
    (">=", GE), ("=>", GE), ("≥", GE), ("<=", LE), ("=<", LE), ("≤", LE),
    (">", GT), ("<", LT), ("==", EQ), ("=", EQ),
]
# Words after the number (and unit); 以上/以下/以内 include the number itself.
# `3个工作日内`, `30天内`: 内 after a number and its unit is 以内.
_SUFFIX_OPS = [("以上", GE), ("及以上", GE), ("以内", LE), ("以下", LE), ("及以下", LE), ("内", LE)]

# Words that say the same thing as a percent sign.
_PERCENT_UNITS = {"%", "百分比", "百分点"}
# Units that can be converted to each other, with their factor.
_UNIT_GROUPS = [
    {"元": Decimal(1), "千元": Decimal(1000), "万元": Decimal(10000), "亿元": Decimal(100000000)},
    {"%": Decimal(1), "百分比": Decimal(1)},
    {"天": Decimal(1), "日": Decimal(1)},
    {"平方米": Decimal(1), "㎡": Decimal(1), "m2": Decimal(1), "m²": Decimal(1)},
]
_NUM_RE = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+]?\.\d+", re.ASCII)
_DIGIT_RE = re.compile(r"\d", re.ASCII)
_MAX_TEXT = 200  # longer than any real target; longer text is read as words
# Bounds of a number a clerk can mean: 15 digits before the point (a trillion 万元), 10 after.
# Beyond them Decimal arithmetic at 28 digits cannot round to cents (quantize fails), so such a
# number is a finding on its cell, not a crash of the scorer.
_MAX_ABS = Decimal("1e15")
_MAX_PLACES = 10
MAX_SIGNIFICANT = 15   # Excel keeps 15 significant digits; more is a typing slip, not a value


@dataclass(frozen=True)
class Parsed:
    """What the reader made of one cell."""

    raw: str
    op: str | None = None          # one of GE GT EQ LE LT, or None
    number: Decimal | None = None  # the value, sign kept, thousands separators removed
    unit: str = ""                 # canonical unit text ("%" for 百分比)
    empty: bool = False            # nothing typed
    words: bool = False            # text without a number (qualitative)
    not_applicable: bool = False   # "/" or "—": the row does not apply
    error: str | None = None       # Chinese message when the text could not be read

    @property
    def numeric(self) -> bool:
        return self.number is not None and self.error is None

    @property
    def percent(self) -> bool:
        return self.unit == "%"


_NA_TEXTS = {"/", "／", "-", "--", "—", "——", "无", "不适用", "n/a", "N/A"}


def _strip_prefix_op(text: str) -> tuple[str | None, str]:
    for word, op in _PREFIX_OPS:
        if text.startswith(word):
            return op, text[len(word):].lstrip()
    return None, text


def _strip_suffix_op(text: str) -> tuple[str | None, str]:
    for word, op in sorted(_SUFFIX_OPS, key=lambda p: -len(p[0])):
        if text.endswith(word):
            return op, text[: -len(word)].rstrip()
    return None, text


def _canonical_unit(unit: str) -> str:
    unit = unit.strip()
    if unit in _PERCENT_UNITS:
        return "%"
    return unit


@lru_cache(maxsize=16384)
def parse(raw: str) -> Parsed:
    """Read one target or actual. Never raises."""
    try:
        return _parse(raw)
    except Exception:  # pragma: no cover - a reader bug must not crash a form
        return Parsed(raw=raw if isinstance(raw, str) else "", error="无法识别该数值")


def _parse(raw: str) -> Parsed:
    if raw is None:
        return Parsed(raw="", empty=True)
    if not isinstance(raw, str):
        raw = str(raw)
    text = to_halfwidth(raw).strip()
    text = re.sub(r"\s+", " ", text)
    if not text:
        return Parsed(raw=raw, empty=True)
    if text in _NA_TEXTS:
        return Parsed(raw=raw, not_applicable=True)
    if len(text) > _MAX_TEXT or not _DIGIT_RE.search(text):
        return Parsed(raw=raw, words=True)

    body = text.replace(" ", "")
    # 控制在100万元以内: take the prefix word, then the suffix word.
    op, body = _strip_prefix_op(body)
    # A repeated operator (`≥≥10`, `>=≥`) is still one operator; two different ones are not.
    if op is not None and body[:1] in "<>=≥≤":
        op2, rest = _strip_prefix_op(body)
        if op2 is not None and op2 != op:
            return Parsed(raw=raw, error="运算符重复或矛盾")
        body = rest
    sop, body = _strip_suffix_op(body)
    if sop is not None:
        if op in (None, EQ):
            op = sop
        elif op != sop:
            return Parsed(raw=raw, error="运算符前后矛盾")
    numbers = _NUM_RE.findall(body)
    if len(numbers) != 1:
        # 12.345.6, 1,2,3, 10-20, --5: more than one number, or none in a strange place.
        if not numbers:
            return Parsed(raw=raw, words=True)
        return Parsed(raw=raw, error="数值格式不正确，应只包含一个数字")
    match = _NUM_RE.search(body)
    before, after = body[: match.start()], body[match.end():]
    if before and before != "+":
        if _looks_numeric_noise(before):
            return Parsed(raw=raw, error="数值格式不正确")
        return Parsed(raw=raw, words=True)  # 同比上升10%: words around a number
    if after.startswith((".", ",")) or (after[:1].isdigit()):
        return Parsed(raw=raw, error="数值格式不正确")
    unit = after
    if _DIGIT_RE.search(unit) and unit not in ("m2",):
        return Parsed(raw=raw, error="数值格式不正确")
    if unit and re.match(r"^[eE][-+]?", unit):
        return Parsed(raw=raw, error="数值格式不正确（不支持科学计数法）")
    if len(unit) > 12:
        return Parsed(raw=raw, words=True)
    if unit.startswith(("-", "+", "*", "/", "^", "=", "<", ">", "≥", "≤")):
        return Parsed(raw=raw, error="数值格式不正确")
    unit, stray = _check_unit(unit)
    if stray:
        return Parsed(raw=raw, error=f"含有无法识别的字符“{stray}”")
    try:
        number = Decimal(match.group().replace(",", ""))
    except InvalidOperation:
        return Parsed(raw=raw, error="数值格式不正确")
    if not number.is_finite():
        return Parsed(raw=raw, error="数值格式不正确")
    bound = _out_of_bounds(number)
    if bound:
        return Parsed(raw=raw, error=bound)
    if number == 0:
        number = Decimal(0)  # -0 is 0
    return Parsed(raw=raw, op=op, number=number, unit=_canonical_unit(unit))


def _out_of_bounds(number: Decimal) -> str | None:
    if number and len(number.normalize().as_tuple().digits) > MAX_SIGNIFICANT:
        return f"有效数字超过 {MAX_SIGNIFICANT} 位（Excel 只保留 {MAX_SIGNIFICANT} 位），请检查"
    if abs(number) >= _MAX_ABS:
        return "数值过大，请检查是否多输入了数字"
    if number.as_tuple().exponent < -_MAX_PLACES:
        return f"小数位数过多（最多 {_MAX_PLACES} 位）"
    return None


# A unit is words (次, 万元, 人次, km), a percent or per-mille sign alone, words joined by "/"
# (元/人), and may end in a remark in brackets (%（抽检）).  Anything else — `290$`, `28.8万元%` —
# is a stray character, and the value is unreadable.
_UNIT_WORD = r"[A-Za-z\u4e00-\u9fff㎡㎞㎏㎝㎜²³·°℃]+"
_UNIT_RE = re.compile(rf"^(?:%|‰|℃|m2|{_UNIT_WORD}(?:/{_UNIT_WORD})*)?$")
_REMARK_RE = re.compile(r"[(（][\u4e00-\u9fff、，,A-Za-z0-9%]*[)）]$")


def _check_unit(unit: str) -> tuple[str, str]:
    """(unit without a bracketed remark, the stray characters or "")."""
    bare = _REMARK_RE.sub("", unit) if unit else unit
    if _UNIT_RE.match(bare):
        return bare, ""
    stray = "".join(dict.fromkeys(ch for ch in bare if not re.match(_UNIT_WORD, ch) and ch not in "/"))
    if not stray:                       # a misplaced "/" or a % after words: name the whole unit
        stray = bare
    return bare, stray


def _looks_numeric_noise(before: str) -> bool:
    """Symbols (not words) in front of the number: `--5`, `.-3`, `~5`."""
    return all(not ch.isalpha() for ch in before)


def parse_parts(op: str, value: str, unit: str) -> Parsed:
    """Three-column layout: operator | value | unit (Sichuan)."""
    return parse(f"{op or ''}{value or ''}{unit or ''}")


def unit_factor(unit: str) -> tuple[int, Decimal] | None:
    for i, group in enumerate(_UNIT_GROUPS):
        if unit in group:
            return i, group[unit]
    return None


def comparable(target: Parsed, actual: Parsed) -> tuple[Decimal, Decimal] | None:
    """Both numbers on the target's scale, or None when the units disagree.

    An empty unit on one side takes the other side's unit (``98%`` against ``100``
    with unit %).  万元 and 元 convert; 次 against 个 does not.
    """
    a, b = target.number, actual.number
    if a is None or b is None:
        return None
    ua, ub = target.unit, actual.unit
    if ua == ub or not ua or not ub:
        return a, b
    fa, fb = unit_factor(ua), unit_factor(ub)
    if fa and fb and fa[0] == fb[0]:
        return a, b * fb[1] / fa[1]
    return None


_MONEY_RE = re.compile(r"^[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$", re.ASCII)


@lru_cache(maxsize=16384)
def parse_amount(raw: str) -> tuple[Decimal | None, str | None]:
    """An amount (万元) or a plain number: (value, None), (None, None) when empty,
    or (None, message) when it is not a number.  Never raises."""
    if raw is None:
        return None, None
    if not isinstance(raw, str):
        raw = str(raw)
    text = to_halfwidth(raw).strip().replace(" ", "")
    if not text or text in _NA_TEXTS:
        return None, None
    if text.endswith("万元"):
        text = text[:-2]
    if not _MONEY_RE.match(text):
        if re.search(r"[eE]", text) and _DIGIT_RE.search(text):
            return None, "不是有效的金额（不支持科学计数法）"
        return None, "不是有效的金额"
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - guarded by the regex
        return None, "不是有效的金额"
    bound = _out_of_bounds(value)
    if bound:
        return None, "金额" + bound
    if value == 0:
        value = Decimal(0)
    return value, None


@lru_cache(maxsize=4096)
def parse_percent(raw: str) -> tuple[Decimal | None, str | None]:
    """A typed rate such as ``108.00%``: (percent value, None) or (None, message)."""
    p = parse(raw) if isinstance(raw, str) else Parsed(raw="", empty=True)
    if p.empty or p.not_applicable:
        return None, None
    if p.error or p.number is None or p.unit not in ("%", ""):
        return None, "不是有效的百分比"
    return p.number, None
