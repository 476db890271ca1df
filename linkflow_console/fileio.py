"""Writing the user's files: atomically, durably, and keeping what the file already was.

A state file may be shared by a group (mode 0660) or be a symlink into a synced directory: a
write keeps its mode and owner (where the OS lets us) and goes to the file the link names, so
the link stays a link. The lock and the audit log follow the real file too, so two paths to
one file share one lock.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from linkflow_console.errors import UserError


def real_path(path: Path | str) -> Path:
    """The file `path` names after following symlinks (also a dangling one, to its target)."""
    return Path(os.path.realpath(path))


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write(path: Path | str, text: str) -> Path:
    """Write `text` to the file `path` names: temp file beside the real file, same mode and
    owner, fsync, os.replace, fsync the directory. Returns the real path written."""
    target = real_path(path)
    try:
        before = target.stat()
    except FileNotFoundError:
        before = None
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            if before is not None:
                _keep_owner(handle.fileno(), before)
                os.fchmod(handle.fileno(), before.st_mode & 0o7777)
            else:
                os.fchmod(handle.fileno(), _new_file_mode())
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(target.parent, os.O_DIRECTORY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return target


def _keep_owner(fd: int, before: os.stat_result) -> None:
    if (before.st_uid, before.st_gid) == (os.geteuid(), os.getegid()):
        return
    try:
        os.fchown(fd, before.st_uid, before.st_gid)
    except PermissionError:
        try:  # not root: the group can still be kept when we are a member of it
            os.fchown(fd, -1, before.st_gid)
        except PermissionError:
            pass


_FIXES = {
    errno.ENOSPC: "free some disk space (nothing was changed), then run the command again",
    errno.EDQUOT: "your disk quota is full: free some space, then run the command again",
    errno.EROFS: "the file system is read-only: choose a path on a writable one",
    errno.EACCES: "check the permissions of the file and its directory, or choose another path",
    errno.EPERM: "check the permissions of the file and its directory, or choose another path",
    errno.EISDIR: "the path is a directory: name a file inside it instead",
    errno.ENOTDIR: "a part of the path is a file, not a directory: fix the path",
    errno.EEXIST: "a part of the path is a file, not a directory: fix the path",
    errno.ENOENT: "the directory does not exist: create it first or fix the path",
    errno.ENAMETOOLONG: "the path is too long: choose a shorter name",
    errno.ELOOP: "the path is a loop of symlinks: fix the link",
    errno.ENXIO: "the path is not a regular file: choose a regular file",
}
USER_ERRNOS = frozenset(_FIXES)


def os_user_error(exc: OSError, doing: str, path: Path | str | None = None, fix: str | None = None) -> UserError:
    """An OSError a user can cause (permissions, a full disk, a file where a directory should
    be) as a UserError: exit 2, the path, and what to do."""
    where = path if path is not None else exc.filename
    reason = exc.strerror or str(exc)
    return UserError(f"cannot {doing}: {reason}", path=where, fix=fix or _FIXES.get(exc.errno, "check the path and try again"))


def write_text(path: Path | str, text: str, what: str = "the file") -> None:
    """A plain write of an output file (an export, a report), each OS error as a UserError."""
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise os_user_error(exc, f"write {what}", path) from None


def check_output_path(path: Path | str, flag: str = "-o") -> None:
    """Refuse an output path that cannot be written before any work is done (a sweep, a write
    to the state): a directory, a missing or non-directory parent, no write permission."""
    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise UserError("the output path is a directory", path=target, fix=f"name a file inside it with {flag}, e.g. {flag} {target / 'report.txt'}")
    if not parent.exists():
        raise UserError("cannot write there: the directory does not exist", path=target, fix=f"create {parent} first, or choose another {flag} FILE")
    if not parent.is_dir():
        raise UserError("cannot write there: a part of the path is a file, not a directory", path=target, fix=f"choose another {flag} FILE")
    writable = os.access(target, os.W_OK) if target.exists() else os.access(parent, os.W_OK | os.X_OK)
    if not writable:
        raise UserError("cannot write there: permission denied", path=target, fix=f"check the permissions, or choose another {flag} FILE")
