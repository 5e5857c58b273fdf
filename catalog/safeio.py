"""Reading and writing files that anyone may have made: the one reader and the one writer.

Catalogs, results records, sweep state and checkpoints come from pull requests, downloads and
local folders, and the paths from the command line. Every command reads and writes them here,
so each rule holds everywhere:

- `read_bytes(path, limit)` reads a regular file only (links are followed first: a link to a
  device, a FIFO or a folder is refused before it is opened), and stops at `limit` bytes
  whatever `stat` says (a device reports size 0, a file may grow while it is read);
- `open_regular(path)` is the same check for readers that stream (checkpoint hashing);
- `write_atomic(path, data)` writes to what `path` names: through a link to the link's target
  (the link stays a link), never over a folder or a non-regular file (a device node stays a
  device node, even for root); a temp file in the target's folder is written, fsync'ed and
  renamed over the target, so a reader or a kill -9 sees the old file or the new one;
- `locked(path)` serialises read-modify-write commands (`catalog add`, `catalog fmt`, the
  sweep's bookkeeping, results files) with an exclusive `flock` on the target's folder (no lock
  file to leave behind; the folder's inode survives the rename, a file's would not).

Every refusal is an `UnsafeFile` whose message names the file and says why (CLIs print it and
exit 1, never a traceback).
"""

from __future__ import annotations

import fcntl
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

__all__ = ["UnsafeFile", "read_bytes", "read_text", "open_regular", "check_regular",
           "write_atomic", "locked", "check_writable", "MB"]

MB = 1 << 20
_CHUNK = 1 << 20


class UnsafeFile(OSError):
    """A file that is refused or failed (not regular, too large, unreadable, a write that did
    not complete); `str` names the file. An OSError, so callers that handle I/O errors
    handle it."""

    def __init__(self, path: Path | str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _why(e: OSError) -> str:
    return e.strerror or str(e)


def _stat_regular(path: Path, what: str) -> os.stat_result:
    try:
        st = os.stat(path)  # follows links: what would be read
    except FileNotFoundError:
        raise UnsafeFile(path, "no such file") from None
    except OSError as e:
        raise UnsafeFile(path, f"cannot read: {_why(e)}") from None
    if not stat.S_ISREG(st.st_mode):
        target = f" (a link to {os.path.realpath(path)})" if path.is_symlink() else ""
        raise UnsafeFile(path, f"is {_kind(st.st_mode)}{target}, not a regular file; a {what} "
                               "must be a plain file")
    return st


def check_regular(path: Path | str, what: str = "file") -> None:
    """Refuse (`UnsafeFile`) a path that is not a regular file once links are followed."""
    _stat_regular(Path(path), what)


@contextmanager
def open_regular(path: Path | str, what: str = "file") -> Iterator[BinaryIO]:
    """`path` opened for reading, once it is known to be a regular file (after links)."""
    path = Path(path)
    before = _stat_regular(path, what)
    try:
        # O_NONBLOCK: if a FIFO was swapped in after the check, opening it must not hang.
        fd = os.open(path, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise UnsafeFile(path, f"cannot read: {_why(e)}") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or (st.st_dev, st.st_ino) != (before.st_dev, before.st_ino):
        os.close(fd)
        raise UnsafeFile(path, f"changed while it was opened (now {_kind(st.st_mode)}); refusing "
                               "to read it")
    os.set_blocking(fd, True)
    with os.fdopen(fd, "rb") as f:
        yield f


def read_bytes(path: Path | str, limit: int, what: str = "file") -> bytes:
    """The bytes of the regular file `path`, refusing more than `limit` bytes of them."""
    path = Path(path)
    with open_regular(path, what) as f:
        chunks, total = [], 0
        try:
            while total <= limit:
                block = f.read(min(_CHUNK, limit + 1 - total))
                if not block:
                    break
                chunks.append(block)
                total += len(block)
        except OSError as e:
            raise UnsafeFile(path, f"cannot read: {_why(e)}") from None
    if total > limit:
        raise UnsafeFile(path, f"is larger than {_size(limit)}, the most a {what} may be; "
                               "refusing to read it")
    return b"".join(chunks)


def read_text(path: Path | str, limit: int, what: str = "file") -> str:
    """`read_bytes` decoded as UTF-8 (a leading byte-order mark dropped)."""
    data = read_bytes(path, limit, what)
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as e:
        raise UnsafeFile(path, f"is not UTF-8 text (byte offset {e.start:,})") from None


def _size(n: int) -> str:
    return f"{n / MB:,.0f} MB" if n >= MB else f"{n:,} bytes"


def _target(path: Path) -> Path:
    """What writing to `path` must change: the final target of a link, else `path` itself."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def check_writable(path: Path | str) -> Path:
    """The file that writing `path` would replace, refusing a folder or a non-regular file
    (before any work is done for it). Raises `UnsafeFile`."""
    path = Path(path)
    target = _target(path)
    try:
        st = os.stat(target)
    except FileNotFoundError:
        if not target.parent.is_dir():
            if target.parent.exists():
                raise UnsafeFile(path, f"cannot write: {target.parent} is not a folder") from None
        return target
    except OSError as e:
        raise UnsafeFile(path, f"cannot write: {_why(e)}") from None
    if not stat.S_ISREG(st.st_mode):
        via = f" (through the link to {target})" if target != path else ""
        hint = "; give a file name" if stat.S_ISDIR(st.st_mode) else "; it is left as it is"
        raise UnsafeFile(path, f"is {_kind(st.st_mode)}{via}, not a regular file: refusing to "
                               f"write over it{hint}")
    return target


def write_atomic(path: Path | str, data: str | bytes) -> None:
    """Write `data` (text as UTF-8) to the file `path` names, atomically and durably.

    Through a link, the link's target is written (the link is kept). A folder or non-regular
    target is refused (`UnsafeFile`). The temp file is fsync'ed before the rename and the
    folder after it; the target's permission bits are kept (new files get the umask's).
    """
    target = check_writable(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        mode = stat.S_IMODE(os.stat(target).st_mode) if target.exists() else 0o666 & ~_umask()
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as e:
        raise UnsafeFile(path, f"cannot write: {_why(e)}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise UnsafeFile(path, f"cannot write: {_why(e)}") from None
        raise
    try:
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:  # some filesystems cannot fsync a folder; the file itself is safe
        pass


@contextmanager
def locked(path: Path | str) -> Iterator[Path]:
    """Hold an exclusive lock for a read-modify-write of `path` (or of the folder `path`);
    yields the file to read and write (a link's target). Blocks until the lock is free."""
    path = Path(path)
    target = _target(path)
    folder = target if target.is_dir() else target.parent
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as e:
        raise UnsafeFile(path, f"cannot lock its folder: {_why(e)}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield target
    finally:
        os.close(fd)  # closing releases the lock


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
