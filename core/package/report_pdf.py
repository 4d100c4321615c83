"""The 自评报告 as a PDF (reportlab platypus, bundled fonts): the same text as the Word file,
in the same page geometry (A4, 156 × 225 mm text block, 16 pt body, 22 lines of 28 characters, “— 1 —”)."""
from __future__ import annotations

from functools import lru_cache

from core.export import fonts
from core.layout import NO_END as LINE_NO_END
from core.layout import hang_end
from core.layout import NO_START as LINE_NO_START
from core.package.report import Report
from core.package.report_docx import (BLANK_RE, BODY_PT, CHARS_PER_LINE, LINE_PT, MARGINS_MM, TABLE_PT, TITLE_PT,
                                      title_lines)


def _style(font: str, size: float, leading: float, align: int = 0, indent: float = 0):
    from reportlab.lib.styles import ParagraphStyle
    return ParagraphStyle("r", fontName=font, fontSize=size, leading=leading, alignment=align,
                          firstLineIndent=indent, wordWrap="CJK")


# The same rules as every other text this program prints (GB/T 15834 避头尾).
NO_START, NO_END = LINE_NO_START, LINE_NO_END
HIGHLIGHT = "#fff59d"
MAX_HANG = 2               # closing marks that may hang past the right margin at most


def _wordy(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch in ".,%")


@lru_cache(maxsize=None)
def char_width(ch: str, font: str, size: float) -> float:
    """Width of ``ch`` as drawn: by ``font`` or, when it lacks it, by the bundled face that has it."""
    return fonts.string_width(ch, font, size)


def break_text(text: str, font: str, size: float, width: float, first_indent: float = 0) -> list[tuple[int, str]]:
    """Lines of a paragraph as (offset, text): greedy, closing punctuation never starts a line
    (it hangs in the margin), opening punctuation never ends one."""
    lines, start, n = [], 0, len(text)
    while start < n:
        avail = width - (first_indent if not lines else 0)
        w, i = 0.0, start
        while i < n:
            cw = char_width(text[i], font, size)
            if w + cw > avail and i > start:
                break
            w += cw
            i += 1
        j = hang_end(text, i)                       # the closing marks (and spaces) that would start the next line
        if len(text[i:j].replace(" ", "")) <= 1:
            i = j                                   # one closing mark may hang in the margin
        else:                                       # more: the last character goes down with them
            k = i
            while k > start + 1 and (text[k] in NO_START or text[k] == " "):
                k -= 1
            if text[k] not in NO_START and text[k] != " ":
                i = k
            elif len(text[i:j].replace(" ", "")) <= MAX_HANG:
                i = j          # nothing but closing marks since the line's first character: a few hang
            # else a run of closing marks longer than a line: it is cut where the line is full
        if i < n and i - 1 > start and text[i - 1] in NO_END:
            i -= 1
        if i < n and _wordy(text[i - 1]) and _wordy(text[i]):    # keep 85.11% and 20 whole
            k = i
            while k > start and _wordy(text[k - 1]):
                k -= 1
            if k > start and text[k] not in NO_START:
                i = k
        lines.append((start, text[start:i].rstrip(" ")))
        start = i
        while lines and start < n and text[start] == " ":      # a line never starts with a space
            start += 1
    return lines or [(0, "")]


def _para(text: str, style):
    """A Paragraph in ``style``'s face, the characters it lacks set in the bundled face that has them."""
    fonts.import_platypus()
    from reportlab.platypus import Paragraph
    return Paragraph("<br/>".join(fonts.markup(line, style.fontName) for line in text.split("\n")), style)


def _lines_flowable():
    fonts.import_platypus()
    from reportlab.platypus import Flowable

    class Lines(Flowable):
        """Already-broken lines of one paragraph; marked blanks drawn on a yellow ground."""

        def __init__(self, text, font, size, leading, indent, lines=None, first=True):
            super().__init__()
            self.text, self.font, self.size, self.leading, self.indent = text, font, size, leading, indent
            self.lines, self.first = lines, first

        def wrap(self, avail_width, avail_height):
            if self.lines is None:
                self.lines = break_text(self.text, self.font, self.size, avail_width, self.indent)
            self.width = avail_width
            self.height = self.leading * len(self.lines)
            return avail_width, self.height

        def split(self, avail_width, avail_height):
            self.wrap(avail_width, avail_height)
            k = int(avail_height // self.leading)
            if k <= 0 or k >= len(self.lines):
                return [] if k <= 0 else [self]
            return [Lines(self.text, self.font, self.size, self.leading, self.indent, self.lines[:k], self.first),
                    Lines(self.text, self.font, self.size, self.leading, self.indent, self.lines[k:], False)]

        def draw(self):
            from reportlab.lib import colors
            from reportlab.pdfbase.pdfmetrics import stringWidth
            c = self.canv
            width = fonts.string_width
            spans = [(m.start(), m.end()) for m in BLANK_RE.finditer(self.text)]
            for row, (off, line) in enumerate(self.lines):
                x = self.indent if (row == 0 and self.first and off == 0) else 0
                y = self.height - (row + 1) * self.leading + (self.leading - self.size) / 2 + self.size * 0.12
                for a, b in spans:
                    lo, hi = max(a, off), min(b, off + len(line))
                    if lo < hi:
                        x0 = x + width(line[:lo - off], self.font, self.size)
                        w = width(line[lo - off:hi - off], self.font, self.size)
                        c.setFillColor(colors.HexColor(HIGHLIGHT))
                        c.rect(x0, y - self.size * 0.2, w, self.size * 1.15, stroke=0, fill=1)
                c.setFillColor(colors.black)
                for face, piece in fonts.runs(line, self.font):     # rare characters: another face
                    c.setFont(face, self.size)
                    c.drawString(x, y, piece)
                    x += stringWidth(piece, face, self.size)

    return Lines


def _cell(text: str, width: float, font: str, style):
    """A table cell: the plain string when it fits on one line (fast), else a wrapping Paragraph."""
    if "\n" not in text and fonts.runs(text, font) == [(font, text)] \
            and fonts.string_width(text, font, TABLE_PT) <= width:
        return text
    return _para(text, style)


def build_story(report: Report, body: str, title: str, width: float) -> list:
    from reportlab.lib import colors
    fonts.import_platypus()
    from reportlab.platypus import Spacer, Table, TableStyle

    Lines = _lines_flowable()
    head1 = _style(title, BODY_PT, LINE_PT, 0, BODY_PT * 2)
    head2 = _style(body, BODY_PT, LINE_PT, 0, BODY_PT * 2)
    head1.keepWithNext = head2.keepWithNext = 1          # never a heading alone at the foot of a page
    cell = _style(body, TABLE_PT, TABLE_PT * 1.35, 1)
    cell_left = _style(body, TABLE_PT, TABLE_PT * 1.35, 0)
    story = [_para("\n".join(title_lines(report)), _style(title, TITLE_PT, TITLE_PT * 1.5, 1)), Spacer(1, LINE_PT)]
    for sec in report.sections:
        story.append(_para(sec.title, head1))
        for block in sec.items():
            if block.kind == "h2":
                story.append(_para(block.text, head2))
            elif block.kind == "table":
                total = sum(block.widths) or len(block.rows[0])
                widths = [width * w / total for w in (block.widths or (1,) * len(block.rows[0]))]
                data = [[_cell(str(v), widths[ci] - 4, body, cell if (ri == 0 or len(str(v)) <= 12) else cell_left)
                         for ci, v in enumerate(row)] for ri, row in enumerate(block.rows)]
                t = Table(data, colWidths=widths, repeatRows=1)
                t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                                       ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                                       ("FONTNAME", (0, 0), (-1, -1), body), ("FONTSIZE", (0, 0), (-1, -1), TABLE_PT),
                                       ("LEADING", (0, 0), (-1, -1), TABLE_PT * 1.35),
                                       ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2)]))
                story += [Spacer(1, 4), t, Spacer(1, 6)]
            else:
                for line in block.text.split("\n"):
                    if line.strip():
                        story.append(Lines(line.strip(), body, BODY_PT, LINE_PT, BODY_PT * 2))
    return story


def write_report_pdf(report: Report, path) -> None:
    """Write the PDF to ``path`` (not atomic; the caller uses core.files.atomic)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    fonts.import_platypus()
    from reportlab.platypus import SimpleDocTemplate

    body, title = fonts.register()
    top, bottom, left, right = MARGINS_MM

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(body, 14)
        canvas.drawCentredString(A4[0] / 2, (bottom - 14) * mm, f"— {doc.page} —")
        canvas.restoreState()

    width = CHARS_PER_LINE * BODY_PT                  # 28 characters of 三号, as in the Word file
    # platypus frames pad their text by 6 pt on each side; 0.01 pt of slack so that a line of exactly
    # 28 characters does not wrap on a rounding error
    pad = 6
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=left * mm - pad,
                            rightMargin=A4[0] - left * mm - width - pad - 0.01,
                            topMargin=top * mm, bottomMargin=bottom * mm, title=report.title,
                            author=report.unit or "ziping", subject="绩效自评报告",
                            lang="zh-CN", initialFontName=body, initialFontSize=BODY_PT)     # no Helvetica
    doc.build(build_story(report, body, title, width), onFirstPage=footer, onLaterPages=footer)


__all__ = ["write_report_pdf"]
