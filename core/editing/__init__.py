"""Editing: what the editor does with a form, without Qt — an :class:`EditSession` (typing with
live scores, paste as TSV, undo and redo as :class:`Step` s, rows added and removed, autosave) and
the words that name a cell to a clerk (:func:`describe_path`).  Uses :mod:`core.form`,
:mod:`core.rules`, :mod:`core.layout` and :mod:`core.store`."""
from core.editing.edits import Step
from core.editing.session import EditSession, describe_path, form_summary, layout_of, parse_tsv, to_tsv

__all__ = ["Step", "EditSession", "describe_path", "form_summary", "layout_of", "parse_tsv", "to_tsv"]
