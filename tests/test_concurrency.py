"""Two writers on one store, a writer that holds the store too long, and an export racing edits.

* Two processes, each with its own core.store.database.Store on the same file, save in turn as fast as they
  can: every save either returns (and is then on disk, in the right order) or raises a Chinese
  StoreError — no committed write is lost, the file stays whole.
* Another connection holding the write lock beyond the busy timeout: the save fails with the Chinese
  "正被另一个窗口或程序使用" message and changes nothing; once the lock is gone the next save works.
* A thread exporting the form (from its own connection, as a second window would, or from the same
  Store) while edits are being saved: every exported workbook is one saved version of the form,
  as a whole — its embedded _ziping JSON and its visible cells — and nothing raises.

The app itself keeps to one writer per store (core/store/instance.py, ui/single_instance.py); that is
tested in tests/test_instance.py and tests/test_ui_main.py::test_a_second_window_on_the_same_store_is_refused.
"""
from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

import core.store.database as store_mod
import core.store.schema as schema_mod
from core.export import export_form
from core.reading import import_workbook
from core.form import Form
from core.form import load
from core.editing import EditSession, form_summary
from core.store import Store, StoreError
from tests.helpers import ROOT, SAMPLES

SEED004 = SAMPLES / "seed004-wangcheng-2020-dept.json"
CHINESE = re.compile(r"[\u4e00-\u9fff]")

WRITER = r"""
import json, random, sys, time
sys.path.insert(0, sys.argv[1])
from core.store import Store, StoreError
db, who, shared, own, n = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
s = Store(db)
summary = {"year": 2023, "unit": who, "name": who, "template": "central-project", "total": None, "grade": None}
print("ready", flush=True)
sys.stdin.readline()                     # both start together
for i in range(n):
    try:
        s.save(shared, {"last": who, "i": i}, summary, {"path": who, "old": i - 1, "new": i})
        s.save(own, {"who": who, "i": i}, summary, {"path": "i", "old": i - 1, "new": i})
        print("ok", i, flush=True)
        time.sleep(random.uniform(0, 0.003))      # let the other process in between
    except StoreError as e:
        print("err", json.dumps(str(e), ensure_ascii=False), flush=True)
s.close()
"""


def test_two_processes_saving_in_turn_lose_nothing(tmp_path):
    db = tmp_path / "ziping.db"
    n = 150
    with Store(db) as s:
        base = {"year": 2023, "unit": "", "name": "", "template": "central-project", "total": None, "grade": None}
        shared = s.create({"i": -1}, base)
        own = {"A": s.create({"i": -1}, base), "B": s.create({"i": -1}, base)}
    procs = {who: subprocess.Popen([sys.executable, "-c", WRITER, str(ROOT), str(db), who, str(shared),
                                    str(own[who]), str(n)],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, encoding="utf-8")
             for who in ("A", "B")}
    for p in procs.values():
        assert p.stdout.readline().strip() == "ready"
    for p in procs.values():
        p.stdin.write("go\n")
        p.stdin.flush()
    out = {}
    for who, p in procs.items():
        stdout, stderr = p.communicate(timeout=120)
        assert p.returncode == 0 and "Traceback" not in stderr, stderr
        out[who] = stdout.splitlines()
    with Store(db) as s:
        assert s.integrity_ok()
        hist = s.history(shared, limit=10_000)
        for who in ("A", "B"):
            acked = [int(line.split()[1]) for line in out[who] if line.startswith("ok ")]
            errors = [json.loads(line[4:]) for line in out[who] if line.startswith("err ")]
            assert all(CHINESE.search(e) for e in errors), errors
            assert acked, out[who]
            # Every acknowledged save of the shared form is in its history, in order.
            mine = [h["new"] for h in reversed(hist) if h["path"] == who]
            assert set(acked) <= set(mine) and mine == sorted(mine)
            # The process's own form holds its last acknowledged save (or a later one).
            assert s.get(own[who])["i"] >= acked[-1]
            assert len(s.history(own[who], limit=10_000)) >= len(acked)
        assert len(errors) <= n // 10                 # busy waits are rare, and never a crash
        order = [h["path"] for h in reversed(hist)]
        switches = sum(1 for a, b in zip(order, order[1:]) if a != b)
        print(f"\n{len(order)} saves of the shared form, writers alternated {switches} times")
        assert switches >= 3, "the two processes did not interleave"
        last = s.get(shared)
        assert last["last"] in ("A", "B")


def test_a_writer_holding_the_store_too_long_gives_a_chinese_message(tmp_path, monkeypatch):
    monkeypatch.setattr(schema_mod, "BUSY_TIMEOUT", 0.3)
    db = tmp_path / "ziping.db"
    s = Store(db)
    try:
        form = load(SEED004)
        fid = s.create(form.data, form_summary(form))
        other = sqlite3.connect(db, timeout=0)
        other.execute("BEGIN IMMEDIATE")                 # another program writes and does not finish
        other.execute("UPDATE meta SET value = value")
        form.set("header.填报人", "李四")
        t0 = time.monotonic()
        with pytest.raises(StoreError) as err:
            s.save(fid, form.data, form_summary(form), {"path": "header.填报人", "old": "", "new": "李四"})
        assert time.monotonic() - t0 < 3
        assert "正被另一个窗口或程序使用" in str(err.value) and "修改未能保存" in str(err.value)
        other.rollback()
        other.close()
        assert s.get(fid)["header"]["填报人"] != "李四"     # nothing half-written
        assert s.history(fid) == []
        s.save(fid, form.data, form_summary(form), {"path": "header.填报人", "old": "", "new": "李四"})
        assert s.get(fid)["header"]["填报人"] == "李四"
        assert s.integrity_ok()
    finally:
        s.close()


def _embedded_json(path) -> dict:
    import openpyxl

    from core.export import EMBED_SHEET
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = list(wb[EMBED_SHEET].iter_rows(values_only=True))
    finally:
        wb.close()
    count = int(rows[0][2])
    return json.loads("".join(r[0] for r in rows[1:1 + count]))


@pytest.mark.parametrize("reader", ["second connection", "same store"])
def test_an_export_racing_edits_is_one_saved_version(tmp_path, reader):
    db = tmp_path / "ziping.db"
    store = Store(db)
    form = load(SEED004)
    fid = store.create(form.data, form_summary(form))
    versions = [json.dumps(store.get(fid), ensure_ascii=False, sort_keys=True)]
    session = EditSession(form, store, fid)
    cells = [session.sheet.cell_for(k) for k in ("header.填报人", "funds.total.executed",
                                                 "goals.0.indicators.1.actual", "goals.0.indicators.0.reason")]
    stop = threading.Event()
    problems: list[BaseException] = []
    exports: list[dict] = []

    def export_loop():
        other = Store(db) if reader == "second connection" else store
        try:
            k = 0
            while not stop.is_set() or k < 3:
                data = other.get(fid)                  # one committed version
                x = tmp_path / f"race{k % 2}.xlsx"
                export_form(Form(data), xlsx=x)
                exports.append({"embedded": _embedded_json(x), "imported": import_workbook(x).data,
                                "read": data})
                k += 1
        except BaseException as exc:  # noqa: BLE001 - reported below
            problems.append(exc)
        finally:
            if other is not store:
                other.close()

    t = threading.Thread(target=export_loop)
    t.start()
    try:
        for i in range(60):
            cell = cells[i % len(cells)]
            value = {0: f"填报人{i}", 1: f"{1700 + i}.5", 2: f"{40 + i}次", 3: f"第{i}次说明\n第二行"}[i % 4]
            session.edit_text(cell, value)
            versions.append(json.dumps(store.get(fid), ensure_ascii=False, sort_keys=True))
            cells = [session.sheet.cell_for(c.key) for c in cells]
            time.sleep(0.01)                              # a clerk types slower still
    finally:
        stop.set()
        t.join(timeout=120)
    store.close()
    assert not problems, problems
    assert len(exports) >= 3
    seen = {json.dumps(e["embedded"], ensure_ascii=False, sort_keys=True) for e in exports}
    print(f"\n{len(exports)} exports during {len(versions) - 1} saved edits, {len(seen)} different versions")
    assert len(seen) >= 2, "the exports did not race the edits"
    saved = set(versions)
    for e in exports:
        embedded = json.dumps(e["embedded"], ensure_ascii=False, sort_keys=True)
        assert embedded in saved                          # one saved version, whole
        assert json.dumps(e["imported"], ensure_ascii=False, sort_keys=True) == embedded   # cells agree
        assert e["embedded"] == e["read"]
