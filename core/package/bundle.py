"""The submission package of a unit's year (PACKAGE.md, issue 13): one folder — or one .zip —
named ``{年度}_{单位}_绩效自评材料`` holding every table (xlsx + pdf), the 汇总表 (xlsx + pdf),
the unit's 自评报告 and each project's 自评报告 (docx + pdf).

Atomic like the other exports: everything is written into a hidden temp folder beside the
target, then renamed into place (a .zip is written to a temp file, then replaces the target);
a failure leaves any earlier package untouched and no half-written one behind.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from core.export import export_names, safe_filename
from core.files import WriteError, atomic_write_with, explain, fsync_dir, os_reason, retrying
from core.form import Form, validate
from core.package.report import build_report, build_unit_report
from core.package.summary import evaluate, name_of, summarize
from core.rules import Scores

PACKAGE_SUFFIX = "绩效自评材料"
SUMMARY_SUFFIX = "绩效自评汇总表"
REPORT_SUFFIX = "绩效自评报告"


@dataclass
class Entry:
    """One form of the package: the form, its scores, the clerk's report texts, and a reference
    the caller uses to open it again (the store id, or the file path)."""
    form: Form
    ref: object = None
    edits: dict | None = None
    scores: Scores | None = None

    def __post_init__(self):
        if self.scores is None:
            self.scores = evaluate(self.form)

    @property
    def title(self) -> str:
        return name_of(self.form, self.scores.template)

    @property
    def errors(self) -> list:
        return [f for f in self.scores.findings if f.level == "error"]


@dataclass
class Package:
    year: int | None
    unit: str
    entries: list
    unit_edits: dict | None = None
    files: list = field(default_factory=list)      # names written, in order

    @property
    def name(self) -> str:
        return package_name(self.year, self.unit)


def package_name(year, unit: str) -> str:
    parts = [safe_filename(str(year)) if year else "", safe_filename(unit or "")]
    return "_".join(p for p in parts if p) + ("_" if any(parts) else "") + PACKAGE_SUFFIX


def unit_stem(year, unit: str, suffix: str) -> str:
    parts = [safe_filename(str(year)) if year else "", safe_filename(unit or ""), suffix]
    return "_".join(p for p in parts if p)


def report_stem(form: Form) -> str:
    """``{年度}_{单位}_{项目名称}_绩效自评报告`` from the table's own export name."""
    xlsx, _pdf = export_names(form)
    stem = xlsx[: -len(".xlsx")]
    if stem.endswith("绩效自评表"):
        stem = stem[: -len("绩效自评表")] + REPORT_SUFFIX
    return stem


def problems(entries) -> list[tuple[str, object, list]]:
    """(form title, ref, error findings) of every form with errors (INTERFACES 4)."""
    return [(e.title, e.ref, e.errors) for e in entries if e.errors]


@dataclass
class Blank:
    """A marked blank 【请填写：…】 left in a report: which report (``ref`` None for the unit's, else
    the form's entry ref), which section, and the blank itself."""
    report: str                     # 单位自评报告 / “项目名称”自评报告
    ref: object
    section_key: str
    section_title: str              # 七、其他需要说明的问题
    blank: str

    def line(self) -> str:
        return f"{self.report} {self.section_title}：{self.blank}"


def report_blanks(pkg: "Package") -> list[Blank]:
    """Every marked blank of the package's reports, the unit's first, once per section."""
    from core.package.report_docx import BLANK_RE
    reports = [("单位自评报告", None, build_unit_report([x.form for x in pkg.entries], pkg.unit_edits, year=pkg.year,
                                                   unit=pkg.unit, scores=[x.scores for x in pkg.entries]))]
    reports += [(f"“{e.title}”自评报告", e.ref, build_report(e.form, e.edits, e.scores)) for e in pkg.entries]
    out = []
    for label, ref, report in reports:
        for section in report.sections:
            for blank in dict.fromkeys(BLANK_RE.findall(section.all_text())):
                out.append(Blank(label, ref, section.key, section.title, blank))
    return out


def unfinished(pkg: "Package") -> list[str]:
    """One plain line for each thing left to finish before the package goes out: every table
    error (“某项目”绩效自评表：…) and every marked blank of the reports
    (单位自评报告 七、其他需要说明的问题：【请填写：结果应用情况】), in the package's order."""
    lines = []
    for e in pkg.entries:
        lines += [f"“{e.title}”绩效自评表：{f.message}" for f in e.errors]
    return lines + [b.line() for b in report_blanks(pkg)]


# ---------------------------------------------------------------- collecting the forms

def unit_entries_from_store(store, year: int, unit: str) -> list[Entry]:
    """The forms of a unit's year in the store (not in the 回收站), oldest first, with the clerk's
    report texts."""
    from core.form import template_ids
    from core.package.report_texts import form_key, load_texts

    known = set(template_ids())
    rows = [r for r in store.list_forms(year=year) if (r.get("unit") or "").strip() == unit.strip()]
    rows.sort(key=lambda r: r["id"])
    out = []
    for r in rows:
        form = validate(store.get(r["id"]), known)
        own = form.data.get("report")          # texts that came with a form file
        edits = {k: v for k, v in own.items() if isinstance(v, str)} if isinstance(own, dict) else {}
        edits.update(load_texts(store, form_key(r["id"])))
        out.append(Entry(form, r["id"], edits))
    return out


def units_in_store(store) -> dict[int, list[str]]:
    """{year: [unit, …]} of the forms in the store, newest year first."""
    out: dict[int, list[str]] = {}
    for r in store.list_forms():
        if r.get("year") and (r.get("unit") or "").strip():
            units = out.setdefault(r["year"], [])
            if r["unit"].strip() not in units:
                units.append(r["unit"].strip())
    return {y: sorted(out[y]) for y in sorted(out, reverse=True)}


def make_package(entries, year: int | None = None, unit: str | None = None,
                 unit_edits: dict | None = None) -> Package:
    entries = list(entries)
    if year is None:
        years = {e.form.year for e in entries if e.form.year}
        year = years.pop() if len(years) == 1 else None
    if unit is None:
        unit = summarize([e.form for e in entries], scores=[e.scores for e in entries]).unit
    return Package(year, unit or "", entries, unit_edits)


# ---------------------------------------------------------------- writing

def plan(pkg: Package) -> list[tuple[str, str, object]]:
    """What the package holds: (file name, kind, subject), kind in
    table / summary / unit-report / report."""
    out: list[tuple[str, str, object]] = []
    used: set[str] = set()

    def unique(stem: str) -> str:
        s, k = stem, 2
        while s.casefold() in used:
            s, k = f"{stem}（{k}）", k + 1
        used.add(s.casefold())
        return s

    stem = unit_stem(pkg.year, pkg.unit, SUMMARY_SUFFIX)
    out.append((unique(stem), "summary", None))
    out.append((unique(unit_stem(pkg.year, pkg.unit, REPORT_SUFFIX)), "unit-report", None))
    for e in pkg.entries:
        out.append((unique(export_names(e.form)[0][: -len(".xlsx")]), "table", e))
    for e in pkg.entries:
        out.append((unique(report_stem(e.form)), "report", e))
    return out


def _write_new(path: Path, writer, durable: bool) -> None:
    """Write a new file of the package's temp folder: no temp file and rename of its own (the
    folder is renamed into place as a whole); flushed to disk when ``durable``."""
    try:
        writer(path)
        if durable:
            with open(path, "rb+") as fh:
                os.fsync(fh.fileno())
    except OSError as e:
        if isinstance(e, WriteError):
            raise
        raise WriteError(explain(e, path)) from None


def write_files(pkg: Package, folder: Path, progress=None, allow_missing: bool = True,
                durable: bool = True) -> list[str]:
    """Write every file of the package into ``folder`` (a new, empty folder); returns the names.
    ``durable=False`` skips flushing the 汇总表 and reports to disk (the members of a .zip)."""
    from core.export import export_form
    from core.package.report_docx import write_report_docx
    from core.package.report_pdf import write_report_pdf
    from core.package.summary_pdf import write_summary_pdf
    from core.package.summary_xlsx import write_summary_xlsx

    items = plan(pkg)
    summary = summarize([e.form for e in pkg.entries], pkg.year, pkg.unit, [e.scores for e in pkg.entries])

    def write(item) -> list[str]:
        stem, kind, e = item
        if kind == "table":
            export_form(e.form, xlsx=folder / f"{stem}.xlsx", pdf=folder / f"{stem}.pdf", allow_missing=allow_missing)
            return [f"{stem}.xlsx", f"{stem}.pdf"]
        if kind == "summary":
            writers = ((".xlsx", lambda p: write_summary_xlsx(summary, p)), (".pdf", lambda p: write_summary_pdf(summary, p)))
        else:
            report = (build_unit_report([x.form for x in pkg.entries], pkg.unit_edits, year=pkg.year, unit=pkg.unit,
                                        scores=[x.scores for x in pkg.entries])
                      if kind == "unit-report" else build_report(e.form, e.edits, e.scores))
            writers = ((".docx", lambda p, r=report: write_report_docx(r, p)),
                       (".pdf", lambda p, r=report: write_report_pdf(r, p)))
        for ext, writer in writers:
            _write_new(folder / f"{stem}{ext}", writer, durable)
        return [f"{stem}{ext}" for ext, _w in writers]

    results: list = []
    for i, item in enumerate(items):
        if progress:
            progress(i, len(items), item[0])
        results.append(write(item))
    if progress:
        progress(len(items), len(items), "")
    pkg.files = [name for names in results for name in names]
    return pkg.files


def check_glyphs(pkg: Package) -> list[tuple[str, str]]:
    """[(form title, characters)] the PDF font cannot draw."""
    from core.export import missing_glyphs
    from core.export import missing_in_texts as missing
    out = []
    for e in pkg.entries:
        chars = [ch for _path, ch in missing_glyphs(e.form)] + missing((e.edits or {}).values())
        if chars:
            out.append((e.title, "".join(dict.fromkeys(chars))))
    chars = missing((pkg.unit_edits or {}).values())
    if chars:
        out.append(("单位自评报告", "".join(chars)))
    return out


def write_package(pkg: Package, out_dir, *, as_zip: bool = False, progress=None,
                  allow_missing: bool = True) -> Path:
    """Write the package into ``out_dir`` as a folder (or a .zip); returns its path."""
    out_dir = Path(out_dir)
    if not pkg.entries:
        raise WriteError("没有可导出的表。")
    if out_dir.exists() and not out_dir.is_dir():
        raise WriteError(f"无法写入报送材料：“{out_dir}”是一个文件，不是文件夹。")
    too_long = path_problem_of(pkg, out_dir, as_zip)
    if too_long:
        raise WriteError(too_long)
    if not out_dir.is_dir():           # made with its parents, as an export makes its files
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise WriteError(f"无法新建文件夹“{out_dir}”：{os_reason(e)}。") from None
    target = out_dir / (pkg.name + (".zip" if as_zip else ""))
    _clean_stale_work(out_dir)
    try:
        # A short hidden name: the files inside keep their full names within Windows' 260 characters.
        work = Path(tempfile.mkdtemp(prefix=WORK_PREFIX, suffix=".tmp", dir=out_dir))
    except OSError as e:
        raise WriteError(explain(e, target)) from None
    try:
        inner = work / pkg.name
        inner.mkdir()
        write_files(pkg, inner, progress, allow_missing, durable=not as_zip)
        if as_zip:
            def write_zip(tmp):
                with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
                    for name in pkg.files:
                        zf.write(inner / name, f"{pkg.name}/{name}")
            atomic_write_with(target, write_zip)
        else:
            fsync_dir(inner)
            _replace_folder(inner, target, work)
            fsync_dir(out_dir)
    except OSError as e:
        if isinstance(e, WriteError):
            raise
        raise WriteError(explain(e, target)) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


WORK_PREFIX = ".package."
STALE_SECONDS = 600
WORK_EXTRA = len(WORK_PREFIX) + 8 + len(".tmp") + 1     # the work folder: .package.XXXXXXXX.tmp/


def path_problem_of(pkg: Package, out_dir, as_zip: bool = False) -> str:
    """'' when every file of the package fits Windows' paths where it is written — in the work
    folder first, then in place (a workbook: where Excel still opens it); else one plain line."""
    from core.export import EXCEL_MAX_PATH, MAX_PATH, full_path, path_units
    base = full_path(out_dir).rstrip("\\/")
    worst = ""
    for stem, _kind, _subject in plan(pkg):
        for suffix in (".xlsx", ".pdf", ".docx") if not as_zip else (".docx",):
            work = path_units(base) + 1 + WORK_EXTRA + path_units(pkg.name) + 1 + path_units(stem + suffix)
            final = path_units(base) + 1 + path_units(pkg.name) + 1 + path_units(stem + suffix)
            if work > MAX_PATH - 1 or (not as_zip and suffix == ".xlsx" and final > EXCEL_MAX_PATH):
                worst = worst or stem + suffix
    if as_zip and path_units(base) + 1 + path_units(pkg.name + ".zip") + 14 > MAX_PATH - 1:
        worst = worst or pkg.name + ".zip"
    if not worst:
        return ""
    return (f"报送材料的文件夹路径太长，放不下“{worst}”这样的文件名（Windows 的文件路径最长 259 个字符，"
            f"Excel 能打开的最长 218 个字符）：{base}。请选一个层级浅一些的文件夹（例如“文档”或“桌面”）。")


def _clean_stale_work(out_dir: Path) -> None:
    """Remove the temp folders of packages whose writing was killed (older than ten minutes)."""
    import time
    for p in out_dir.glob(f"{WORK_PREFIX}*.tmp"):
        try:
            if p.is_dir() and time.time() - p.stat().st_mtime > STALE_SECONDS:
                shutil.rmtree(p, ignore_errors=True)
        except OSError:
            pass


def _replace_folder(new: Path, target: Path, work: Path) -> None:
    """Move the finished folder into place; an earlier package of the same name is moved aside
    first and removed only once the new one is there."""
    old = None
    if target.exists():
        if not target.is_dir():
            raise WriteError(f"无法写入“{target.name}”：已有同名的文件。")
        old = work / "old"
        retrying(os.replace, target, old)      # a file in it briefly held by a scanner or sync
    try:
        retrying(os.replace, new, target)
    except OSError:
        if old is not None:
            retrying(os.replace, old, target)
        raise
