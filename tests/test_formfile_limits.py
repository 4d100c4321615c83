"""Form files that must be refused, fast and in plain Chinese: duplicate keys, too many keys, too deep,
over-long integers, and anything that is not a regular file (a FIFO must not hang)."""
import json
import os
import subprocess
import sys
import threading
import time
import tracemalloc

import pytest

from core.form.formfile import MAX_DEPTH, MAX_KEYS
from core.form import FormError
from core.form import load, loads
from tests.helpers import ROOT, SAMPLES

SEED004 = SAMPLES / "seed004-wangcheng-2020-dept.json"
HEAD = '{"format": "ziping-form", "version": 1, "template": "central-project", '


def cli(*args, timeout=30):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          encoding="utf-8", env=env, cwd=ROOT, timeout=timeout)


def plain_chinese_line(stderr: str) -> bool:
    lines = stderr.strip().splitlines()
    return (len(lines) == 1 and any("\u4e00" <= ch <= "\u9fff" for ch in lines[0])
            and not any(w in stderr for w in ("Traceback", "Error", "Exceeds", "digits", "sys.")))


# ------------------------------------------------------------------ duplicate keys

def test_a_trailing_duplicate_goals_is_refused_not_silently_used(tmp_path):
    text = SEED004.read_text(encoding="utf-8").rstrip()
    assert text.endswith("}")
    text = text[:-1].rstrip() + ',\n  "goals": []\n}\n'       # the trailing "goals": [] that dropped every row
    with pytest.raises(FormError) as e:
        loads(text)
    assert "“goals”" in str(e.value) and "两次" in str(e.value)
    path = tmp_path / "dup.json"
    path.write_text(text, encoding="utf-8")
    p = cli("score", str(path))
    assert p.returncode == 2 and p.stdout == ""
    assert plain_chinese_line(p.stderr) and "“goals”" in p.stderr


def test_a_duplicate_key_inside_an_indicator_is_named():
    data = json.loads(SEED004.read_text(encoding="utf-8"))
    text = json.dumps(data, ensure_ascii=False)
    text = text.replace('"target": "50 次以上"', '"target": "50 次以上", "target": "≥99次"', 1)
    with pytest.raises(FormError) as e:
        loads(text)
    assert "“target”" in str(e.value)


def test_the_same_key_in_different_objects_is_fine():
    loads(SEED004.read_bytes())          # every indicator has "target": not a duplicate


# ------------------------------------------------------------------ keys and depth

def _million_keys() -> bytes:
    body = ",".join(f'"k{i}": 0' for i in range(1_000_000))
    return (HEAD + '"x-extra": {' + body + "}}").encode()


def test_a_million_keys_are_refused_fast_in_bounded_memory(tmp_path):
    raw = _million_keys()
    tracemalloc.start()
    t0 = time.perf_counter()
    with pytest.raises(FormError) as e:
        loads(raw)
    elapsed = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert f"最多 {MAX_KEYS} 个" in str(e.value)
    assert elapsed < 2, elapsed              # was 4 s
    assert peak < 20 * 1024 * 1024, peak     # was 260 MB; the text itself is not counted
    path = tmp_path / "keys.json"
    path.write_bytes(raw)
    p = cli("score", str(path))
    assert p.returncode == 2 and plain_chinese_line(p.stderr) and "键过多" in p.stderr


def test_keys_with_spaces_before_the_colon_are_counted_too():
    body = ",".join(f'"k{i}"  :  0' for i in range(MAX_KEYS + 10))
    with pytest.raises(FormError, match="键过多"):
        loads(HEAD + '"x-extra": {' + body + "}}")


def test_a_real_form_is_far_below_the_key_limit():
    from tests.helpers import big_central_form
    loads(big_central_form(2000).to_json())      # the largest form the app accepts


def test_nesting_deeper_than_the_limit_is_refused():
    deep = "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5)
    with pytest.raises(FormError, match="嵌套过深"):
        loads(HEAD + f'"x-extra": {deep}}}')
    loads(HEAD + '"x-extra": ' + "[" * 10 + "]" * 10 + "}")       # unknown data a little nested is kept
    with pytest.raises(FormError, match="嵌套过深"):
        loads(HEAD + '"x-extra": ' + "[" * 200_000 + "]" * 200_000 + "}")


# ------------------------------------------------------------------ over-long integers

@pytest.mark.parametrize("where", ['"year": {n}', '"x-extra": {n}', '"funds": {{"total": {{"budget": {n}}}}}'])
def test_an_over_long_integer_gives_a_plain_chinese_message(tmp_path, where):
    text = HEAD + where.format(n="1" * 5000) + "}"
    with pytest.raises(FormError) as e:
        loads(text)
    message = str(e.value)
    assert "5000 位" in message and "Exceeds" not in message and "4300" not in message
    path = tmp_path / "int.json"
    path.write_text(text, encoding="utf-8")
    p = cli("score", str(path))
    assert p.returncode == 2 and plain_chinese_line(p.stderr) and "数字过长" in p.stderr


# ------------------------------------------------------------------ only regular files

def _in_thread(fn, timeout=10):
    box = {}

    def run():
        try:
            box["value"] = fn()
        except BaseException as e:      # noqa: BLE001 - handed back to the test
            box["error"] = e
    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(timeout)
    assert not t.is_alive(), "hung"
    return box


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "form.json"
    os.mkfifo(fifo)
    box = _in_thread(lambda: load(fifo))
    assert isinstance(box.get("error"), FormError) and "不是普通文件" in str(box["error"])
    p = cli("score", str(fifo), timeout=20)
    assert p.returncode == 2 and plain_chinese_line(p.stderr) and "不是普通文件" in p.stderr


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_a_device_is_refused():
    box = _in_thread(lambda: load("/dev/zero"))
    assert isinstance(box.get("error"), FormError) and "不是普通文件" in str(box["error"])


def test_a_folder_and_a_missing_file_are_named(tmp_path):
    with pytest.raises(FormError, match="文件夹"):
        load(tmp_path)
    with pytest.raises(FormError, match="找不到文件"):
        load(tmp_path / "none.json")


def test_a_regular_file_still_loads():
    assert load(SEED004).template_id == "hunan-dept"
