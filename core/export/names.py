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
    from ..templates import get_template

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
