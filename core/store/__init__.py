"""Store: where forms live — the SQLite file with its schema and history (:mod:`.database`, its
parts :mod:`.schema`, :mod:`.opening`, :mod:`.upkeep`, :mod:`.listing`), what SQLite's errors mean
(:mod:`.errors`), a file replaced or truncated under the program (:mod:`.guard`), the daily backups
(:mod:`.backups`), one writer per store (:mod:`.instance`), where the files go (:mod:`.paths`) and
the places a store should not be (:mod:`.locations`).  Stores JSON text: it needs no other room but
:mod:`core.files`."""
from core.store.backups import LAST_KEY as BACKUP_LAST_KEY
from core.store.backups import (BackupInfo, Recovered, backup_infos, daily_backup, describe_backup, is_good_backup,
                                list_backups, local_now, newest_good_backup, recover_from_backup, set_aside)
from core.store.database import READONLY_MESSAGE, Store
from core.store.errors import StoreDamaged, StoreError, StoreLost
from core.store.guard import file_identity
from core.store.instance import Lock as StoreLock
from core.store.instance import LockError, holder_info
from core.store.instance import acquire as acquire_lock
from core.store.locations import location_warning, sync_service
from core.store.paths import (PORTABLE_MARKER, app_dir, data_dir, default_backup_dir, default_store_path,
                              is_portable, portable_data_dir, settings_path)
from core.store.schema import MIGRATIONS, SCHEMA_VERSION

__all__ = ["BACKUP_LAST_KEY", "BackupInfo", "Recovered", "backup_infos", "daily_backup", "describe_backup",
           "is_good_backup", "list_backups", "local_now", "newest_good_backup", "recover_from_backup", "set_aside",
           "READONLY_MESSAGE", "Store", "StoreDamaged", "StoreError", "StoreLost", "file_identity", "StoreLock",
           "LockError", "acquire_lock", "holder_info", "location_warning", "sync_service", "PORTABLE_MARKER",
           "app_dir", "data_dir", "default_backup_dir", "default_store_path", "is_portable", "portable_data_dir",
           "settings_path", "MIGRATIONS", "SCHEMA_VERSION"]
