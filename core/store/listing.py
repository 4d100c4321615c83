"""The form list as a lazy sequence: a store of 100,000 forms lists in a few milliseconds.

`Store.list_view()` reads only the ids, in list order, from the covering index; `FormRows` reads
the summary of a row (unit, name, totals, times) the first time that row is looked at, a page of
rows at a time, so the window's list model costs what is on the screen, not what is in the store.
It behaves as a read-only list of dicts (len, index, slices, iteration, ==).

No Qt here.
"""
from __future__ import annotations

from collections.abc import Sequence

__all__ = ["FormRows", "StoreListing"]


class FormRows(Sequence):
    PAGE = 200

    def __init__(self, store, ids: list[int]):
        self._store = store
        self._ids = ids
        self._pages: dict[int, list[dict]] = {}
        self._where: dict[int, int] | None = None

    @property
    def ids(self) -> list[int]:
        return self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self._ids)))]
        n = len(self._ids)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(i)
        page = i // self.PAGE
        rows = self._pages.get(page)
        if rows is None:
            rows = self._store._rows_of(self._ids[page * self.PAGE:(page + 1) * self.PAGE])
            self._pages[page] = rows
        return rows[i % self.PAGE]

    def index_of_id(self, form_id: int) -> int:
        """The row of a form id, or -1 (without reading any row)."""
        if self._where is None:
            self._where = {fid: i for i, fid in enumerate(self._ids)}
        return self._where.get(form_id, -1)

    def __eq__(self, other) -> bool:
        if isinstance(other, (list, tuple, FormRows)):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    def __add__(self, other) -> list:
        return list(self) + list(other)

    def __radd__(self, other) -> list:
        return list(other) + list(self)

    def __repr__(self) -> str:
        return f"<FormRows {len(self)} forms>"


class StoreListing:
    """The lazy list of a Store (a mixin of core.store.database.Store)."""

    def list_view(self, *, year: int | None = None, search: str = "", deleted: bool = False):
        """The same rows as `list_forms`, as a lazy sequence (core.store.listing.FormRows): only the
        ids, in order, are read now (from the covering index); a row's summary is read when it is
        first looked at, a page at a time. For the window's list of 100,000 forms."""
        where, params = self._list_where(year, search, deleted)
        sql = "SELECT id FROM forms WHERE " + where + " ORDER BY forms.modified DESC, forms.id DESC"
        with self._reading() as conn:
            ids = [r[0] for r in conn.execute(sql, params)]
        return FormRows(self, ids)

    def _rows_of(self, ids: list[int]) -> list[dict]:
        """Summary rows of these forms, in this order (a form gone meanwhile: a row of blanks)."""
        from core.store.schema import LIST_COLUMNS, LIST_KEYS
        marks = ",".join("?" * len(ids))
        with self._reading() as conn:
            found = conn.execute(f"SELECT {LIST_COLUMNS} FROM forms WHERE id IN ({marks})", ids).fetchall()
        by_id = {r[0]: dict(zip(LIST_KEYS, r)) for r in found}
        blank = dict.fromkeys(LIST_KEYS, None)
        return [by_id.get(i) or dict(blank, id=i, unit="", name="", template="") for i in ids]

