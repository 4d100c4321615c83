"""Export file names (DOMAIN §6): ``{年度}_{单位}_{项目名称}_绩效自评表.xlsx`` / ``.pdf``."""
from __future__ import annotations

import re
import unicodedata

SUFFIX = "绩效自评表"
MAX_STEM = 120                      # characters before the extension; Windows paths end at 260
_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


def safe_filename(text: str) -> str:
    """Replace what Windows forbids in a file name (and control characters) with '_'."""
    text = "".join("_" if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text)
    text = _FORBIDDEN.sub("_", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text.rstrip(". ")         # Windows drops trailing dots and spaces


def _doc_name(form, template: dict) -> str:
    field = template.get("name_field")
    if field:
        name = str(form.header.get(field) or "").strip()
        if name:
            return name
    if template.get("kind") == "dept":
        return "部门整体"
    title = re.sub(r"\{[^}]*\}", "", template.get("title") or "")
    title = re.sub(r"^\s*年度?", "", title).strip()
    title = re.sub(r"(绩效)?自评表$", "", title).strip()
    return title


def export_names(form) -> tuple[str, str]:
    """The default file names for a form's workbook and PDF."""
    from core.form import get_template

    template = get_template(form.template_id)
    unit_field = template.get("unit_field")
    unit = str(form.header.get(unit_field) or "").strip() if unit_field else ""
    parts = [str(form.year) if form.year else "", unit, _doc_name(form, template)]
    parts = [safe_filename(p) for p in parts]
    parts = [p for p in parts if p]
    stem = "_".join(parts)
    room = MAX_STEM - len(SUFFIX) - 1
    if len(stem) > room:
        stem = stem[:room].rstrip("_ .")
    stem = f"{stem}_{SUFFIX}" if stem else SUFFIX
    return stem + ".xlsx", stem + ".pdf"


# ---------------------------------------------------------------- full path length (Windows)

MAX_PATH = 260          # Windows: drive to extension plus the ending NUL, so 259 characters
EXCEL_MAX_PATH = 218    # Excel cannot open a workbook whose full path is longer than this
MIN_STEM = 12           # a shorter name would no longer say what the file is
TEMP_EXTRA = 14         # core.files.atomic writes ".{stem}.XXXXXXXX{suffix}.tmp" beside the file first


def path_units(text: str) -> int:
    """Length as Windows counts it (UTF-16 code units: a rare character outside the BMP is 2)."""
    return len(text.encode("utf-16-le")) // 2


def _limit(suffix: str) -> int:
    """The longest full path a file may have: what Excel opens, else what Windows writes (the
    temp file of the atomic write, a little longer, must fit too)."""
    if suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        return EXCEL_MAX_PATH
    return MAX_PATH - 1 - TEMP_EXTRA


def full_path(path) -> str:
    import os
    return os.path.abspath(os.fspath(path))


def path_problem(path) -> str:
    """'' when the full path fits; else one plain line saying what is too long and what to do."""
    from pathlib import PurePath
    text = full_path(path)
    suffix = PurePath(text).suffix
    limit = _limit(suffix)
    n = path_units(text)
    if n <= limit:
        return ""
    what = "Excel 能打开的文件路径最长 218 个字符" if limit == EXCEL_MAX_PATH else \
        "Windows 的文件路径最长 259 个字符，写入时还要留出临时文件名的位置"
    return (f"文件的完整路径有 {n} 个字符，太长了（{what}）。"
            "请选一个层级浅一些的文件夹（例如“文档”或“桌面”），或把文件名改短。")


def fit_stem(folder, stem: str, suffixes=(".xlsx", ".pdf"), reserve: int = 0) -> str | None:
    """The stem, shortened (keeping the trailing _绩效自评表) so that ``folder/stem+suffix`` fits
    for every suffix with ``reserve`` characters to spare (for "(2)"); None when even a short
    name cannot fit, i.e. the folder path itself is too long."""
    base = path_units(full_path(folder).rstrip("\\/")) + 1
    room = min(_limit(s) - base - path_units(s) for s in suffixes) - reserve
    if path_units(stem) <= room:
        return stem
    if room < MIN_STEM:
        return None
    tail = f"_{SUFFIX}" if stem.endswith(f"_{SUFFIX}") else ""
    head = stem[: len(stem) - len(tail)]
    while head and path_units(head) + path_units(tail) + 1 > room:      # +1 for the "…" below
        head = head[:-1]
    head = head.rstrip("_ .")
    return f"{head}…{tail}"


def folder_too_long(folder) -> str:
    return (f"导出文件夹的路径太长（{path_units(full_path(folder))} 个字符），放不下文件名："
            f"{full_path(folder)}\n请选一个层级浅一些的文件夹（例如“文档”或“桌面”）。"
            "Excel 打不开完整路径超过 218 个字符的文件。")
