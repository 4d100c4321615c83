"""Issue 12: a word the program does not know exits 2 with a Chinese line instead of opening the
window — also after ``--db FILE`` (``main.py --db 表单库.db packge x``) and for an unknown option."""
import os
import subprocess
import sys

import pytest

import main
from tests.helpers import ROOT


@pytest.mark.parametrize("argv", [[], ["--db", "表单库.db"], ["--db=表单库.db"]])
def test_the_window_takes_nothing_or_a_store(argv):
    assert main.for_the_window(argv)


@pytest.mark.parametrize("argv, said", [
    (["--db", "表单库.db", "packge", "x.json"], "未知的命令“packge”"),
    (["--bogus"], "无法识别的参数：--bogus"),
    (["--db", "表单库.db", "--bogus"], "无法识别的参数：--bogus"),
    (["--db"], "参数 --db 后面缺少值"),
])
def test_other_words_are_refused_in_chinese_without_opening_the_window(tmp_path, argv, said):
    assert not main.for_the_window(argv)
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen", PYTHONIOENCODING="utf-8")
    r = subprocess.run([sys.executable, str(ROOT / "main.py"), *argv], cwd=tmp_path, env=env,
                       capture_output=True, encoding="utf-8", timeout=60)      # the window would not return
    assert r.returncode == 2 and r.stdout == ""
    line = r.stderr.strip()
    assert "\n" not in line and said in line, line
    assert "Error" not in line and "Traceback" not in line and "usage" not in line
    assert not (tmp_path / "表单库.db").exists()                               # no store was made
