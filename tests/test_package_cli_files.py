"""main.py package from form files: what the clerk names on the command line."""
from __future__ import annotations

import re

import pytest

from tests.helpers import sample_unit


def test_cli_package_counts_a_form_file_named_twice_once(tmp_path):
    import zipfile

    from core.form import dump
    from tests.test_package import NAME, run
    files = []
    for i, f in enumerate(sample_unit()):
        files.append(str(tmp_path / f"f{i}.json"))
        dump(f, files[-1])
    p = run("package", "-o", str(tmp_path), "--zip", "--allow-unfinished", *files, files[0],
            str(tmp_path / "." / "f1.json"))
    assert p.returncode == 0, p.stderr
    with zipfile.ZipFile(tmp_path / (NAME + ".zip")) as zf:
        names = zf.namelist()
    assert len(names) == 16 and not any("（2）" in n for n in names)


def test_cli_package_into_a_file_says_it_is_a_file(tmp_path):
    from core.form import dump
    from tests.test_package import run
    form = tmp_path / "f0.json"
    dump(sample_unit()[0], str(form))
    p = run("package", "-o", str(form), str(form))
    assert p.returncode != 0
    assert "是一个文件，不是文件夹" in p.stderr and "Traceback" not in p.stderr


def test_cli_package_makes_its_folder_with_the_parents(tmp_path):
    """As export makes its files: -o names a folder that need not exist yet."""
    from core.form import dump
    from tests.test_package import run
    form = tmp_path / "f0.json"
    dump(sample_unit()[0], str(form))
    out = tmp_path / "报送" / "2022" / "材料"
    p = run("package", "-o", str(out), "--allow-unfinished", str(form))
    assert p.returncode == 0, p.stderr
    made = [d for d in out.iterdir() if d.is_dir()]
    assert len(made) == 1 and any(made[0].glob("*.docx"))


def test_a_package_whose_paths_windows_could_not_hold_is_refused_before_anything_is_written(tmp_path):
    from core.files import WriteError
    from core.package import make_package, write_package
    from core.package.bundle import Entry
    pkg = make_package([Entry(f, f"f{i}") for i, f in enumerate(sample_unit())])
    deep = tmp_path / ("很长的文件夹名称" * 4) / ("第二层很长的文件夹名称" * 3) / ("第三层" * 10)
    with pytest.raises(WriteError) as err:
        write_package(pkg, deep)
    assert "路径太长" in str(err.value) and "259" in str(err.value)
    assert not deep.exists()                      # nothing made


def test_help_is_in_chinese_words_and_all():
    from tests.test_package import run
    for args in (["--help"], ["export", "--help"], ["package", "-h"], ["score", "--help"]):
        p = run(*args)
        assert p.returncode == 0, p.stderr
        out = p.stdout
        assert out.startswith("用法：") and "选项" in out, out
        for english in ("usage:", "options:", "optional arguments", "positional arguments", "show this help"):
            assert english not in out, (args, english)


def test_cli_package_refuses_what_is_unfinished_unless_told(tmp_path):
    """Table errors and the reports' 【请填写】 are listed, one line each (the first 20, then the
    count), and nothing is written; --allow-unfinished writes the package all the same."""
    from core.form import dump
    from tests.test_package import run
    files = []
    for i, f in enumerate(sample_unit()):
        files.append(str(tmp_path / f"f{i}.json"))
        dump(f, files[-1])
    out = tmp_path / "out"
    p = run("package", "-o", str(out), *files)
    assert p.returncode == 2 and not out.exists()
    lines = p.stderr.strip().splitlines()
    n = int(re.search(r"还有 (\d+) 处", lines[-1]).group(1))
    assert len(lines) == min(n, 20) + 1 and "--allow-unfinished" in lines[-1]
    assert any(line.startswith("单位自评报告 ") and "【请填写：" in line for line in lines[:20])
    assert all("Traceback" not in line for line in lines)
    p = run("package", "-o", str(out), "--allow-unfinished", *files)
    assert p.returncode == 0, p.stderr
    assert any(out.iterdir())


def test_unfinished_lists_table_errors_and_report_blanks_in_order():
    from core.package import Entry, make_package, unfinished
    forms = sample_unit()
    pkg = make_package([Entry(f, i) for i, f in enumerate(forms)])
    left = unfinished(pkg)
    errors = [line for line in left if "绩效自评表：" in line]
    blanks = [line for line in left if "【请填写：" in line]
    assert errors and blanks and len(errors) + len(blanks) == len(left)
    assert left.index(errors[-1]) < left.index(blanks[0])          # the tables first
    assert any("单位自评报告 七、" in b or "单位自评报告 六、" in b for b in blanks)
    # what the clerk wrote is no longer a blank
    edits = {"other": "已按要求应用评价结果。"}
    pkg2 = make_package([Entry(f, i) for i, f in enumerate(forms)], unit_edits=edits)
    assert len(unfinished(pkg2)) < len(left)
