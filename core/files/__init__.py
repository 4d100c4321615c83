"""Files: writing a file so that a crash, a full disk or a file held open by Excel/WPS never leaves
half of it (:mod:`.atomic`), and finding the data shipped with the program (:mod:`.resources`).

The room below all others: it imports no other room.  ``atomic`` itself is part of the door for the
store, which calls its functions late-bound (tests replace them to simulate a held or failing file).
"""
from core.files import atomic
from core.files.atomic import (WriteError, atomic_write_bytes, atomic_write_with, explain, fsync_dir, os_reason,
                               retrying)
from core.files.resources import (BODY_FONT, FONT_FILES, SUPPLEMENT_FONT, TITLE_FONT, font_path, font_paths,
                                  resource, resource_dir)

__all__ = ["atomic", "WriteError", "atomic_write_bytes", "atomic_write_with", "explain", "fsync_dir",
           "os_reason", "retrying", "BODY_FONT", "FONT_FILES", "SUPPLEMENT_FONT", "TITLE_FONT", "font_path",
           "font_paths", "resource", "resource_dir"]
