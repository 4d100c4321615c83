"""Chinese line breaking, one algorithm for every renderer.

GB/T 15834 (标点符号用法) 避头尾: some characters may not start a line, some may not
end one; a run of Latin letters and digits (a number, 310.2, a word) is not cut
unless it is longer than a line.  The PDF breaks with the font's real glyph
widths; the column-width solver (:mod:`core.layout.widths`) breaks with an em model, so
that what it plans is what gets printed.
"""
from __future__ import annotations

from typing import Callable

NO_START = set("，。、：；！？）］｝」』》〉】〕〗〙〛％‰℃°′″…‥·・—～’”,.:;!?)]}%")
NO_END = set("（［｛「『《〈【〔〖〘〚‘“([{￥$£")
OPENING = set("（［｛「『《〈【〔〖〘〚([{")
CLOSING = set("）］｝」』》〉】〕〗〙〛)]}")
LOOKBACK = 24          # how far back a break is looked for before cutting anywhere


def wordy(ch: str) -> bool:
    return ch.isascii() and not ch.isspace() and ch not in "([{)]}"


def allowed(s: str, k: int) -> bool:
    """May a line break fall between s[k-1] and s[k]?

    Spaces at a break are dropped (from the end of one line and the start of the next), so what
    must not start or end a line is judged on the characters beside the spaces: in "1% ！" the
    ！ may not start a line whether the break is before or after the space."""
    a, b = s[k - 1], s[k]
    if wordy(a) and wordy(b):
        return False
    j = k
    while j < len(s) and s[j] == " ":
        j += 1
    if j < len(s) and s[j] in NO_START:
        return False
    i = k - 1
    while i >= 0 and s[i] == " ":
        i -= 1
    if i >= 0 and s[i] in NO_END:
        return False
    return True


def hang_end(s: str, k: int) -> int:
    """Past the closing punctuation (and the spaces before it) at ``s[k]``: a forced break puts
    them at the end of this line, hanging in the margin (标点悬挂), never at the start of the next."""
    n = len(s)
    while k < n:
        j = k
        while j < n and s[j] == " ":
            j += 1
        if j < n and s[j] in NO_START:
            k = j + 1
        else:
            return k
    return k


def break_para(s: str, width: float, char_width: Callable[[str], float], lines: list[str]) -> None:
    """Append to ``lines`` the lines of one paragraph (no newline in ``s``) no wider
    than ``width``, measured with ``char_width``."""
    n = len(s)
    if n == 0:
        lines.append("")
        return
    start = 0
    while start < n:
        w = 0.0
        i = start
        while i < n:
            cw = char_width(s[i])
            if w + cw > width and i > start:
                break
            w += cw
            i += 1
        if i >= n:
            lines.append(s[start:])
            return
        # s[i] does not fit: find the last allowed break at or before i.
        k = i
        floor = max(start + 1, i - LOOKBACK)
        while k >= floor and not allowed(s, k):
            k -= 1
        if k < floor:
            # No good break nearby (a long number or word, or a column too
            # narrow): break anyway, but never start the next line with closing
            # punctuation: let it hang in the margin instead (标点悬挂).
            k = hang_end(s, i)
        lines.append(s[start:k].rstrip(" "))
        start = k
        while start < n and s[start] == " " and start > 0:
            start += 1


def break_text(text: str, width: float, char_width: Callable[[str], float]) -> list[str]:
    lines: list[str] = []
    for para in text.split("\n"):
        break_para(para, width, char_width, lines)
    return lines or [""]


def broken_badly(lines: list[str]) -> bool:
    """A short fixed text broken where a reader stumbles: a line holding a single
    character (满意度指/标, 年度指标/值), or a break inside brackets (项目资金（万/元）)."""
    if len(lines) <= 1:
        return False
    depth = 0
    for i, line in enumerate(lines):
        core = "".join(ch for ch in line if ch not in NO_START and ch not in NO_END and not ch.isspace())
        if len(core) == 1 and not (line[:1] in OPENING and line[-1:] in CLOSING):
            return True
        for ch in line:
            if ch in OPENING:
                depth += 1
            elif ch in CLOSING:
                depth = max(0, depth - 1)
        if depth and i + 1 < len(lines):
            return True
    return False
