"""The sample forms shipped with the program (resources/samples/).

    load_samples(store)      # first start of an empty store: add them, remember their ids
    sample_ids(store)        # the ids of the samples still in the store (the list marks them 示例)
    remove_samples(store)    # move every sample to the 回收站

Which forms are samples is kept in the store's meta ``sample_ids``.  A store filled by an older
version has no such key: its samples are recognised once (ids 1..N, by year, unit, name and
template; only when all of them are found).
"""
from __future__ import annotations

import logging
from pathlib import Path

from core.editing import form_summary
from core.files import resource
from core.form import FormError, load
from core.store import StoreError

log = logging.getLogger("ziping")

META_KEY = "sample_ids"
SAMPLE_MARK = "示例"


def _sample_forms() -> list:
    forms = []
    for path in sorted(Path(resource("samples")).glob("*.json")):
        try:
            forms.append(load(path))
        except FormError as exc:
            log.warning("sample %s skipped: %s", path.name, exc)
    return forms


def load_samples(store) -> int:
    """First start of an empty store: put the shipped sample forms into it, so a new user sees
    real forms.  Returns how many were added (0 when done before or the store has forms)."""
    if store.get_meta("samples_loaded"):
        return 0
    if store.count() or store.count(deleted=True):
        store.set_meta("samples_loaded", True)
        return 0
    ids = []
    with store.transaction():
        for form in _sample_forms():
            ids.append(store.create(form.data, form_summary(form)))
        store.set_meta(META_KEY, ids)
        store.set_meta("samples_loaded", True)
    return len(ids)


def _key(row: dict) -> tuple:
    return (row.get("year"), row.get("unit") or "", row.get("name") or "", row.get("template"))


def sample_ids(store) -> set[int]:
    """The ids of the sample forms (in the list or the 回收站)."""
    try:
        ids = store.get_meta(META_KEY)
        if ids is None:
            if not store.get_meta("samples_loaded"):
                return set()
            # An older version loaded them, in one go, as the first forms of an empty store:
            # recognised only when all of them are still there as ids 1..N, unchanged.
            known = {_key(form_summary(f)) for f in _sample_forms()}
            rows = store.list_forms() + store.list_forms(deleted=True)
            ids = [r["id"] for r in rows if r["id"] <= len(known) and _key(r) in known]
            if len(ids) != len(known):
                ids = []
            if not getattr(store, "readonly", False):
                store.set_meta(META_KEY, ids)
        return {int(i) for i in ids if isinstance(i, int)}
    except StoreError:
        log.warning("sample ids unreadable", exc_info=True)
        return set()


def remove_samples(store) -> int:
    """Move every sample still in the list to the 回收站; returns how many."""
    live = {r["id"] for r in store.list_forms()}
    n = 0
    with store.transaction():
        for fid in sorted(sample_ids(store) & live):
            store.delete(fid)
            n += 1
    return n
