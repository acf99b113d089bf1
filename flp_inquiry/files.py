"""Writing a file, or a folder, so that a reader never sees half of it; a failure to write in words."""
from __future__ import annotations

import errno
import os
import re
import shutil
import signal
import socket
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from flp_inquiry.errors import OutputError

#: Reports, extracts and logs are for others to read: the usual rw-r--r-- less the user's umask.
_UMASK = os.umask(0)
os.umask(_UMASK)
FILE_MODE = 0o666 & ~_UMASK


def write_atomic(path: str | os.PathLike, content: str | bytes) -> Path:
    """Write ``content`` to ``path`` through a hidden file in the same folder, then ``os.replace``.

    The folder is created if needed; on any failure the hidden file is removed and
    an earlier ``path`` stays as it was.

    >>> folder = Path(tempfile.mkdtemp())
    >>> write_atomic(folder / "a" / "b.html", "<p>hi</p>").read_text()
    '<p>hi</p>'
    >>> oct((folder / "a" / "b.html").stat().st_mode & 0o777) == oct(FILE_MODE)
    True
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    handle, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(partial, FILE_MODE)  # mkstemp makes files private (0600)
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return path


def write_atomic_files(contents: dict[Path, str | bytes]) -> list[Path]:
    """Write several files that belong together: every one to a hidden file first, then each swapped in.

    A full disk or a Ctrl-C while writing leaves every earlier file as it was; only the
    renames at the end (which need no space) change what a reader sees.

    >>> folder = Path(tempfile.mkdtemp())
    >>> [p.name for p in write_atomic_files({folder / "a.csv": "x\\n", folder / "a.json": "{}"})]
    ['a.csv', 'a.json']
    """
    partials: dict[Path, str] = {}
    try:
        for path, content in contents.items():
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
            partials[path] = partial
            with os.fdopen(handle, "wb") as file:
                file.write(content.encode("utf-8") if isinstance(content, str) else content)
                file.flush()
                os.fsync(file.fileno())
            os.chmod(partial, FILE_MODE)
        with _no_interruption():
            for path, partial in partials.items():
                os.replace(partial, path)
    finally:
        for partial in partials.values():
            Path(partial).unlink(missing_ok=True)
    return list(partials)


#: Hidden folders of a folder being written: ``.<name>.partial-<host>-<pid>-<random>``, and the earlier one
#: moved aside while the new one is swapped in: ``.<name>.old-<host>-<pid>-<random>``.
PARTIAL, RETIRED = "partial", "old"


def is_work_in_progress(path: Path) -> bool:
    """Whether a name in a folder is one of the hidden files or folders a write goes through (never data).

    >>> is_work_in_progress(Path("build/.fresno.partial-host-12-abc")), is_work_in_progress(Path("fresno"))
    (True, False)
    """
    return Path(path).name.startswith(".")


def write_folder_atomic(target: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Write a whole folder so that a reader sees the earlier one or the new one, never half of either.

    ``write(folder)`` fills a hidden folder beside ``target``, which is then swapped in;
    on any failure (a full disk, Ctrl-C) the hidden folder is removed and an earlier
    ``target`` stays as it was.  The swap itself (two renames) holds Ctrl-C back until it
    is done.  Hidden folders left by a process of this machine that no longer runs
    (killed with ``kill -9``) are removed first; were the earlier folder left moved aside
    with no new one in its place, it is put back.

    >>> folder = Path(tempfile.mkdtemp())
    >>> written = write_folder_atomic(folder / "fresno", lambda f: (f / "a.txt").write_text("1"))
    >>> sorted(p.name for p in folder.iterdir()), (written / "a.txt").read_text()
    (['fresno'], '1')
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _recover_leftovers(target)
    owner = f"{_HOST}-{os.getpid()}-"
    partial = Path(tempfile.mkdtemp(prefix=f".{target.name}.{PARTIAL}-{owner}", dir=target.parent))
    retired = target.parent / f".{target.name}.{RETIRED}-{owner}{partial.name.rsplit('-', 1)[-1]}"
    try:
        write(partial)
        with _no_interruption():
            if target.exists():
                os.replace(target, retired)
                try:
                    os.replace(partial, target)
                except BaseException:
                    os.replace(retired, target)  # put the earlier good folder back
                    raise
                shutil.rmtree(retired, ignore_errors=True)
            else:
                os.replace(partial, target)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return target


_HOST = re.sub(r"[^A-Za-z0-9]", "_", socket.gethostname()) or "host"


def _recover_leftovers(target: Path) -> None:
    """Remove what a killed writer of ``target`` on this machine left; put back an earlier folder it moved aside."""
    pattern = re.compile(rf"\.{re.escape(target.name)}\.({PARTIAL}|{RETIRED})-{_HOST}-(\d+)-[^-]+")
    dead = []  # (path, partial or old)
    for path in target.parent.iterdir():
        found = pattern.fullmatch(path.name)
        if found and not _is_running(int(found.group(2))):
            dead.append((path, found.group(1)))
    retired = sorted((path for path, kind in dead if kind == RETIRED), key=lambda p: p.stat().st_mtime)
    if retired and not target.exists():
        os.replace(retired.pop(), target)  # killed between the two renames: the earlier folder is the good one
    for path, kind in dead:
        if path.exists():
            shutil.rmtree(path, ignore_errors=True)


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


@contextmanager
def _no_interruption() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) back for a few renames; it takes effect as soon as they are done.

    Python runs signal handlers in the main thread, whichever thread the system hands the
    signal to (pyarrow has threads of its own), so the handler is what waits, not a mask.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers, and only it is interrupted
        return
    received = []
    previous = signal.signal(signal.SIGINT, lambda number, frame: received.append(frame))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received and callable(previous):
            previous(signal.SIGINT, received[0])  # usually: raise KeyboardInterrupt
        elif received and previous == signal.SIG_DFL:
            signal.raise_signal(signal.SIGINT)


_REASONS = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
            errno.EACCES: "permission denied (is the folder read-only?)",
            errno.EPERM: "permission denied (is the folder read-only?)",
            errno.EROFS: "the file system is read-only", errno.ENOTDIR: "a file is in the way of a folder",
            errno.EEXIST: "a file is in the way of a folder"}


def describe_write_failure(error: OSError) -> str:
    """Why writing failed, in words.

    >>> describe_write_failure(OSError(errno.ENOSPC, "No space left on device"))
    'the disk is full'
    """
    return _REASONS.get(error.errno, error.strerror or str(error))


@contextmanager
def writing(what: str, where: str | os.PathLike) -> Iterator[None]:
    """Turn a failure to write ``what`` into ``where`` (a read-only folder, a full disk) into one clear error.

    >>> with writing("the harmonised tables", "/nonexistent/out"):
    ...     raise OSError(errno.EROFS, "Read-only file system", "/nonexistent/out")
    Traceback (most recent call last):
    ...
    flp_inquiry.errors.OutputError: could not write the harmonised tables to /nonexistent/out: the file system is read-only; nothing there was changed
    """
    try:
        yield
    except OSError as error:
        raise OutputError(f"could not write {what} to {where}: {describe_write_failure(error)}; "
                          "nothing there was changed") from error
