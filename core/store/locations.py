"""Where a file lives, as far as it matters to a SQLite store: a folder a sync client watches
(OneDrive, WPS云盘, 坚果云, 百度网盘, 企业微信微盘, 腾讯微云, 阿里云盘, 钉盘, 飞书云盘…) or a network
path.  Plain Python, no Qt.

    sync_service(path)        # "OneDrive" / "WPS云盘" / "坚果云" / "百度网盘" / … or ""
    is_network_path(path)     # \\\\server\\share\\…, //server/…, a mapped network drive (Windows)
    location_warning(path)    # "" or the plain Chinese warning, with what to do

A store in such a place works until it does not: the sync client copies the database while its
WAL file is half written, locks it, or makes "ziping-DESKTOP-1.db" duplicates; a network share
may not support the locks SQLite needs.  The check is by the usual folder names of each client
and by the environment variables OneDrive sets (OneDrive, OneDriveCommercial, OneDriveConsumer).
"""
from __future__ import annotations

import os
import sys
from pathlib import PurePath, PureWindowsPath

__all__ = ["sync_service", "is_network_path", "location_warning", "SYNC_ENV", "SYNC_FOLDERS"]

# Environment variables naming a synced root.
SYNC_ENV = {
    "OneDrive": "OneDrive",
    "OneDriveCommercial": "OneDrive",
    "OneDriveConsumer": "OneDrive",
}

# Folder names (compared case-insensitively; a name followed by " - 单位" also counts for
# OneDrive for Business: "OneDrive - 长沙市财政局").
SYNC_FOLDERS = {
    "onedrive": "OneDrive",
    "wpsdrive": "WPS云盘",
    "wps云盘": "WPS云盘",
    "wps cloud files": "WPS云盘",
    "nutstore": "坚果云",
    "我的坚果云": "坚果云",
    "坚果云": "坚果云",
    "baidunetdiskworkspace": "百度网盘",
    "baidusyncdisk": "百度网盘",
    "百度网盘同步空间": "百度网盘",
    "百度网盘": "百度网盘",
    "wedrive": "企业微信微盘",
    "企业微信微盘": "企业微信微盘",
    "微盘": "企业微信微盘",
    "wxdrive": "企业微信微盘",
    "微云同步盘": "腾讯微云",
    "微云同步": "腾讯微云",
    "weiyunsync": "腾讯微云",
    "阿里云盘": "阿里云盘",
    "aliyundrive": "阿里云盘",
    "alipan": "阿里云盘",
    "钉盘": "钉钉钉盘",
    "dingdrive": "钉钉钉盘",
    "飞书云盘": "飞书云盘",
    "larkdrive": "飞书云盘",
    "天翼云盘": "天翼云盘",
    "天翼云盘同步盘": "天翼云盘",
    "360安全云盘": "360安全云盘",
    "360云盘": "360安全云盘",
    "和彩云": "和彩云",
    "夸克网盘": "夸克网盘",
    "115同步盘": "115网盘",
    "联想filez": "联想 Filez",
    "dropbox": "Dropbox",
    "icloud drive": "iCloud",
    "iclouddrive": "iCloud",
    "google drive": "Google 云端硬盘",
}

DRIVE_REMOTE = 4      # GetDriveTypeW


def _parts(path: str) -> list[str]:
    """The components of a path written the Windows way or the POSIX way."""
    text = os.fspath(path)
    if "\\" in text or (len(text) > 1 and text[1] == ":"):
        return list(PureWindowsPath(text).parts)
    return list(PurePath(text).parts)


def _norm(path: str) -> str:
    return "/".join(p.strip("\\/").casefold() for p in _parts(path) if p.strip("\\/"))


def _inside(path: str, root: str) -> bool:
    p, r = _norm(path), _norm(root)
    return bool(r) and (p == r or p.startswith(r + "/"))


def sync_service(path, env=None) -> str:
    """The sync client whose folder holds ``path``, or ''."""
    env = os.environ if env is None else env
    text = os.fspath(path)
    for var, name in SYNC_ENV.items():
        root = env.get(var)
        if root and _inside(text, root):
            return name
    for part in _parts(text)[:-1] if len(_parts(text)) > 1 else []:
        key = part.strip("\\/").casefold()
        if key in SYNC_FOLDERS:
            return SYNC_FOLDERS[key]
        if key.startswith("onedrive - ") or key.startswith("onedrive-"):
            return "OneDrive"
    return ""


def _drive_type(drive: str) -> int:
    if sys.platform != "win32":
        return 0
    try:
        import ctypes
        return int(ctypes.windll.kernel32.GetDriveTypeW(drive))
    except Exception:                 # noqa: BLE001 - unknown: treat as local
        return 0


def is_network_path(path, drive_type=_drive_type) -> bool:
    """A UNC path (\\\\server\\share, //server/share, \\\\?\\UNC\\…) or, on Windows, a drive letter
    mapped to a network share."""
    text = os.fspath(path)
    if text.startswith(("\\\\?\\UNC\\", "//?/UNC/")):
        return True
    if text.startswith(("\\\\?\\", "\\\\.\\", "//?/", "//./")):
        rest = text[4:]
        return len(rest) > 1 and rest[1] != ":" and not rest.startswith("Volume")
    if text.startswith(("\\\\", "//")):
        return True
    drive = PureWindowsPath(text).drive
    if len(drive) == 2 and drive[1] == ":":
        return drive_type(drive + "\\") == DRIVE_REMOTE
    return False


def location_warning(path, env=None, drive_type=_drive_type) -> str:
    """The warning for a store at ``path`` ('' when the place is fine)."""
    text = os.fspath(path)
    folder = str(PureWindowsPath(text).parent) if "\\" in text else str(PurePath(text).parent)
    if is_network_path(text, drive_type):
        return (f"表单库在网络位置上：\n{folder}\n\n"
                "网络共享文件夹可能不支持数据库需要的文件锁，网络一断或两台电脑同时打开，"
                "填写的内容可能丢失或损坏。\n\n"
                "建议：把表单库放在本机硬盘上（默认位置即可），需要交给别人时用“导出”或"
                "“另存为表单文件”，或者用“批量导出”后再复制到共享文件夹。")
    service = sync_service(text, env)
    if service:
        return (f"表单库在 {service} 的同步文件夹中：\n{folder}\n\n"
                f"{service} 在程序写入时同步数据库文件，可能把它锁住、只同步了一半，"
                "或者生成“冲突副本”，填写的内容可能丢失。\n\n"
                f"建议：把表单库放在不同步的本机文件夹（默认位置即可），或在 {service} 中把这个文件夹设为"
                "“不同步”；要在别的电脑上用，请“导出”或“另存为表单文件”后再放进同步文件夹。"
                "程序每天的自动备份在表单库旁的 backups 文件夹中。")
    return ""
