"""Import times: every sample read back from its own export (with the hidden data sheet) and by
its layout (without it), and the slow workbooks of issue 12, each in a fresh process with its peak
memory (goal: every workbook read or refused in < 5 s and < 400 MB).

    python bench/imports.py
"""
import os as _os
import sys as _sys

# bench/typing.py is named like the standard library's typing: drop this folder from sys.path.
_HERE = _os.path.dirname(_os.path.abspath(__file__))
_sys.path[:] = [p for p in _sys.path if _os.path.abspath(p or ".") != _HERE]
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.export.xlsx import EMBED_SHEET, build_workbook  # noqa: E402
from core.reading import import_workbook  # noqa: E402
from tests.helpers import sample, sample_paths  # noqa: E402
from tests.test_import_bounds import PROBE, slow_workbooks  # noqa: E402


def median_ms(path, runs=5):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        import_workbook(path)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main():
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        print("sample                                   embedded   by layout   (median of 5, ms)")
        for p in sample_paths():
            wb = build_workbook(sample(p.name))
            buf = io.BytesIO()
            wb.save(buf)
            a = folder / "a.xlsx"
            a.write_bytes(buf.getvalue())
            del wb[EMBED_SHEET]
            buf = io.BytesIO()
            wb.save(buf)
            b = folder / "b.xlsx"
            b.write_bytes(buf.getvalue())
            print(f"{p.stem:40s} {median_ms(a):8.1f}   {median_ms(b):8.1f}")
        print("\nslow workbooks of issue 12 (fresh process each)")
        for name, (path, _words) in slow_workbooks(folder).items():
            r = subprocess.run([sys.executable, "-c", PROBE, str(path), str(ROOT)], capture_output=True,
                               text=True, timeout=300, cwd=ROOT)
            res = json.loads(r.stdout.strip().splitlines()[-1])
            print(f"{name:40s} {path.stat().st_size / 1e6:5.1f} MB file  {res['elapsed']:5.2f} s  "
                  f"+{res['grew_mb']:4.0f} MB  {res['outcome'][:40]}")


if __name__ == "__main__":
    main()
