"""Cells an import could not read (a formula without a result), as findings.

The importer lists them in the form's ``import_notes``; each stays a finding on
its cell until the clerk fills that cell in."""
from __future__ import annotations


def run(form, s) -> None:
    notes = form.data.get("import_notes")
    if not isinstance(notes, list):
        return
    for note in notes[:1000]:
        if not isinstance(note, dict):
            continue
        where, message = note.get("where"), note.get("message")
        if not isinstance(where, str) or not isinstance(message, str):
            continue
        value = form.get(where.split("#", 1)[0])
        if value in ("", None):
            s.add("error", where, message, "import-formula")
