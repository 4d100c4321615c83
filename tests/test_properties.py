"""Property tests over generated forms: the scorer's invariants and the form file's identity."""
import json
import re
from decimal import Decimal

from hypothesis import given, settings

from core.form import loads
from core.rules import evaluate
from core.rules import NOT_APPLICABLE, r2
from core.layout import build_sheet
from tests.strategies import form
from tests.helpers import examples  # noqa: E402

PROPS = settings(max_examples=examples(500), deadline=None)


@PROPS
@given(form())
def test_computed_scores_stay_within_their_weight(f):
    s = evaluate(f)
    for ind in s.indicators:
        if ind.computed is not None and ind.weight is not None:
            assert Decimal(0) <= ind.computed <= ind.weight, ind
    if s.exec_score is not None:
        assert Decimal(0) <= s.exec_score <= s.profile.exec_weight


@PROPS
@given(form())
def test_total_is_the_sum_of_the_printed_scores(f):
    s = evaluate(f)
    if not s.profile.scored or s.profile.cap_by_rate:
        assert s.to_json()["total"] is None or s.profile.scored
        return
    sheet = build_sheet(f, s)
    if sheet.cell_for("total") is None:      # a layout without a score column prints no total
        return
    if s.total is None:                      # nothing scored yet: — , never "0.00 差"
        assert s.empty and sheet.cell_for("total").text == "—" and s.grade is None
        return
    assert sheet.cell_for("total").text == f"{s.total:.2f}"
    printed = []
    for c in sheet.cells:
        if c.role != "score" or not c.text:
            continue
        ind = s.indicator(*map(int, c.key.split(".")[1:4:2]))
        if ind.kind == NOT_APPLICABLE:
            continue
        if not ind.counted:                  # no valid weight: shown, flagged, not counted
            assert c.text == "" or s.findings_at(f"{ind.path}.score") or s.findings_at(f"{ind.path}.weight"), c
            continue
        if re.fullmatch(r"-?\d+\.\d\d", c.text):
            printed.append(Decimal(c.text))
        else:                       # what the clerk typed could not be read: shown red, not counted
            assert c.level == "error", c
    expected = sum(printed, Decimal(0)) + (s.exec_score or Decimal(0))
    assert s.total == r2(expected)


@PROPS
@given(form())
def test_save_then_load_is_identity(f):
    text = f.to_json()
    again = loads(text)
    assert again.data == json.loads(text)
    assert again.to_json() == text


@PROPS
@given(form())
def test_every_finding_is_chinese_and_placed(f):
    s = evaluate(f)
    sheet = build_sheet(f, s)
    for finding in s.findings:
        assert finding.level in ("error", "warning")
        assert any("\u4e00" <= ch <= "\u9fff" for ch in finding.message)
    placed = sum(len(c.messages) for c in sheet.cells) + len(sheet.unplaced)
    assert placed == len(s.findings)
