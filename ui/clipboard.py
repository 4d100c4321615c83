"""Copy and paste between the form and Excel / WPS.

Copying puts two flavours on the clipboard:

* text — Excel's tab-separated text (:func:`core.editing.session.to_tsv`), for plain editors;
* HTML — a table whose cells are formatted as text (``mso-number-format:"\\@"`` for Excel and WPS,
  ``sdnum="…;@"`` for LibreOffice Calc), so ``=100%``, ``=cmd|' /C calc'!A0``, ``0012`` and long
  numbers paste as the text they are, never as a formula or a rounded number.  Plain numbers
  that Excel shows exactly as written (amounts) stay numbers.

Pasting prefers an HTML table (what Excel and WPS put on the clipboard, with merged cells), read
with :mod:`html.parser` — nothing is fetched, scripts and styles are skipped, the size is
bounded — and falls back to the tab-separated text.
"""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from core.editing import parse_tsv, to_tsv

MAX_HTML_CHARS = 4_000_000      # a clipboard table bigger than this is read from its text flavour
MAX_ROWS = 5_000
MAX_COLS = 200

GENERATOR = "<meta name=Generator content=ziping>"   # our own table: a no-break space is the clerk's
_PLAIN_NUMBER = re.compile(r"^(?!-0$)-?(?:0|[1-9]\d*)(?:\.\d*[1-9])?$")


# ---------------------------------------------------------------- writing

def keeps_as_number(value: str) -> bool:
    """A value Excel shows exactly as written when it takes it as a number (General format): a
    plain decimal of at most 11 characters, no leading zero, no trailing zero after the point, no
    sign other than minus.  Anything else (0012, 1930.50, long numbers, =…) is pasted as text."""
    return len(value) <= 11 and bool(_PLAIN_NUMBER.match(value))


def _keep_spaces(line: str) -> str:
    """Spaces HTML would collapse (leading, trailing, runs) written as character references."""
    return re.sub(r"^ +| +$| {2,}", lambda m: "&#32;" * len(m.group()), line)


def _td(value: str) -> str:
    text = html.escape(value, quote=False).replace("\t", "&#9;").replace("\r", "&#13;").replace("\f", "&#12;")
    text = "<br style='mso-data-placement:same-cell'>".join(_keep_spaces(line) for line in text.split("\n"))
    if value and keeps_as_number(value):
        return f"<td x:num=\"{value}\">{text}</td>"
    return f"<td class=xtext sdnum=\"2052;0;@\" style='mso-number-format:\"\\@\"'>{text}</td>"


def to_html(rows: list[list[str]]) -> str:
    """An HTML table as Excel writes one to the clipboard, every non-number cell formatted as text."""
    body = "".join("<tr>" + "".join(_td("" if v is None else str(v)) for v in r) + "</tr>" for r in rows)
    return ("<html xmlns:o=\"urn:schemas-microsoft-com:office:office\" "
            "xmlns:x=\"urn:schemas-microsoft-com:office:excel\" xmlns=\"http://www.w3.org/TR/REC-html40\">"
            f"<head><meta http-equiv=Content-Type content=\"text/html; charset=utf-8\">{GENERATOR}"
            "<style>.xtext{mso-number-format:\"\\@\";white-space:pre-wrap;}</style></head>"
            f"<body><table border=0 cellpadding=0 cellspacing=0><!--StartFragment-->{body}"
            "<!--EndFragment--></table></body></html>")


def mime_for(rows: list[list[str]]):
    """The clipboard data of a block of cells: the HTML table and the tab-separated text."""
    from PySide6.QtCore import QMimeData
    data = QMimeData()
    data.setText(to_tsv(rows))
    data.setHtml(to_html(rows))
    return data


def release_before_exit() -> None:
    """Hand the clipboard to Qt before the program ends.

    Qt destroys the clipboard after Python has shut down; data made by :func:`mime_for` is a Python
    object and would crash the process at that moment.  If the clipboard still holds our cells, it
    is set again from their text, which Qt copies itself (the HTML flavour is dropped), so what
    the clerk copied can still be pasted after the window is closed.
    """
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance()
    if app is None:
        return
    board = app.clipboard()
    data = board.mimeData()
    if data is not None and GENERATOR in (data.html() or ""):
        board.setText(data.text())


# ---------------------------------------------------------------- reading

class _TableReader(HTMLParser):
    """The first table of an HTML fragment as a grid of cell texts (colspan and rowspan keep the
    following cells in their columns; a merged cell's text is in its top-left position)."""

    _SKIP = {"style", "script", "head", "title", "template", "object", "iframe"}

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.rows: list[list[str]] = []
        self._depth = 0              # nested tables: only the outermost is read
        self._done = False
        self._skip = 0
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._span = (1, 1)
        self._carry: dict[int, int] = {}    # column -> rows still covered by a rowspan above
        self.too_big = False
        self.ours = False            # written by this program (to_html)
        self._seen_table = False

    def handle_starttag(self, tag, attrs):
        if self._done:
            return
        if tag == "meta":
            a = dict(attrs)
            if (a.get("name") or "").lower() == "generator" and a.get("content") == "ziping":
                self.ours = True
        if tag in self._SKIP:
            self._skip += 1
            return
        if tag == "table":
            self._depth += 1
            self._seen_table = True
            return
        if self._depth == 0 and not self._seen_table and tag in ("tr", "td", "th"):
            self._depth = 1          # rows of a fragment without its <table> tag (a bare fragment)
        if self._depth != 1:
            return
        if tag == "tr":
            self._end_row()
            self._row = []
        elif tag in ("td", "th"):
            if self._row is None:
                self._row = []
            self._end_cell()
            a = dict(attrs)
            self._span = (_int(a.get("rowspan")), _int(a.get("colspan")))
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(("\n", False))

    def handle_startendtag(self, tag, attrs):
        if tag == "br":
            if self._cell is not None and not self._done and self._depth == 1:
                self._cell.append(("\n", False))
        else:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if self._done:
            return
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
            return
        if tag == "table":
            if self._depth == 1:
                self._end_row()
                self._done = True
            self._depth = max(0, self._depth - 1)
            return
        if self._depth != 1:
            return
        if tag in ("td", "th"):
            self._end_cell()
        elif tag == "tr":
            self._end_row()

    def handle_data(self, data):
        if self._cell is not None and not self._skip and self._depth == 1 and not self._done:
            self._cell.append((data, True))

    def handle_entityref(self, name):
        self.handle_charref(None, html.unescape(f"&{name};"))

    def handle_charref(self, name, text=None):
        if text is None:
            text = html.unescape(f"&#{name};")
        if self._cell is not None and not self._skip and self._depth == 1 and not self._done:
            # White space written as a reference is the clerk's own: kept through the collapsing.
            self._cell.append((text, False))

    def finish(self) -> None:
        """The end of the text: a table or fragment without its closing tags ends here."""
        if not self._done:
            self._end_row()
            self._done = True

    # -- grid
    def _end_cell(self):
        if self._cell is None:
            return
        text = _cell_text(self._cell, nbsp_is_space=not self.ours)
        self._cell = None
        row = self._row
        self._skip_carried(row)
        rs, cs = self._span
        col = len(row)
        row.append(text)
        row.extend("" for _ in range(cs - 1))
        if rs > 1:
            for k in range(col, col + cs):
                self._carry[k] = rs - 1
        if len(row) > MAX_COLS:
            self.too_big = True
            self._done = True

    def _skip_carried(self, row):
        while self._carry.get(len(row), 0) > 0:
            self._carry[len(row)] -= 1
            row.append("")

    def _end_row(self):
        self._end_cell()
        if self._row is None:
            return
        row = self._row
        self._row = None
        self._skip_carried(row)
        self.rows.append(row)
        if len(self.rows) > MAX_ROWS:
            self.too_big = True
            self._done = True


def _int(v) -> int:
    try:
        return max(1, min(MAX_COLS, int(str(v).strip())))
    except (TypeError, ValueError):
        return 1


_WS = re.compile(r"[ \t\r\n\f]+")


def _cell_text(pieces: list[tuple[str, bool]], nbsp_is_space: bool = True) -> str:
    """A cell's text by HTML's white-space rules.  ``pieces`` are (text, collapsible): the source
    text collapses (runs of spaces and line breaks are one space; such spaces are dropped at the
    ends and around a line break), while a <br> and white space written as a character reference
    are kept as they are.  A no-break space is how Excel and WPS write a space the clerk typed (in
    our own tables it is the clerk's no-break space)."""
    chars: list[tuple[str, bool]] = []          # (character, is a collapsed space)
    run: list[str] = []

    def flush():
        if run:
            text = _WS.sub(" ", "".join(run))
            chars.extend((ch, ch == " ") for ch in text)
            run.clear()
    for text, collapsible in pieces:
        if collapsible:
            run.append(text)
        else:
            flush()
            chars.extend((ch, False) for ch in text)
    flush()
    out = []
    n = len(chars)
    for i, (ch, soft) in enumerate(chars):
        if soft:
            before = chars[i - 1] if i > 0 else None
            after = chars[i + 1] if i + 1 < n else None
            if (before is None or after is None or before == ("\n", False) or after == ("\n", False)
                    or (before[1] and before[0] == " ")):
                continue
        out.append(ch)
    text = "".join(out)
    return text.replace("\u00a0", " ") if nbsp_is_space else text


def parse_html_table(text: str) -> list[list[str]] | None:
    """The first table of an HTML clipboard fragment, or None when it holds no table."""
    if not text or len(text) > MAX_HTML_CHARS or "<t" not in text.lower():
        return None
    reader = _TableReader()
    try:
        reader.feed(text)
        reader.close()
        reader.finish()
    except Exception:       # noqa: BLE001 - a malformed fragment falls back to the text flavour
        return None
    if reader.too_big:
        return None
    rows = reader.rows
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows:
        return None
    width = max(len(r) for r in rows)
    return [r + [""] * (width - len(r)) for r in rows]


def grid_from_mime(data) -> list[list[str]]:
    """What to paste: the HTML table when there is one, else the tab-separated text."""
    if data is None:
        return []
    if data.hasHtml():
        grid = parse_html_table(data.html())
        if grid:
            return grid
    if data.hasText():
        return parse_tsv(data.text())
    return []


# ---------------------------------------------------------------- the sheet side

def block_of(model, indexes) -> list[list[str]]:
    """The rectangle around the selected positions as rows of cell values (what a clerk typed
    for input cells, the shown text for the others; a merged cell once, at its top-left)."""
    idxs = [i for i in indexes if i.isValid()]
    if not idxs:
        return []
    r0, r1 = min(i.row() for i in idxs), max(i.row() for i in idxs)
    c0, c1 = min(i.column() for i in idxs), max(i.column() for i in idxs)
    rows = []
    for r in range(r0, r1 + 1):
        vals, k = [], c0
        while k <= c1:
            c = model.cell_at(r, k)
            if c is None:
                vals.append("")
                k += 1
                continue
            vals.append(((c.value or "") if c.editable else c.text) if c.row == r else "")
            k = c.col + c.colspan
        rows.append(vals)
    return rows


def targets_for(model, anchor, grid: list[list[str]]) -> list:
    """(cell, text) for each value of a pasted grid, from the anchor cell rightwards and down;
    values landing on cells a clerk does not fill are skipped."""
    pairs = []
    for i, vals in enumerate(grid):
        r = anchor.row + i
        if r >= model.rowCount():
            break
        k = anchor.col
        for v in vals:
            if k >= model.columnCount():
                break
            c = model.cell_at(r, k)
            if c is None:
                k += 1
                continue
            if c.editable and c.row == r:
                pairs.append((c, v))
            k = c.col + c.colspan
    return pairs
