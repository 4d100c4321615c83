"""Benchmark: start time of the frozen command line, ``ziping-cli score FORM.json``, and the size of
the one-folder bundle.

Runs the bundle's console program (``ziping-cli.exe`` on Windows; ``ziping-cli`` on Linux, built
with ZIPING_CLI_EXE=1) on a shipped sample, once to warm the file cache and then ``--runs`` times,
checking each answer, and prints the times, whether the command loaded Qt (Linux: the process's
mapped libraries, read while it runs) and the bundle's size.  Give several bundles to compare them.

    python -m PyInstaller build.spec --noconfirm                       # Windows
    ZIPING_CLI_EXE=1 .venv/bin/python -m PyInstaller build.spec --noconfirm   # Linux
    .venv/bin/python bench/frozen_cli.py dist/ziping [other/dist/ziping …] [--runs 20]

Goals: the command line starts without Qt; the bundle stays under 150 MB.
"""
from __future__ import annotations

import os
import sys

# bench/typing.py shadows the standard library's typing when this folder is on sys.path.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "resources" / "samples" / "seed004-wangcheng-2020-dept.json"


def cli_of(dist: Path) -> Path:
    for name in ("ziping-cli.exe", "ziping-cli"):
        if (dist / name).is_file():
            return dist / name
    raise SystemExit(f"{dist}: no ziping-cli in this bundle (on Linux build with ZIPING_CLI_EXE=1)")


def size_mb(dist: Path) -> float:
    return sum(p.stat().st_size for p in dist.rglob("*") if p.is_file() and not p.is_symlink()) / 2 ** 20


def loads_qt(exe: Path) -> str:
    """Whether `score` maps a Qt library, seen in /proc/PID/maps while it runs (Linux only)."""
    if not sys.platform.startswith("linux"):
        return "?"
    proc = subprocess.Popen([str(exe), "score", str(SAMPLE)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    seen = False
    try:
        while proc.poll() is None:
            try:
                maps = Path(f"/proc/{proc.pid}/maps").read_text(errors="replace")
            except OSError:
                break
            if "libQt6" in maps or "libpyside6" in maps.lower() or "shiboken6" in maps:
                seen = True
                break
            time.sleep(0.002)
    finally:
        proc.communicate()
    return "yes" if seen else "no"


def run(exe: Path, runs: int) -> list[float]:
    times = []
    for i in range(runs + 1):
        t0 = time.perf_counter()
        p = subprocess.run([str(exe), "score", str(SAMPLE)], capture_output=True, text=True, encoding="utf-8")
        elapsed = (time.perf_counter() - t0) * 1000
        if p.returncode != 0 or json.loads(p.stdout)["total"] != "98.18":
            raise SystemExit(f"{exe} score failed: {p.returncode} {p.stderr[:300]}")
        if i:                                   # the first run only warms the file cache
            times.append(elapsed)
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dists", nargs="+", type=Path, help="one-folder bundles (dist/ziping)")
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    print(f"{'bundle':<40} {'min ms':>8} {'median':>8} {'max':>8}  Qt  {'size MB':>8}")
    for dist in args.dists:
        exe = cli_of(dist)
        times = run(exe, args.runs)
        print(f"{str(dist):<40} {min(times):8.0f} {statistics.median(times):8.0f} {max(times):8.0f}  "
              f"{loads_qt(exe):<3} {size_mb(dist):8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
