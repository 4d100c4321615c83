"""Kill the real app (a separate process) at random moments: no acknowledged edit is ever lost.

``python -m ui.driver`` opens the store, opens the form in the editor and types each scripted
edit key by key through the same delegate / session / store path as a clerk, answering "ok N"
only after the store's save returned.  We SIGKILL it at random points, reopen the store and find
every acknowledged edit there, and ``PRAGMA integrity_check`` ok.
"""
from __future__ import annotations

import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from core.form import load
from core.editing import form_summary
from core.store import Store
from tests.helpers import ROOT, SAMPLES

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")

KEYS = (["funds.total.executed", "header.填报人", "header.联系电话"]
        + [f"goals.0.indicators.{i}.reason" for i in range(0, 12, 2)]
        + [f"goals.0.indicators.{i}.actual" for i in range(1, 12, 3)])


def value_for(key: str, rnd: int, j: int) -> str:
    if key == "funds.total.executed":
        return f"{1700 + rnd}.{j:02d}"
    if key.endswith(".actual"):
        return f"{rnd}{j:02d}次"
    return f"第{rnd}轮第{j}次修改"


def get(data: dict, path: str):
    node = data
    for part in path.split("."):
        node = node[int(part)] if isinstance(node, list) else node.get(part)
        if node is None:
            return ""
    return node


def _reader(stream, q: queue.Queue) -> None:
    for line in iter(stream.readline, ""):
        q.put(line.rstrip("\n"))
    q.put(None)


def test_sigkill_never_loses_an_acknowledged_edit(tmp_path, rng):
    db = tmp_path / "crash.db"
    s = Store(db)
    form = load(SAMPLES / "seed004-wangcheng-2020-dept.json")
    fid = s.create(form.data, form_summary(form))
    s.set_meta("samples_loaded", True)
    possible = {k: {get(form.data, k)} for k in KEYS}
    s.close()

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONUNBUFFERED="1")
    total_acked = 0
    started = time.monotonic()
    rnd = 0
    while rnd < 5 and (rnd < 3 or time.monotonic() - started < 12):
        rnd += 1
        proc = subprocess.Popen([sys.executable, "-m", "ui.driver", "--db", str(db), "--form", str(fid)],
                                cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True, encoding="utf-8", bufsize=1)
        q: queue.Queue = queue.Queue()
        t = threading.Thread(target=_reader, args=(proc.stdout, q), daemon=True)
        t.start()
        first = q.get(timeout=30)
        assert first and first.startswith("ready"), first
        sent = []
        for j in range(60):
            key = KEYS[rng.randrange(len(KEYS))]
            sent.append((key, value_for(key, rnd, j)))
        proc.stdin.write("".join(f"set {k} {v}\n" for k, v in sent))
        proc.stdin.flush()
        # Kill at a random moment: after a random number of acks plus a random delay (often mid-save).
        want = rng.randrange(1, 12)
        acked = 0
        deadline = time.monotonic() + 15
        while acked < want and time.monotonic() < deadline:
            line = q.get(timeout=15)
            assert line is not None and not line.startswith("err"), line
            if line.startswith("ok "):
                acked = int(line.split()[1])
        time.sleep(rng.uniform(0, 0.08))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        t.join(timeout=5)
        while True:            # what it printed before dying counts as acknowledged
            line = q.get_nowait() if not q.empty() else None
            if line is None:
                break
            assert not line.startswith("err"), line
            if line.startswith("ok "):
                acked = max(acked, int(line.split()[1]))
        total_acked += acked

        # Every acknowledged edit is there; an edit sent later may be there too.
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        conn.close()
        st = Store(db)
        data = st.get(fid)
        st.close()
        for key in KEYS:
            idx = [j for j, (k, _v) in enumerate(sent) if k == key]
            acked_idx = [j for j in idx if j < acked]
            if acked_idx:
                allowed = {sent[j][1] for j in idx if j >= acked_idx[-1]}
            else:
                allowed = possible[key] | {sent[j][1] for j in idx}
            got = get(data, key)
            assert got in allowed, (rnd, key, got, acked, allowed)
            possible[key] = {got}
    assert total_acked >= rnd
