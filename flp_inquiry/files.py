"""Writing a file so that a reader never sees half of it."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

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
