"""core.editing.session, the plain-Python side of the editor: live refresh == full rebuild, TSV, undo."""
from __future__ import annotations


import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.form import load
from core.editing import EditSession, describe_path, layout_of, parse_tsv, to_tsv
from core.layout import build_sheet
from tests.helpers import examples, sample_paths

VALUES = ["", "0", "1784", "1930.54", "abc", "≥10次", "9次", "100%", "同比上升", "=1+1", "-5", "10", "5.5",
          "95%以上", "≤30天", "36天", "/", "1,210.99", "１２", "完成"]


def _shown(sheet):
    return [(c.row, c.col, c.text, c.level, c.messages, c.options) for c in sheet.cells]


@pytest.mark.parametrize("path", sample_paths(), ids=lambda p: p.stem)
def test_live_refresh_matches_a_full_rebuild(path, rng):
    """What preview() leaves on the sheet equals a fresh build_sheet() of the same values (except
    the cell being typed into, whose editor covers it); end_preview() restores everything."""
    form = load(path)
    s = EditSession(form)
    original = _shown(build_sheet(form))
    for _ in range(60):
        cell = rng.choice([c for c in s.sheet.cells if c.editable])
        s.preview(cell, rng.choice(VALUES))
        fresh = build_sheet(form)
        if layout_of(fresh) == layout_of(s.sheet):
            diff = [(a, b) for a, b in zip(_shown(s.sheet), _shown(fresh))
                    if a != b and (a[0], a[1]) != (cell.row, cell.col)]
            assert not diff, (cell.key, diff[:3])
        s.end_preview()
        assert _shown(s.sheet) == original


@pytest.mark.parametrize("path", sample_paths(), ids=lambda p: p.stem)
def test_quick_preview_scores_equal_a_full_scoring(path, rng):
    """preview(checks=False) re-scores only what an edit can change; its scores are those of a
    full scoring, and refresh_checks() then gives the sheet a full rebuild would."""
    from core.rules import evaluate
    form = load(path)
    s = EditSession(form)
    cells = [c for c in s.sheet.cells if c.editable or s.printed_path(c)]
    quick = 0
    for _ in range(80):
        cell = rng.choice(cells)
        s.preview(cell, rng.choice(VALUES), checks=False)
        if cell.key and ".indicators." in cell.key and not cell.keys:
            quick += s.last_quick
        full = evaluate(form)
        got = s.scores.to_json()
        want = full.to_json()
        got.pop("findings"), want.pop("findings")
        assert got == want, cell.key
        assert s.checks_pending
        s.refresh_checks()
        assert not s.checks_pending
        assert s.scores.to_json() == full.to_json()
        fresh = build_sheet(form)
        if layout_of(fresh) == layout_of(s.sheet):
            diff = [(a, b) for a, b in zip(_shown(s.sheet), _shown(fresh))
                    if a != b and (a[0], a[1]) != (cell.row, cell.col)]
            assert not diff, (cell.key, diff[:3])
        if rng.random() < 0.5:
            s.end_preview()
    assert quick > 10                      # the one-row path was taken (not a full scoring each time)


def test_commit_undo_redo_without_store():
    form = load(sample_paths()[-1])
    s = EditSession(form)
    cell = s.sheet.cell_for("funds.total.executed")
    step = s.edit_text(cell, "1784")
    assert step.changes == [("funds.total.executed", "1930.54", "1784")]
    s.undo(step)
    assert form.get("funds.total.executed") == "1930.54"
    s.redo(step)
    assert form.get("funds.total.executed") == "1784"
    assert s.edit_text(s.sheet.cell_for("funds.total.executed"), "1784") is None   # no change, no step


def test_structural_steps_undo_exactly():
    form = load(sample_paths()[-1])
    s = EditSession(form)
    before = form.to_json()
    steps = [s.insert_indicator(0, 3), s.move_indicator(0, 0, 1), s.remove_indicator(0, 5)]
    cell = s.sheet.cell_for("goals.0.indicators.2.actual")
    s.rebuild()
    steps.append(s.edit_text(s.sheet.cell_for("goals.0.indicators.2.actual"), "99%"))
    for st_ in reversed(steps):
        s.undo(st_)
    assert form.to_json() == before
    for st_ in steps:
        s.redo(st_)
    for st_ in reversed(steps):
        s.undo(st_)
    assert form.to_json() == before
    del cell


def test_parse_tsv_excel_quoting():
    assert parse_tsv("a\tb\r\nc\td\r\n") == [["a", "b"], ["c", "d"]]
    assert parse_tsv('"x\ny"\t"a""b"\n') == [["x\ny", 'a"b']]
    assert parse_tsv("one") == [["one"]]
    assert parse_tsv("a\t\tb\n") == [["a", "", "b"]]
    assert parse_tsv('5"\t6\n') == [['5"', "6"]]                 # a quote inside is literal
    assert parse_tsv('"unclosed\tx\n') == [['"unclosed', "x"]]


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(st.lists(st.text(alphabet=st.sampled_from(list('ab"\t\n\r 同=')), max_size=6),
                         min_size=1, max_size=4), min_size=1, max_size=4))
def test_tsv_round_trip(rows):
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    text = to_tsv(rows)
    back = parse_tsv(text)
    # Excel's reading: a lone \r inside a quoted cell stays; rows keep their width.
    assert back == rows


def test_describe_path_in_chinese():
    assert describe_path("goals.0.indicators.3.actual") == "目标1 指标第4行 实际完成值"
    assert describe_path("header.填报日期") == "填报日期"
    assert describe_path("funds.total.executed") == "资金 合计行 全年执行数"
    assert describe_path("total") == "总分"
