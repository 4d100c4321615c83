"""导出报送材料 (core/package/) and `main.py package`."""
from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from core.form import dump
from core.package.bundle import Entry, make_package, package_name, problems, write_package
from core.package import form_key, save_text, unit_key
from core.editing import form_summary
from core.store import Store
from tests.helpers import ROOT, UNIT, sample, sample_unit
from tests.test_cli import ENV

NAME = f"2022_{UNIT}_绩效自评材料"
EXPECTED = {
    f"2022_{UNIT}_绩效自评汇总表.xlsx", f"2022_{UNIT}_绩效自评汇总表.pdf",
    f"2022_{UNIT}_绩效自评报告.docx", f"2022_{UNIT}_绩效自评报告.pdf",
} | {f"2022_{UNIT}_{n}_{kind}" for n in ("社会治安综合治理专项经费", "综治、平安建设经费", "四型平安小区以奖代拨经费")
     for kind in ("绩效自评表.xlsx", "绩效自评表.pdf", "绩效自评报告.docx", "绩效自评报告.pdf")}


def run(*args):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          encoding="utf-8", env=ENV, cwd=ROOT, timeout=120)


def _store_with_unit(path) -> tuple[Store, list[int]]:
    store = Store(path)
    ids = [store.create(f.data, form_summary(f)) for f in sample_unit()]
    other = sample("seed004-wangcheng-2020-dept.json")
    store.create(other.data, form_summary(other))
    return store, ids


def test_package_folder_holds_every_file(tmp_path):
    pkg = make_package([Entry(f, i) for i, f in enumerate(sample_unit())])
    assert pkg.name == NAME == package_name(2022, UNIT)
    path = write_package(pkg, tmp_path)
    assert path == tmp_path / NAME and path.is_dir()
    assert {p.name for p in path.iterdir()} == EXPECTED
    assert [p.name for p in tmp_path.iterdir()] == [NAME]          # no temp folder left behind
    from docx import Document
    doc = Document(str(path / f"2022_{UNIT}_绩效自评报告.docx"))
    assert doc.paragraphs[0].text == f"2022年度{UNIT}\n绩效自评报告"            # the title on two lines


def test_package_zip(tmp_path):
    pkg = make_package([Entry(f) for f in sample_unit()])
    path = write_package(pkg, tmp_path, as_zip=True)
    assert path.name == NAME + ".zip"
    with zipfile.ZipFile(path) as zf:
        assert {n.split("/", 1)[1] for n in zf.namelist()} == EXPECTED
        assert {n.split("/", 1)[0] for n in zf.namelist()} == {NAME}
    assert [p.name for p in tmp_path.iterdir()] == [NAME + ".zip"]


def test_a_failed_package_leaves_the_old_one(tmp_path, monkeypatch):
    pkg = make_package([Entry(f) for f in sample_unit()])
    first = write_package(pkg, tmp_path)
    (first / "我的备注.txt").write_text("旧的", encoding="utf-8")

    def broken(report, path):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr("core.package.report_pdf.write_report_pdf", broken)
    from core.files import WriteError
    with pytest.raises(WriteError):
        write_package(make_package([Entry(f) for f in sample_unit()]), tmp_path)
    assert (first / "我的备注.txt").read_text(encoding="utf-8") == "旧的"
    assert [p.name for p in tmp_path.iterdir()] == [NAME]
    monkeypatch.undo()
    write_package(make_package([Entry(f) for f in sample_unit()]), tmp_path)   # replaces the old one
    assert {p.name for p in first.iterdir()} == EXPECTED


def test_problems_lists_only_forms_with_errors():
    entries = [Entry(f, i) for i, f in enumerate(sample_unit())]
    found = problems(entries)
    assert [(t, ref) for t, ref, _ in found] == [("综治、平安建设经费", 1), ("四型平安小区以奖代拨经费", 2)]
    assert all(f.level == "error" for _, _, fs in found for f in fs)
    assert any("30.64" in f.message for f in found[0][2])


def test_cli_package_from_store_with_clerk_texts(tmp_path):
    store, ids = _store_with_unit(tmp_path / "s.db")
    save_text(store, unit_key(2022, UNIT), "org", "本单位成立了绩效自评工作小组。")
    save_text(store, form_key(ids[0]), "other", "无")
    store.close()
    out = tmp_path / "out"
    out.mkdir()
    p = run("package", "-o", str(out), "--db", str(tmp_path / "s.db"), "--year", "2022", "--unit", UNIT,
            "--allow-unfinished")
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == str(out / NAME)
    assert "综治、平安建设经费" in p.stderr and "错误" in p.stderr           # the errors are listed
    assert {x.name for x in (out / NAME).iterdir()} == EXPECTED         # the other unit's form is not in
    from docx import Document
    text = "\n".join(x.text for x in Document(str(out / NAME / f"2022_{UNIT}_绩效自评报告.docx")).paragraphs)
    assert "本单位成立了绩效自评工作小组。" in text
    text = "\n".join(x.text for x in Document(
        str(out / NAME / f"2022_{UNIT}_社会治安综合治理专项经费_绩效自评报告.docx")).paragraphs)
    assert "七、其他需要说明的问题\n无" in text


def test_cli_package_from_files_zip(tmp_path):
    files = []
    for i, f in enumerate(sample_unit()):
        files.append(str(tmp_path / f"f{i}.json"))
        dump(f, files[-1])
    p = run("package", "-o", str(tmp_path), "--zip", "--allow-unfinished", *files)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / (NAME + ".zip")).is_file()


def test_cli_package_refuses_mixed_units_and_empty_store(tmp_path):
    a = tmp_path / "a.json"
    dump(sample_unit()[0], a)
    b = tmp_path / "b.json"
    dump(sample("seed004-wangcheng-2020-dept.json"), b)
    p = run("package", "-o", str(tmp_path), str(a), str(b))
    assert p.returncode == 2 and "不属于同一单位和年度" in p.stderr and "Traceback" not in p.stderr
    store, _ = _store_with_unit(tmp_path / "s.db")
    store.close()
    p = run("package", "-o", str(tmp_path), "--db", str(tmp_path / "s.db"), "--year", "2021", "--unit", UNIT)
    assert p.returncode == 2 and "没有" in p.stderr
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    p = run("package", "-o", str(tmp_path / "a-file" / "below"), "--allow-unfinished", str(a))   # no folder there
    assert p.returncode == 2 and "无法新建文件夹" in p.stderr and "\n" not in p.stderr.strip()


def test_cli_package_missing_glyphs(tmp_path):
    f = sample_unit()[0]
    f.header["项目名称"] = "社会治安综合治理专项经费\U000f0000"        # a private-use character no font has
    dump(f, tmp_path / "a.json")
    out = tmp_path / "out"
    out.mkdir()
    p = run("package", "-o", str(out), "--allow-unfinished", str(tmp_path / "a.json"))
    assert p.returncode == 2 and "--allow-missing-glyphs" in p.stderr and list(out.iterdir()) == []
    p = run("package", "-o", str(out), "--allow-missing-glyphs", "--allow-unfinished", str(tmp_path / "a.json"))
    assert p.returncode == 0, p.stderr


def test_missing_glyphs_of_the_clerks_report_texts_are_found():
    from core.package import check_glyphs
    pkg = make_package([Entry(f, i, {"org": "好\U000f0001"}) for i, f in enumerate(sample_unit()[:1])],
                       unit_edits={"other": "\U000f0002"})
    assert check_glyphs(pkg) == [("社会治安综合治理专项经费", "\U000f0001"), ("单位自评报告", "\U000f0002")]


def test_a_killed_package_leaves_a_hidden_folder_that_the_next_one_removes(tmp_path):
    import os
    import time
    stale = tmp_path / ".package.abcd1234.tmp"
    (stale / NAME).mkdir(parents=True)
    (stale / NAME / "half.pdf").write_bytes(b"%PDF-1.4 half")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    fresh = tmp_path / ".package.efgh5678.tmp"          # another package being written right now
    fresh.mkdir()
    write_package(make_package([Entry(f) for f in sample_unit()]), tmp_path)
    assert not stale.exists() and fresh.exists()
    assert {p.name for p in tmp_path.iterdir()} == {NAME, fresh.name}


def test_report_texts_of_a_form_file_are_used_under_the_stores(tmp_path):
    from core.package import unit_entries_from_store
    f = sample_unit()[0]
    f.data["report"] = {"org": "随表单文件带来的文字", "other": "无"}
    with Store(tmp_path / "s.db") as store:
        fid = store.create(f.data, form_summary(f))
        save_text(store, form_key(fid), "other", "库中改过的文字")
        (entry,) = unit_entries_from_store(store, 2022, UNIT)
    assert entry.edits == {"org": "随表单文件带来的文字", "other": "库中改过的文字"}
