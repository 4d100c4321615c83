"""Shared test setup.

Qt runs headless (offscreen) in every test; the variable must be set before any QApplication
exists, so it is set here, at import time.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


import datetime  # noqa: E402
import hashlib  # noqa: E402
import random  # noqa: E402

import pytest  # noqa: E402
from hypothesis import seed, settings  # noqa: E402

# The property tests' draws (README, 开发):
#   dev       a developer's run: new random draws every time;
#   ci        CI (CI=true): reproducible for a day — each test's seed is made from the date and its
#             name, so CI explores anew every day and a red run can be repeated the same day (or
#             on any day with ZIPING_HYPOTHESIS_SEED=<the date printed in the header>);
#   explore   ten times the examples of every test, random draws: run before every stop with
#             ZIPING_HYPOTHESIS=explore (or --hypothesis-profile=explore).
# A failing example found by anyone is pinned with @example on its test.
settings.register_profile("dev", print_blob=True)
settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
settings.register_profile("explore", max_examples=1000, deadline=None, print_blob=True)
PROFILE = os.environ.get("ZIPING_HYPOTHESIS") or ("ci" if os.environ.get("CI") else "dev")
settings.load_profile(PROFILE)
DAY_SEED = os.environ.get("ZIPING_HYPOTHESIS_SEED") or datetime.date.today().strftime("%Y%m%d")


# Tests that draw with `random` (the `rng` fixture, the SIGKILL tests) follow the same rule: the
# day's draw in CI, a new one on every other run; ZIPING_RANDOM_SEED repeats a run's draws.
RANDOM_SEED = os.environ.get("ZIPING_RANDOM_SEED") or (
    DAY_SEED if PROFILE == "ci" else str(random.SystemRandom().randrange(10 ** 8)))


def pytest_report_header(config):
    profile = config.getoption("hypothesis_profile", None) or PROFILE
    randoms = f"random draws: ZIPING_RANDOM_SEED={RANDOM_SEED} repeats them"
    if profile == "ci":
        return [f"hypothesis: profile ci, day seed {DAY_SEED} "
                f"(ZIPING_HYPOTHESIS_SEED={DAY_SEED} repeats these draws)", randoms]
    return [f"hypothesis: profile {profile}, random draws", randoms]


@pytest.fixture
def rng(request) -> random.Random:
    """A random.Random seeded from the run's seed and the test's name (see RANDOM_SEED)."""
    request.node.user_properties.append(("random seed", RANDOM_SEED))
    return random.Random(f"{RANDOM_SEED}:{request.node.nodeid}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and any(k == "random seed" for k, _v in item.user_properties):
        report.sections.append(("random draws", f"ZIPING_RANDOM_SEED={RANDOM_SEED} repeats this test's draws"))


def pytest_collection_modifyitems(config, items):
    """In CI, seed each property test from the day and its name (see above)."""
    if (config.getoption("hypothesis_profile", None) or PROFILE) != "ci":
        return
    for item in items:
        test = getattr(item, "obj", None)
        if getattr(test, "is_hypothesis_test", False) and getattr(test, "_hypothesis_internal_use_seed", None) is None:
            digest = hashlib.sha256(f"{DAY_SEED}:{item.nodeid}".encode()).hexdigest()
            seed(int(digest[:16], 16))(test)


@pytest.fixture(autouse=True)
def _private_settings_file(tmp_path_factory, monkeypatch):
    """Every test gets its own settings folder: the main window reads 设置 and saves its size and
    place on close, which must never reach the settings of whoever runs the tests."""
    folder = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))
    monkeypatch.setenv("APPDATA", str(folder))


def pytest_sessionfinish(session, exitstatus):
    """Cells copied by a test are a Python object on the clipboard; hand it to Qt before Python
    shuts down, as the program does on exit (or the process crashes after the last test)."""
    if "PySide6.QtWidgets" in sys.modules:
        from ui.clipboard import release_before_exit
        release_before_exit()
