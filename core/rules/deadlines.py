"""Deadlines (时效指标, DOMAIN §4): `9月前`, `11月底前`, `≤12月底`, `6月30日前`, `年底前`, `第三季度`.

A target is read as the last day allowed, in the form's year; an actual as the
span of days it names (a date is one day, `9月` is all of September, `9月前`
ends on 31 August) or as words (`按时`, `提前`, `如期` are on time; `逾期`,
`延期` are late).  ``judge`` says on time (True), late (False) or cannot tell
(None).  Nothing here raises.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from core.rules.reader import to_halfwidth

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
              "十一": 11, "十二": 12, "1": 1, "2": 2, "3": 3, "4": 4}
_CN_NUM = "(十[一二]|[一二三四五六七八九十]|\\d{1,2})"

_LEADING = ("不晚于", "不迟于", "最迟于", "最迟", "截至", "截止到", "截止", "已于", "已在", "已经", "已", "在", "于",
            "<=", "≤", "<", "=")
_TRAILING = ("全部完成", "前完成", "内完成", "已完成", "完成", "完工", "办结", "到位", "实施")

ON_TIME_WORDS = ("按时", "提前", "如期", "按期", "及时", "准时", "按计划", "按进度")
LATE_WORDS = ("逾期", "延期", "未按时", "未按期", "滞后", "推迟", "延迟", "超期")


@dataclass(frozen=True)
class Due:
    raw: str
    last: date          # the last day that is on time
    error: str | None = None

    @property
    def label(self) -> str:
        return f"{self.last.month}月{self.last.day}日"


@dataclass(frozen=True)
class Done:
    raw: str
    first: date | None = None
    last: date | None = None
    on_time: bool | None = None     # from words: 按时 (True), 逾期 (False)
    error: str | None = None

    @property
    def label(self) -> str:
        if self.first is None:
            return self.raw.strip()
        if self.first == self.last:
            return f"{self.first.month}月{self.first.day}日"
        if self.first.day == 1 and self.last.day == calendar.monthrange(self.last.year, self.last.month)[1] \
                and self.first.month == self.last.month:
            return f"{self.first.month}月"
        return f"{self.last.month}月{self.last.day}日前"


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _before_month(year: int, month: int) -> date:
    """`X月前`: before month X begins."""
    return _month_end(year - 1, 12) if month == 1 else _month_end(year, month - 1)


def _normalize(raw: str) -> tuple[str, str | None]:
    text = to_halfwidth(raw or "").strip().replace(" ", "")
    op = None
    changed = True
    while changed:
        changed = False
        for word in _LEADING:
            if text.startswith(word) and len(text) > len(word):
                if word in ("<", "≤", "<="):
                    op = "<" if word == "<" else "<="
                text = text[len(word):]
                changed = True
    for word in _TRAILING:
        if text.endswith(word) and len(text) > len(word):
            text = text[: -len(word)] + ("前" if word == "前完成" else "")
            break
    text = text.replace("之前", "前").replace("以前", "前").replace("底前", "底").replace("末前", "末") \
        .replace("旬前", "旬")
    return text, op


_DATE_RE = re.compile(r"^(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号](前|内)?$")
_ISO_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(前)?$")
_MONTH_END_RE = re.compile(rf"^(?:(\d{{4}})年)?{_CN_NUM}月份?(底|末|中旬|上旬|下旬)$")
_MONTH_BEFORE_RE = re.compile(rf"^(?:(\d{{4}})年)?{_CN_NUM}月份?前$")
_MONTH_RE = re.compile(rf"^(?:(\d{{4}})年)?{_CN_NUM}月份?(内)?$")
_YEAR_END_RE = re.compile(r"^(?:(\d{4})年)?(年底|年末|年终|年内|年度内|本年内|本年度内|本年度|当年|年度|全年)$")
_HALF_RE = re.compile(r"^(?:(\d{4})年)?(上半年|年中|下半年)(末|底)?(前)?$")
_QUARTER_RE = re.compile(r"^(?:(\d{4})年)?第?([一二三四1-4])季度(末|底)?(前|内)?$")
_BAD_DATE_RE = re.compile(r"^(?:\d{1,4}年)?\d{1,3}月份?(?:\d{1,3}[日号])?(?:前|底|末|内)?$"
                          r"|^(?:\d{1,4}年)?第?\d+季度(?:末|底)?(?:前|内)?$")


def _month(m) -> int:
    return _CN_DIGITS[m] if m in _CN_DIGITS else int(m)


def _span(text: str, op: str | None, year: int) -> tuple[date, date] | None | str:
    """The first and last day a text names (a month is all its days; `9月前`, `11月底`, a date
    are one day), None when it is not a date at all, or an error text."""
    try:
        m = _ISO_RE.match(text)
        if m:
            d = date(int(m[1]), int(m[2]), int(m[3]))
            return d, d
        m = _DATE_RE.match(text)
        if m:
            d = date(int(m[1] or year), int(m[2]), int(m[3]))
            return d, d
        m = _MONTH_END_RE.match(text)
        if m:
            y, mo = int(m[1] or year), _month(m[2])
            last = {"上旬": lambda: date(y, mo, 10), "中旬": lambda: date(y, mo, 20)}.get(
                m[3], lambda: _month_end(y, mo))()
            return last, last
        m = _MONTH_BEFORE_RE.match(text)
        if m:
            y, mo = int(m[1] or year), _month(m[2])
            if not 1 <= mo <= 12:
                return "月份应为 1～12"
            last = _before_month(y, mo)
            return last, last
        m = _MONTH_RE.match(text)
        if m:
            y, mo = int(m[1] or year), _month(m[2])
            if not 1 <= mo <= 12:
                return "月份应为 1～12"
            if op == "<":
                last = _before_month(y, mo)
                return last, last
            return date(y, mo, 1), _month_end(y, mo)
        m = _YEAR_END_RE.match(text)
        if m:
            y = int(m[1] or year)
            return (date(y, 1, 1) if m[2] not in ("年底", "年末", "年终") else date(y, 12, 31)), date(y, 12, 31)
        m = _HALF_RE.match(text)
        if m:
            y = int(m[1] or year)
            if m[2] == "下半年" and not m[4]:
                return (date(y, 7, 1) if not m[3] else date(y, 12, 31)), date(y, 12, 31)
            return (date(y, 1, 1) if not (m[3] or m[4]) else date(y, 6, 30)), date(y, 6, 30)
        m = _QUARTER_RE.match(text)
        if m:
            y, q = int(m[1] or year), _CN_DIGITS[m[2]]
            if m[4] == "前" and not m[3]:
                last = _before_month(y, 3 * q - 2)
                return last, last
            last = _month_end(y, 3 * q)
            return (date(y, 3 * q - 2, 1) if not m[3] else last), last
    except (ValueError, KeyError, OverflowError):
        return "日期不存在"
    return None


def looks_like_deadline(raw: str) -> bool:
    """Whether a target is written as a deadline (and must be read as one, not as a number)."""
    text, op = _normalize(raw)
    if not text or len(text) > 30:
        return False
    if _ISO_RE.match(text) or _DATE_RE.match(text) or _YEAR_END_RE.match(text) or _HALF_RE.match(text):
        return True
    if _QUARTER_RE.match(text) or _MONTH_END_RE.match(text) or _MONTH_BEFORE_RE.match(text):
        return True
    # A bare `9月` is a month (a deadline); `≥12月` is not a deadline.
    if _MONTH_RE.match(text) and not to_halfwidth(raw).strip().startswith((">", "≥", "不低于", "不少于")):
        return True
    # A date none of the forms above reads (`13月前`, `9月31日前`): a deadline, unreadable.
    return bool(_BAD_DATE_RE.match(text))


@lru_cache(maxsize=4096)
def parse_due(raw: str, year: int) -> Due | None:
    """A deadline target, or None when the target is not a deadline."""
    if not isinstance(raw, str) or not looks_like_deadline(raw):
        return None
    text, op = _normalize(raw)
    span = _span(text, op, year)
    if span is None:
        return Due(raw, date(year, 12, 31), error="无法识别的期限写法")
    if isinstance(span, str):
        return Due(raw, date(year, 12, 31), error=span)
    return Due(raw, span[1])


@lru_cache(maxsize=4096)
def parse_done(raw: str, year: int) -> Done:
    """When it was done: a date, a month, or 按时/提前/如期/逾期."""
    text, op = _normalize(raw if isinstance(raw, str) else "")
    if not text:
        return Done(raw or "", error="请填写完成时间")
    for word in LATE_WORDS:
        if word in text:
            return Done(raw, on_time=False)
    for word in ON_TIME_WORDS:
        if word in text and not text.startswith(("未", "没", "不")):
            return Done(raw, on_time=True)
    span = _span(text, op, year)
    if span is None:
        return Done(raw, error="无法识别完成时间，请写日期（如 9月20日）、月份（如 9月）或“按时完成”“提前完成”“逾期完成”")
    if isinstance(span, str):
        return Done(raw, error=span)
    return Done(raw, first=span[0], last=span[1])


def judge(due: Due, done: Done) -> bool | None:
    """On time (True), late (False), or cannot tell (None)."""
    if done.error or due.error:
        return None
    if done.on_time is not None:
        return done.on_time
    if done.last is not None and done.last <= due.last:
        return True
    if done.first is not None and done.first > due.last:
        return False
    return None
