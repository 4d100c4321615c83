"""`python main.py score|export|import` as FORM-FORMAT.md describes: JSON out, exit 2 in Chinese."""
import json
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import ROOT, SAMPLES, examples

ENV = {**os.environ, "PYTHONIOENCODING": "utf-8"}


def run(*args, stdin=None):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          encoding="utf-8", env=ENV, cwd=ROOT, timeout=60)


def test_score_seed004():
    p = run("score", str(SAMPLES / "seed004-wangcheng-2020-dept.json"))
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["execution"] == {"rate": "108.21", "weight": "10", "score": "9.18"}
    assert out["total"] == "98.18" and out["grade"] == "优" and out["max"] == "100"
    assert {"goal", "index", "kind", "weight", "computed", "score"} <= set(out["indicators"][0])
    assert any("108.00%" in f["message"] for f in out["findings"])


def test_score_from_another_directory(tmp_path):
    p = subprocess.run([sys.executable, str(ROOT / "main.py"), "score", str(SAMPLES / "seed000-caidian-2022-dept.json")],
                       capture_output=True, text=True, encoding="utf-8", env=ENV, cwd=tmp_path, timeout=60)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["execution"]["rate"] == "95.77"


def _is_one_chinese_line(stderr: str) -> bool:
    lines = stderr.strip().splitlines()
    return (len(lines) == 1 and "Traceback" not in stderr
            and any("\u4e00" <= ch <= "\u9fff" for ch in lines[0]))


@pytest.mark.parametrize("content", [b"", b"not json", b"\xff\xfe\x00garbage", b"[1,2,3]",
                                     b'{"format":"ziping-form","version":1,"template":"nope"}',
                                     b'{"format":"ziping-form","version":1,"template":"central-project","goals":[{"indicators":[{"tier":7}]}]}'])
def test_score_bad_input_exits_2_in_chinese(tmp_path, content):
    f = tmp_path / "bad.json"
    f.write_bytes(content)
    p = run("score", str(f))
    assert p.returncode == 2
    assert p.stdout == ""
    assert _is_one_chinese_line(p.stderr), p.stderr


def test_score_missing_file_and_bad_args(tmp_path):
    p = run("score", str(tmp_path / "missing.json"))
    assert p.returncode == 2 and _is_one_chinese_line(p.stderr)
    p = run("score")
    assert p.returncode == 2 and _is_one_chinese_line(p.stderr)
    p = run("score", str(tmp_path))
    assert p.returncode == 2 and _is_one_chinese_line(p.stderr)


@settings(max_examples=examples(25), deadline=None)
@given(st.binary(max_size=300))
def test_score_on_malformed_bytes_never_tracebacks(tmp_path_factory, blob):
    f = tmp_path_factory.mktemp("m") / "x.json"
    f.write_bytes(blob)
    p = run("score", str(f))
    assert p.returncode in (0, 2)
    assert "Traceback" not in p.stderr
    if p.returncode == 2:
        assert _is_one_chinese_line(p.stderr)


def test_score_in_process_on_malformed_json_many(tmp_path, capsys):
    """The same through the in-process entry point, so hypothesis can run 500 examples quickly."""
    from hypothesis import given as g
    from core.cli import run as cli_run

    @settings(max_examples=examples(500), deadline=None)
    @g(st.text(max_size=200) | st.builds(lambda d: json.dumps({"format": "ziping-form", "version": 1,
                                                               "template": "central-project", **d}),
                                         st.dictionaries(st.sampled_from(["goals", "funds", "header", "year"]),
                                                         st.recursive(st.none() | st.integers() | st.text(max_size=5),
                                                                      lambda c: st.lists(c, max_size=3)
                                                                      | st.dictionaries(st.text(max_size=5), c, max_size=3),
                                                                      max_leaves=10))))
    def check(text):
        f = tmp_path / "x.json"
        f.write_text(text, encoding="utf-8")
        code = cli_run(["score", str(f)])
        out = capsys.readouterr()
        assert code in (0, 2)
        assert "Traceback" not in out.err
        if code == 2:
            assert _is_one_chinese_line(out.err)
        else:
            json.loads(out.out)
    check()


def _glyphless_form(tmp_path):
    data = json.loads((SAMPLES / "seed004-wangcheng-2020-dept.json").read_text(encoding="utf-8"))
    data["goals"][0]["indicators"][0]["name"] = "笑脸😀指标"
    f = tmp_path / "glyph.json"
    f.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return f


def test_export_refuses_characters_no_font_has_and_names_the_option(tmp_path):
    form = _glyphless_form(tmp_path)
    pdf, xlsx = tmp_path / "o.pdf", tmp_path / "o.xlsx"
    p = run("export", str(form), "--pdf", str(pdf), "--xlsx", str(xlsx))
    assert p.returncode == 2 and _is_one_chinese_line(p.stderr), p.stderr
    assert "😀" in p.stderr and "U+1F600" in p.stderr and "--allow-missing-glyphs" in p.stderr
    assert "选择仍然导出" not in p.stderr               # no choice the command line does not offer
    assert not pdf.exists() and not xlsx.exists()

    p = run("export", str(form), "--pdf", str(pdf), "--xlsx", str(xlsx), "--allow-missing-glyphs")
    assert p.returncode == 0, p.stderr
    assert pdf.read_bytes().startswith(b"%PDF") and xlsx.stat().st_size > 0
    assert "😀" in p.stderr and "□" in p.stderr         # it says which characters print as □


def test_export_help_lists_the_option():
    p = run("export", "--help")
    assert p.returncode == 0 and "--allow-missing-glyphs" in p.stdout


def test_export_loads_no_qt_and_no_network_stack(tmp_path):
    """`main.py export` imports only what the files need: no Qt; nothing that pulls in urllib.request,
    http or email (xml.sax.saxutils did); `score` not even openpyxl or reportlab."""
    code = ("import sys, main; rc = main.main(sys.argv[1:]); "
            "print(' '.join(sorted(m for m in sys.modules)))")
    sample = str(SAMPLES / "seed004-wangcheng-2020-dept.json")
    for args, banned in ((["export", sample, "--pdf", str(tmp_path / "a.pdf"), "--xlsx", str(tmp_path / "a.xlsx")],
                          ("PySide6", "shiboken6", "urllib.request", "http", "email", "xml.sax")),
                         # the workbook breaks its pages where the PDF does: reportlab's font metrics, not
                         # its page layout
                         (["export", sample, "--xlsx", str(tmp_path / "b.xlsx")],
                          ("PySide6", "reportlab.platypus", "reportlab.pdfgen", "http", "email")),
                         # the PDF is drawn straight onto the canvas: no platypus
                         (["export", sample, "--pdf", str(tmp_path / "c.pdf")],
                          ("PySide6", "openpyxl", "reportlab.platypus")),
                         (["score", sample], ("PySide6", "openpyxl", "reportlab"))):
        p = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, encoding="utf-8",
                           env=ENV, cwd=ROOT, timeout=60)
        assert p.returncode == 0, p.stderr
        loaded = set(p.stdout.split()[-1:] and p.stdout.splitlines()[-1].split())
        assert "core.cli.commands" in loaded
        bad = sorted(m for m in loaded if any(m == b or m.startswith(b + ".") for b in banned))
        assert not bad, (args[0], bad[:10])
