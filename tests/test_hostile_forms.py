"""Hostile and broken form files are refused quickly, with a message and bounded memory;
odd numbers become findings on their cells, never an exception or a silent 0."""
import json
import time
import tracemalloc

import pytest

from core.form import FormError
from core.form import load, loads
from core.rules import evaluate
from core.layout import build_sheet
from tests.helpers import SAMPLES, central_form

SEED004 = SAMPLES / "seed004-wangcheng-2020-dept.json"


def _refused_quickly(text_or_bytes, words=""):
    tracemalloc.start()
    t0 = time.perf_counter()
    with pytest.raises(FormError) as e:
        loads(text_or_bytes)
    elapsed = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 5, elapsed
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(e.value))
    assert words in str(e.value)
    return peak


@pytest.mark.parametrize("cut", [1, 10, 100, 1000, 3000])
def test_truncated_files(cut):
    raw = SEED004.read_bytes()
    _refused_quickly(raw[:cut], "JSON")


def test_wrong_types():
    data = json.loads(SEED004.read_text(encoding="utf-8"))
    for path, value in [(("goals",), "x"), (("funds", "total"), [1]), (("goals", 0, "indicators", 0, "target"), {"a": 1}),
                        (("header", "单位名称"), True), (("year",), 12.5), (("goals", 0, "indicators", 0), None)]:
        d = json.loads(json.dumps(data))
        node = d
        for p in path[:-1]:
            node = node[p]
        node[path[-1]] = value
        _refused_quickly(json.dumps(d, ensure_ascii=False))


def test_100000_rows_are_refused_fast_with_bounded_memory():
    data = json.loads(SEED004.read_text(encoding="utf-8"))
    row = data["goals"][0]["indicators"][1]
    data["goals"][0]["indicators"] = [row] * 100_000
    text = json.dumps(data, ensure_ascii=False)
    peak = _refused_quickly(text, "最多")
    assert peak < 400 * 1024 * 1024


def test_a_50mb_string_is_refused():
    data = json.loads(SEED004.read_text(encoding="utf-8"))
    data["texts"]["部门职能概述"] = "长" * (50 * 1024 * 1024 // 3)
    blob = json.dumps(data, ensure_ascii=False).encode("utf-8")
    assert len(blob) > 50 * 1024 * 1024 - 1000
    _refused_quickly(blob, "过大")


def test_a_huge_file_on_disk_is_not_read_whole(tmp_path):
    f = tmp_path / "huge.json"
    with open(f, "wb") as fh:
        fh.write(b'{"format": "ziping-form", "x": "')
        fh.write(b"a" * (60 * 1024 * 1024))
        fh.write(b'"}')
    t0 = time.perf_counter()
    with pytest.raises(FormError, match="过大"):
        load(f)
    assert time.perf_counter() - t0 < 5


def test_deep_nesting():
    _refused_quickly("[" * 200000 + "]" * 200000)
    _refused_quickly('{"format":"ziping-form","version":1,"template":"central-project","x":' + "[" * 100000 + "]" * 100000 + "}")


@pytest.mark.parametrize("typed", ["1e999", "NaN", "-0", "１２３", "1,2,3", "12.345.6", "--5", "", "Infinity", "0x10",
                                   "1_000", "½", "٣", "१२", "9" * 30, "1" + "0" * 15, "0.00000000001"])
def test_odd_numbers_become_findings_on_their_cell(typed):
    form = central_form([dict(target="≥100", actual=typed, weight="90")], executed=typed)
    s = evaluate(form)                         # never raises
    sheet = build_sheet(form, s)
    ind = s.indicators[0]
    wheres = {f.where for f in s.findings}
    if typed in ("-0", "１２３"):
        assert ind.computed is not None     # read as 0 and 123
        return
    # Not a number: no score is invented for it, and the cell says why.
    assert ind.computed is None
    assert "goals.0.indicators.0.actual" in wheres
    assert sheet.cell_for("goals.0.indicators.0.actual").level in ("error", "warning")
    assert "funds.total.executed" in wheres
    assert s.exec_score is None
