"""Property: a form exported to xlsx and imported back is the same form, over 500 generated forms
(tests/strategies.py `form()`: every template, odd numbers, formula-like text, tabs, line breaks,
emoji, Extension B).  The workbook is made in memory and written to one file on a RAM disk where
there is one (/dev/shm), so 500 examples take well under a minute."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from core.export.xlsx import write_xlsx
from core.imports import import_workbook
from core.evaluate import evaluate
from tests.layout_check import differences, drawn_only, fits_excel, holdable, workbook_without_data
from tests.strategies import form
from tests.test_layout_import import EDITS


@pytest.fixture(scope="module")
def scratch():
    base = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="ziping-rt-", dir=base) as d:
        yield Path(d) / "round-trip.xlsx"


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(f=form(max_rows=6))
def test_xlsx_export_then_import_is_identity(scratch, f):
    write_xlsx(f, scratch)
    back = import_workbook(scratch)
    assert back.data == f.data
    assert back.to_json() == f.to_json()
    assert json.dumps(evaluate(back).to_json(), ensure_ascii=False) == json.dumps(evaluate(f).to_json(), ensure_ascii=False)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(f=form(max_rows=4))
def test_xlsx_without_its_data_sheet_reads_back_by_layout(scratch, f):
    """The same forms, with the hidden data sheet deleted: read by layout, the form draws the same
    table and every value it shows comes back (tests/layout_check.py).  What no workbook without
    its data sheet can carry is taken out of the generated form first: values the table does not
    show (a 年初预算数 on a template without that column), characters an Excel cell cannot hold;
    forms with numbers of more than 15 significant digits (Excel keeps 15) are left out."""
    f = holdable(drawn_only(f))
    assume(fits_excel(f))
    scratch.write_bytes(workbook_without_data(f))
    back = import_workbook(scratch)
    assert differences(f, back) == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(f=form(max_rows=4), edit=st.sampled_from(sorted(EDITS)))
def test_edited_workbooks_without_their_data_sheet_read_back_by_layout(scratch, f, edit):
    """The same, after what clerks do to a table (tests/test_layout_import.py EDITS): blank rows
    inserted, the table moved right, 一级指标 unmerged and filled or merged again, all merges split."""
    f = holdable(drawn_only(f))
    assume(fits_excel(f))
    scratch.write_bytes(workbook_without_data(f, EDITS[edit]))
    back = import_workbook(scratch)
    assert differences(f, back) == []
