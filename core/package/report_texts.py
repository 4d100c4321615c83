"""Where the clerk's report texts live: in the store, beside the forms, with their history.

Each report (one per form, one per unit and year) keeps ``{section key: text}`` and
a list of its changes (newest last, the last :data:`MAX_HISTORY` kept), as one
value of the store's ``meta`` table under :func:`form_key` / :func:`unit_key`.
The texts are apart from the form, so a change of a table never touches them and
editing them never rewrites the form (which may be open in an editor).
"""
from __future__ import annotations

import datetime as _dt

MAX_HISTORY = 500


def form_key(form_id: int) -> str:
    return f"report:form:{int(form_id)}"


def unit_key(year, unit: str) -> str:
    return f"report:unit:{year or ''}:{unit or ''}"


def _value(store, key: str) -> dict:
    value = store.get_meta(key, None)
    if not isinstance(value, dict):
        value = {}
    sections = value.get("sections")
    history = value.get("history")
    return {"sections": sections if isinstance(sections, dict) else {},
            "history": history if isinstance(history, list) else []}


def load_texts(store, key: str) -> dict[str, str]:
    """The clerk's texts of a report: {section key: text} (only the sections written)."""
    return {k: v for k, v in _value(store, key)["sections"].items() if isinstance(v, str)}


def save_text(store, key: str, section: str, text: str | None) -> bool:
    """Keep one section's text (None: back to the drafted default); records the change.
    Returns False when nothing changed."""
    value = _value(store, key)
    old = value["sections"].get(section)
    if old == text:
        return False
    if text is None:
        value["sections"].pop(section, None)
    else:
        value["sections"][section] = text
    at = _dt.datetime.now().isoformat(timespec="seconds")
    value["history"].append({"at": at, "section": section, "old": old, "new": text})
    del value["history"][:-MAX_HISTORY]
    store.set_meta(key, value)
    return True


def history(store, key: str) -> list[dict]:
    """The report's recorded changes, newest first: at, section, old, new."""
    return list(reversed(_value(store, key)["history"]))
