"""Make tests/data/store-schema-v{N}.db: a small store written by this version of the program.

    python tests/data/make_store_fixture.py

The file is committed and never remade for a released schema: tests/test_recovery.py opens it with
the current code, so a later version that can no longer read the stores clerks already have fails
a test.  When a migration is added, run this script once more to add the file of the new schema
version beside the old ones (the old ones stay).

Contents (form times from a fixed clock; only the migration times differ between runs): two sample
forms and a third in the
回收站, one saved edit with its history, the samples_loaded mark.  The file is in rollback-journal
mode (no -wal file needed) and vacuumed.
"""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from core.store import database as store_mod  # noqa: E402
from core.store import schema as schema_mod  # noqa: E402
from core.form import load  # noqa: E402
from core.editing import form_summary  # noqa: E402

FORMS = ["seed004-wangcheng-2020-dept.json", "central-project-example-2022.json",
         "seed001-nanyue-2022-zongzhi.json"]


def make(dest: Path | None = None) -> Path:
    dest = dest or HERE / f"store-schema-v{schema_mod.SCHEMA_VERSION}.db"
    work = dest.with_name(dest.name + ".work")
    for p in (work, Path(str(work) + "-wal"), Path(str(work) + "-shm"), dest):
        if p.exists():
            p.unlink()
    moments = iter(dt.datetime(2024, 3, 1, 8, 0, tzinfo=dt.timezone.utc) + dt.timedelta(minutes=i)
                   for i in range(1000))
    store_mod._utc_now = lambda: next(moments)
    s = store_mod.Store(work)
    ids = []
    for name in FORMS:
        form = load(ROOT / "resources" / "samples" / name)
        ids.append(s.create(form.data, form_summary(form)))
    form = load(ROOT / "resources" / "samples" / FORMS[0])
    old = form.get("header.填报人")
    form.set("header.填报人", "张三（旧版本填写）")
    s.save(ids[0], form.data, form_summary(form), {"path": "header.填报人", "old": old, "new": "张三（旧版本填写）"})
    s.delete(ids[2])
    s.set_meta("samples_loaded", True)
    s.close()
    conn = sqlite3.connect(work)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute(f"VACUUM INTO '{dest}'")
    conn.close()
    for p in (work, Path(str(work) + "-wal"), Path(str(work) + "-shm")):
        if p.exists():
            p.unlink()
    # The rows that do not change with the samples, for a human looking at the file.
    conn = sqlite3.connect(dest)
    rows = conn.execute("SELECT id, year, name, deleted_at IS NOT NULL FROM forms ORDER BY id").fetchall()
    conn.close()
    print(dest, dest.stat().st_size, "bytes", json.dumps(rows, ensure_ascii=False))
    return dest


if __name__ == "__main__":
    make()
