"""Median time to score a 200-indicator form (goal: well under 5 ms on a 2-core machine).

    python bench/score.py [N_INDICATORS] [RUNS]
"""
import os as _os
import sys as _sys

# bench/typing.py is named like the standard library's typing (its issue asks for that name):
# drop this folder from sys.path before anything imports typing.
_HERE = _os.path.dirname(_os.path.abspath(__file__))
_sys.path[:] = [p for p in _sys.path if _os.path.abspath(p or ".") != _HERE]
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.rules import reader  # noqa: E402
from core.rules import evaluate  # noqa: E402
from core.layout import build_sheet  # noqa: E402
from tests.helpers import big_central_form  # noqa: E402


def median_ms(fn, runs):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    form = big_central_form(n)
    evaluate(form)  # warm the reader's cache, as an open editor has it
    warm = median_ms(lambda: evaluate(form), runs)

    def cold():
        reader.parse.cache_clear()
        reader.parse_amount.cache_clear()
        evaluate(form)
    cold_ms = median_ms(cold, max(20, runs // 5))
    sheet_ms = median_ms(lambda: build_sheet(form), max(20, runs // 5))
    print(f"score {n}-indicator form: median {warm:.2f} ms (reader cache warm), "
          f"{cold_ms:.2f} ms (cold cache); over {runs} runs")
    print(f"build sheet {n}-indicator form: median {sheet_ms:.2f} ms")


if __name__ == "__main__":
    main()
