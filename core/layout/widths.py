"""Column widths balanced per form, from what its cells hold.

A template gives each column a width (in Excel's character units); their sum is
the width of the paper form.  :func:`solve_widths` keeps that sum and moves width
to where this form needs it, in order of importance:

1. the template's fixed labels (满意度指标, 偏差原因分析及改进措施, 项目资金（万元）…) and
   the 一级/二级 indicator names are never broken so that a line holds one
   character or a bracket is cut (see :func:`core.layout.linebreak.broken_badly`);
2. short values of the indicator rows (≤310.2万元, 100%, weights and scores) fit
   on one line;
3. 三级指标 names of up to ten characters fit on one line;
4. what is left goes to the columns whose long texts make rows tall, in
   proportion to the square root of their volume (which minimises the sum of
   text heights).

The same widths serve the screen, the workbook and the PDF (the workbook's
columns are scaled by :func:`excel_scale` so that they hold what the PDF's hold);
each break is checked with both the PDF's and the workbook's measure.
"""
from __future__ import annotations

import math
from functools import lru_cache

from core.layout.linebreak import break_text, broken_badly

# Paper and print metrics shared with core.export (PDF and workbook).
A4 = (595.2756, 841.8898)
MM = 72 / 25.4
PDF_MARGIN_X = 12 * MM
PDF_SIZE = 10.5
PDF_PAD_X = 2.0
XL_PX_PER_UNIT = 7.0          # Excel: one width unit is about 7 pixels at 96 dpi
XL_PAD_PX = 4.0
XL_EM_PX = 14.0               # a 宋体 10.5pt character
STEP = 0.25                   # widths are multiples of this
ONE_LINE_EM = 8.0             # indicator values up to this long stay on one line
NAME_CHARS = 10               # 三级指标 names up to this many characters stay on one line
WORD_CHARS = 14               # 一级/二级 names up to this long are treated like labels


def frame_width(orientation: str) -> float:
    """Width in points of the PDF's table on A4 in this orientation."""
    pw = A4[1] if orientation == "landscape" else A4[0]
    return pw - 2 * PDF_MARGIN_X


# Latin widths of the PDF's font in em (measured); never less than Excel's half width.
_ASCII = {c: 0.56 for c in "0123456789abcdeghknopqsuvxyz"}
_ASCII.update({c: 0.34 for c in ".,:;'!|-/()[]{} ilfjtr`\""})
_ASCII.update({c: 0.72 for c in "ABCDEFGHIJKLNOPQRSTUVXYZ"})
_ASCII.update({c: 1.0 for c in "mwMW%@"})


@lru_cache(maxsize=4096)
def em(ch: str) -> float:
    """Width of a character in em, on the generous side of the PDF font and 宋体."""
    if ch.isascii():
        return max(0.5, _ASCII.get(ch, 0.6))
    return 1.0


def text_em(text: str) -> float:
    """Width of a text in em: every character not ASCII counts 1."""
    latin = text.encode("ascii", "ignore")
    if not latin:
        return float(len(text))
    return len(text) - len(latin) + sum(em(chr(b)) for b in latin)


XL_ROOM = 1.08                # the workbook's columns a little roomier than the PDF's (see excel_scale)


def excel_scale(orientation: str, total_units: float) -> float:
    """Factor from sheet width units to the workbook's column widths, so that the
    workbook's columns hold what the PDF's hold (7 pixels a unit = 5.25 pt at 96 dpi,
    against the PDF's frame width shared among the units), and a little more: Excel
    lays 宋体 out with taller lines than the PDF, and fitted to the paper's width
    the slightly wider sheet prints a little smaller, so that each of the PDF's
    pages fits on a page of the workbook."""
    return frame_width(orientation) / total_units / (XL_PX_PER_UNIT * 0.75) * XL_ROOM


class _Measure:
    def __init__(self, orientation: str, total_units: float):
        self.pt_per_unit = frame_width(orientation) / total_units
        self.xl_scale = excel_scale(orientation, total_units)

    def rooms(self, w: float) -> tuple[float, float]:
        """Room for text, in em, in a column (or span) ``w`` units wide: in the PDF
        and in the workbook."""
        pdf = (w * self.pt_per_unit - 2 * PDF_PAD_X - 0.5) / PDF_SIZE
        xl = (w * self.xl_scale * XL_PX_PER_UNIT - XL_PAD_PX) / XL_EM_PX
        return pdf, xl

    def avail(self, w: float) -> float:
        return min(self.rooms(w))

    def width_for(self, room: float) -> float:
        """The least width whose room (in both renderers) is ``room`` em."""
        pdf = (room * PDF_SIZE + 2 * PDF_PAD_X + 0.5) / self.pt_per_unit
        xl = (room * XL_EM_PX + XL_PAD_PX) / (self.xl_scale * XL_PX_PER_UNIT)
        return max(pdf, xl)


MAX_LINES_SHORT, MAX_LINES_LONG = 2, 3   # a fixed label of up to 9 characters takes at most 2 lines


@lru_cache(maxsize=65536)
def _bad(text: str, avail_q: int) -> bool:
    lines = break_text(text, avail_q / 100, em)
    return broken_badly(lines) or len(lines) > (MAX_LINES_SHORT if len(text) <= 9 else MAX_LINES_LONG)


def _round(w: float) -> float:
    return round(w / STEP) * STEP


class _ScreenMeasure:
    """The screen's room: columns ``total_px`` wide together, a font ``em_px`` wide."""

    def __init__(self, total_units: float, total_px: float, em_px: float, pad_px: float):
        self.px_per_unit = total_px / total_units
        self.em, self.pad = em_px, pad_px

    def rooms(self, w: float) -> tuple[float]:
        return ((w * self.px_per_unit - self.pad) / self.em,)

    def avail(self, w: float) -> float:
        return self.rooms(w)[0]

    def width_for(self, room: float) -> float:
        return (room * self.em + self.pad) / self.px_per_unit


def screen_widths(sheet, total_px: float, em_px: float, pad_px: float = 8.0) -> list[int]:
    """Column widths in pixels for showing the sheet ``total_px`` wide in a font whose
    CJK characters are ``em_px`` wide: the same solver with the screen's room, so the
    fixed labels break as well there as on paper (the screen's room per unit differs
    from the paper's, and a label fine six to a line may leave one character alone
    at eight)."""
    units = solve_widths(sheet, lambda total: _ScreenMeasure(total, total_px, em_px, pad_px))
    scale = total_px / sum(units)
    return [int(round(w * scale)) for w in units]


def solve_widths(sheet, measure=None) -> list[float]:
    """Widths (template units) for this sheet's columns, summing to the template's.
    ``measure``: a function of the total units giving the room of a width (default:
    the PDF's and the workbook's)."""
    tw = [float(w) for w in sheet.col_widths]
    ncols = len(tw)
    total = sum(tw)
    if ncols == 0 or total <= 0:
        return tw
    m = measure(total) if measure else _Measure(sheet.orientation, total)
    kinds = sheet.row_kinds

    words: dict[tuple[int, int], set] = {}     # (first col, last col) -> short fixed texts
    one_line = [0.0] * ncols                   # em a single-column value needs on one line
    names = [0.0] * ncols
    long_cells: dict[int, list] = {}           # row -> [(c0, c1, [em of each paragraph])]
    for cell in sheet.cells:
        text = cell.text
        if not text or kinds[cell.row] in ("title", "subtitle", "note"):
            continue
        c0, c1 = cell.col, cell.col + cell.colspan - 1
        key = cell.key or ""
        if cell.role in ("label", "header") and cell.border and "\n" not in text:
            words.setdefault((c0, c1), set()).add(text)
            continue
        if key.endswith((".level1", ".level2")) and len(text) <= WORD_CHARS and "\n" not in text:
            words.setdefault((c0, c1), set()).add(text)
            continue
        if cell.kind == "ind" and c0 == c1 and "\n" not in text:
            if key.endswith(".name"):
                if len(text) <= NAME_CHARS:
                    names[c0] = max(names[c0], text_em(text))
            elif not cell.multiline and len(text) <= 2 * ONE_LINE_EM:
                e = text_em(text)
                if e <= ONE_LINE_EM:
                    one_line[c0] = max(one_line[c0], e)
        if cell.rowspan == 1 and (cell.multiline or len(text) > 8):
            paras = [text_em(p) for p in text.split("\n")]
            long_cells.setdefault(cell.row, []).append((c0, c1, paras))

    single = {c0: texts for (c0, c1), texts in words.items() if c0 == c1}
    spans = {k: v for k, v in words.items() if k[0] != k[1]}

    def words_ok(texts, width: float) -> bool:
        # Greedy breaking is not monotonic in the width (偏差原因分析及改进措施 is fine
        # six to a line, not ten): each renderer's room is checked on its own.
        return all(not _bad(t, int(room * 100)) for room in m.rooms(width) for t in texts)


    def col_ok(c: int, w: float) -> bool:
        return c not in single or words_ok(single[c], w)

    least = {c: max(text_em(t) for t in texts) / MAX_LINES_LONG for c, texts in single.items()}

    def first_ok(c: int, lo: float, need_em: float = 0.0) -> float | None:
        floor = m.width_for(max(need_em, least.get(c, 0.0))) - STEP
        w = _round(max(lo, 2.0, floor))
        while w <= total / 2:
            if m.avail(w) >= need_em and col_ok(c, w):
                return w
            w += STEP
        return None

    # 1-3: the least width each column needs at each level of importance
    def fix_spans(widths: list) -> None:
        """Grow columns under a spanned label until it breaks well."""
        for key, texts in spans.items():
            c0, c1 = key
            for _ in range(int(total / STEP)):
                if words_ok(texts, sum(widths[c0:c1 + 1])) or sum(widths) > total:
                    break
                grow = [c for c in range(c0, c1 + 1) if col_ok(c, widths[c] + STEP)]
                c = max(grow or range(c0, c1 + 1), key=lambda c: tw[c])
                widths[c] += STEP

    m_a = []
    for c in range(ncols):
        w = first_ok(c, 2.0)
        m_a.append(w if w is not None else tw[c])
    fix_spans(m_a)
    if sum(m_a) > total + 1e-9:
        return tw                                   # nothing balanced fits: keep the template
    m_b = [first_ok(c, m_a[c], one_line[c]) or m_a[c] for c in range(ncols)]
    m_c = [first_ok(c, m_b[c], names[c]) or m_b[c] for c in range(ncols)]

    def blend(lower: list, upper: list) -> list | None:
        gap = sum(u - lo for u, lo in zip(upper, lower))
        rho = min(1.0, (total - sum(lower)) / gap) if gap else 1.0
        for _ in range(12):
            base = []
            for c in range(ncols):
                w = _round(lower[c] + (upper[c] - lower[c]) * rho - STEP / 2)
                while w > lower[c] and not col_ok(c, w):
                    w -= STEP
                base.append(max(lower[c], w) if col_ok(c, w) else lower[c])
            fix_spans(base)
            if sum(base) <= total + 1e-9 and not _span_failures(base, spans, words_ok):
                return base
            rho *= 0.7
        return lower if not _span_failures(lower, spans, words_ok) else None

    # Each level of importance kept, then with the least important one given up:
    # the first whose rows are not much taller than the best is taken.
    rows = _sample(long_cells)
    candidates = []
    for lower, upper in ((m_b, m_c), (m_a, m_b), (m_a, m_a)):
        if sum(lower) > total + 1e-9:
            continue
        base = blend(lower, upper)
        if base is None:
            continue
        widths = _distribute(base, total, tw, rows, m, col_ok, spans, words_ok)
        candidates.append((widths, _height(widths, rows, m)))
    if not candidates:
        return tw
    best = min(h for _, h in candidates)
    for widths, h in candidates:
        if h <= best + max(RELAX_PT, RELAX_SHARE * best):
            return widths
    return candidates[0][0]


RELAX_PT = 300.0     # give up a lesser wish only when it saves this much printed height
RELAX_SHARE = 0.08   # … and this share of it
SAMPLE_ROWS = 400


def _sample(long_cells: dict) -> list:
    """Rows with long texts, at most SAMPLE_ROWS of them (evenly), as lists of cells."""
    keys = sorted(long_cells)
    if len(keys) > SAMPLE_ROWS:
        step = len(keys) / SAMPLE_ROWS
        keys = [keys[int(i * step)] for i in range(SAMPLE_ROWS)]
    return [long_cells[k] for k in keys]


def _height(widths: list, rows: list, m) -> float:
    """Printed height (pt, PDF leading) of the rows with long texts at these widths."""
    total = 0.0
    for cells in rows:
        most = 1
        for c0, c1, paras in cells:
            room = max(m.rooms(sum(widths[c0:c1 + 1]))[0], 1.0)
            most = max(most, sum(max(1, math.ceil(p / room)) for p in paras))
        total += most * 13.6
    return total


def _span_failures(widths: list, spans: dict, words_ok) -> list:
    return [k for k, texts in spans.items() if not words_ok(texts, sum(widths[k[0]:k[1] + 1]))]


def _distribute(base: list, total: float, tw: list, rows: list, m, col_ok, spans, words_ok) -> list:
    """4: the width left over goes where long texts make rows tall."""
    ncols = len(base)
    volume = [0.0] * ncols
    for cells in rows:
        best, best_lines = None, 1
        for c0, c1, paras in cells:
            a = max(m.avail(sum(base[c0:c1 + 1])), 1.0)
            lines = sum(max(1, math.ceil(p / a)) for p in paras)
            if lines > best_lines:
                best, best_lines = (c0, c1, paras), lines
        if best:
            c0, c1, paras = best
            span_w = sum(base[c0:c1 + 1])
            for c in range(c0, c1 + 1):
                volume[c] += sum(paras) * base[c] / span_w
    weight = [math.sqrt(v) for v in volume] if any(volume) else tw
    target = _water_fill(base, weight, total)

    # Snap to widths where the labels still break well; what a column gives back
    # goes to columns without such labels.
    widths = base[:]
    for c in sorted(range(ncols), key=lambda c: base[c] - target[c]):
        w = _round(target[c] - STEP / 2)
        while w > base[c]:
            if col_ok(c, w) and _spans_ok(widths, c, w, spans, words_ok):
                widths[c] = w
                break
            w -= STEP
    _jump_gaps(widths, base, target, total, col_ok, spans, words_ok)
    _give_back(widths, total, weight, col_ok, spans, words_ok)
    return widths


def _jump_gaps(widths: list, base: list, target: list, total: float, col_ok, spans: dict, words_ok) -> None:
    """A spanned label breaks badly over a range of widths (偏差原因分析及改进措施 five to
    a line leaves 施 alone), so its columns may have been held well below their
    target: lift them over the gap with width taken from columns above theirs."""
    for (a, b), texts in spans.items():
        cur = sum(widths[a:b + 1])
        want = sum(target[a:b + 1])
        if want - cur < 1.0:
            continue
        up = _round(want)
        limit = up + 8.0
        while up <= limit and not words_ok(texts, up):
            up += STEP
        if up > limit:
            continue
        need = up - cur
        inside = [c for c in range(a, b + 1)]
        trial = widths[:]
        # give it to the span's column whose own labels allow it
        c_in = next((c for c in sorted(inside, key=lambda c: -target[c]) if col_ok(c, trial[c] + need)), None)
        if c_in is None:
            continue
        trial[c_in] += need
        need -= max(0.0, min(need, total - sum(widths)))      # the width not handed out yet
        donors = sorted((c for c in range(len(widths)) if not a <= c <= b), key=lambda c: target[c] - widths[c])
        for _ in range(int(need / STEP) + 1):
            if need < STEP / 2:
                break
            for c in donors:
                w = trial[c] - STEP
                if w >= base[c] and col_ok(c, w) and _spans_ok(trial, c, w, spans, words_ok):
                    trial[c] = w
                    need -= STEP
                    break
            else:
                break
        if need < STEP / 2 and all(words_ok(t, sum(trial[x:y + 1])) for (x, y), t in spans.items()):
            widths[:] = trial


def _spans_ok(widths: list, c: int, w: float, spans: dict, words_ok) -> bool:
    trial = widths[:]
    trial[c] = w
    return all(words_ok(t, sum(trial[a:b + 1])) for (a, b), t in spans.items() if a <= c <= b)


def _water_fill(base: list, weight: list, total: float) -> list:
    """max(base, λ·weight) summing to ``total``."""
    if not any(weight):
        weight = [1.0] * len(base)
    lo, hi = 0.0, total / min(w for w in weight if w > 0) + 1
    for _ in range(60):
        lam = (lo + hi) / 2
        s = sum(max(b, lam * w) for b, w in zip(base, weight))
        if s > total:
            hi = lam
        else:
            lo = lam
    out = [max(b, lo * w) for b, w in zip(base, weight)]
    rest = total - sum(out)
    grow = [i for i, w in enumerate(weight) if w > 0] or list(range(len(base)))
    share = sum(weight[i] for i in grow) or len(grow)
    for i in grow:
        out[i] += rest * (weight[i] / share if share else 1 / len(grow))
    return out


def _give_back(widths: list, total: float, weight: list, col_ok, spans: dict, words_ok) -> None:
    """Hand the width left over (or take the excess) in steps to the columns that
    can take it without breaking a label, the heaviest first; the last fraction of
    a step goes to the heaviest column that stays well broken."""
    order = sorted(range(len(widths)), key=lambda c: -weight[c])

    def spans_ok(c: int, w: float) -> bool:
        return _spans_ok(widths, c, w, spans, words_ok)

    for _ in range(int(total / STEP) + 4):
        rest = total - sum(widths)
        if abs(rest) < STEP - 1e-9:
            break
        step = STEP if rest > 0 else -STEP
        for c in order:
            w = widths[c] + step
            if w >= 2.0 and col_ok(c, w) and spans_ok(c, w):
                widths[c] = w
                break
        else:
            break
    rest = total - sum(widths)
    if abs(rest) > 1e-9:
        for c in order + [max(range(len(widths)), key=lambda c: widths[c])]:
            w = widths[c] + rest
            if w >= 2.0 and col_ok(c, w) and spans_ok(c, w):
                break
        widths[c] = round(widths[c] + rest, 6)
