"""The store's schema and the plain helpers shared by its parts: the migrations, the list's
columns, how a form and its summary become a row.  Below every other module of the room, so that
none of them needs the Store class to reach these names."""
from __future__ import annotations

import json
import unicodedata

from sqlite_utils import Database, Migrations

from core.store.errors import APPLICATION_ID

# Seconds a write waits for another connection's write to finish before giving up with a
# StoreError (module-level so tests can shorten it).
BUSY_TIMEOUT = 5.0

SUMMARY_KEYS = ("year", "unit", "name", "template", "total", "grade")


# SQL for the same conversion, done inside SQLite when listing many rows.
_LOCAL_ISO_SQL = "strftime('%Y-%m-%dT%H:%M:%S', {col}, 'localtime')"
LIST_KEYS = ("id", "year", "unit", "name", "template", "total", "grade", "modified", "deleted_at")
LIST_COLUMNS = ("id, year, unit, name, template, total, grade, "
                 + _LOCAL_ISO_SQL.format(col="forms.modified") + " AS modified, "
                 + _LOCAL_ISO_SQL.format(col="forms.deleted_at") + " AS deleted_at")


# ---------------------------------------------------------------------------------------------
# Schema. Migrations are applied in order and never edited once released: add new ones at the end.

MIGRATIONS = Migrations("ziping")


@MIGRATIONS(name="m001_tables")
def _m001_tables(db: Database) -> None:
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute(
        """
        CREATE TABLE forms (
            id INTEGER PRIMARY KEY,
            year INTEGER,
            unit TEXT NOT NULL DEFAULT '',
            name TEXT NOT NULL DEFAULT '',
            template TEXT NOT NULL DEFAULT '',
            total TEXT,
            grade TEXT,
            search_key TEXT NOT NULL DEFAULT '',
            created TEXT NOT NULL,
            modified TEXT NOT NULL,
            deleted_at TEXT,
            data TEXT NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE history (
            id INTEGER PRIMARY KEY,
            form_id INTEGER NOT NULL REFERENCES forms(id) ON DELETE CASCADE,
            at TEXT NOT NULL,
            path TEXT,
            old TEXT,
            new TEXT,
            extra TEXT
        )
        """
    )
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    db.execute("PRAGMA user_version = 1")


@MIGRATIONS(name="m002_indexes")
def _m002_indexes(db: Database) -> None:
    # Covering index for list_forms(): the list is read from the index alone, never from the
    # table rows that carry the form JSON.
    db.execute(
        "CREATE INDEX forms_list ON forms "
        "(deleted_at, modified, id, year, unit, name, template, total, grade, search_key)"
    )
    db.execute("CREATE INDEX history_form ON history (form_id, id)")
    db.execute("PRAGMA user_version = 2")


SCHEMA_VERSION = len(MIGRATIONS._migrations)
OUR_TABLES = {"forms", "history", "meta", Migrations.migrations_table}


# ---------------------------------------------------------------------------------------------
# Helpers

def dump_form(form: dict) -> str:
    if not isinstance(form, dict):
        raise TypeError(f"form must be a dict, not {type(form).__name__}")
    text = json.dumps(form, ensure_ascii=False, allow_nan=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate (e.g. pasted from a broken clipboard) cannot be stored as UTF-8;
        # the escaped form reads back to the very same string.
        text = json.dumps(form, ensure_ascii=True, allow_nan=False)
    return text


def search_key(text: str) -> str:
    # NFKC folds full-width letters and digits; casefold does the rest of case-insensitivity.
    return unicodedata.normalize("NFKC", text).casefold()


def summary_row(summary: dict) -> dict:
    if not isinstance(summary, dict):
        raise TypeError(f"summary must be a dict, not {type(summary).__name__}")
    unknown = set(summary) - set(SUMMARY_KEYS)
    if unknown:
        raise ValueError(f"unknown summary keys: {sorted(unknown)}")
    year = summary.get("year")
    if isinstance(year, bool) or not (year is None or isinstance(year, int)):
        if isinstance(year, str) and year.strip().isdigit():
            year = int(year.strip())
        else:
            raise ValueError(f"summary year must be an int or None, not {year!r}")
    row = {"year": year}
    for key in ("unit", "name", "template"):
        value = summary.get(key)
        row[key] = "" if value is None else str(value)
    for key in ("total", "grade"):
        value = summary.get(key)
        row[key] = None if value is None else str(value)
    row["search_key"] = search_key(row["unit"] + "\n" + row["name"])
    return row
