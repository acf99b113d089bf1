"""Remembering the latest few results of work on the same tables, by the tables' identity.

A notebook asks for many figures of the same few tables (the district's, its
school's students'), and several of them start with the same step: a table's
primary enrollments, each student's chronic absence, an indicator's rows.
:class:`Recent` keeps the latest few results, each keyed by the objects it was
worked out from.  A result is handed out again only while every one of those
objects is still alive and the very same object, so a new or rebuilt table is
never mistaken for an old one whose memory address it took over.  Callers read
what they get and never change it.

The tables are taken as read-only once loaded, as everywhere in this package:
a coach who wants changed data makes a new table (``df.assign(...)``,
``df.copy()``) rather than changing one in place, which no remembered result
would notice.

Work done inside :func:`keeping` is kept apart, beyond the latest few, for as
long as its tables live: a pack's kernel template works out what every school
report of a district shares (:mod:`flp_inquiry.inquiry.shared_work`) before it
forks the kernels, and each kernel finds it there however much else its report
asks for, both districts' results side by side.
"""
from __future__ import annotations

import contextlib
import weakref
from typing import Callable, Hashable, Iterator, Sequence, TypeVar

T = TypeVar("T")
#: True inside :func:`keeping`: results made now are kept apart from the latest few.
_keeping = False


@contextlib.contextmanager
def keeping() -> Iterator[None]:
    """Keep every result made in the ``with`` block for as long as its source objects live.

    >>> import pandas as pd
    >>> recent, tables = Recent(size=1), [pd.DataFrame({"a": [n]}) for n in range(3)]
    >>> with keeping():
    ...     kept = recent.get_or_make([tables[0]], "first", lambda: "worked out ahead")
    >>> [recent.get_or_make([table], "first", lambda: "again") for table in tables]  # one latest slot only
    ['worked out ahead', 'again', 'again']
    >>> recent.get_or_make([tables[0]], "first", lambda: "again")  # still kept
    'worked out ahead'
    """
    global _keeping
    before, _keeping = _keeping, True
    try:
        yield
    finally:
        _keeping = before


class Recent:
    """The ``size`` results used last, each keyed by its source objects and a plain key.

    >>> import pandas as pd
    >>> recent = Recent(size=2)
    >>> table = pd.DataFrame({"a": [1, 2]})
    >>> calls = []
    >>> work = lambda: calls.append(1) or len(table)
    >>> recent.get_or_make([table], "rows", work), recent.get_or_make([table], "rows", work), len(calls)
    (2, 2, 1)
    >>> copy = table.copy()  # an equal table is still another table
    >>> recent.get_or_make([copy], "rows", work), len(calls)
    (2, 2)
    """

    def __init__(self, size: int):
        self.size = size
        self._results: dict[tuple, tuple[list[weakref.ref], object]] = {}
        self._kept: dict[tuple, tuple[list[weakref.ref], object]] = {}  # made inside keeping(): never pushed out

    def find(self, sources: Sequence[object], key: Hashable) -> object | None:
        """The result for ``sources`` and ``key`` if one is remembered, else ``None`` (nothing is made).

        >>> import pandas as pd
        >>> recent, table = Recent(size=2), pd.DataFrame({"a": [1]})
        >>> recent.find([table], "rows") is None, recent.get_or_make([table], "rows", lambda: 1), recent.find([table], "rows")
        (True, 1, 1)
        """
        full_key = (key, *map(id, sources))
        for results in (self._kept, self._results):
            found = results.get(full_key)
            if found is not None and _alive(found[0], sources):
                return found[1]
        return None

    def get_or_make(self, sources: Sequence[object], key: Hashable, make: Callable[[], T]) -> T:
        """The result for ``sources`` and ``key``, made by ``make()`` unless one of the latest is theirs."""
        full_key = (key, *map(id, sources))
        found = self._kept.get(full_key)
        if found is not None and _alive(found[0], sources):
            return found[1]
        found = self._results.get(full_key)
        if found is not None and _alive(found[0], sources):
            self._results[full_key] = self._results.pop(full_key)  # the latest used: the last to go
            return found[1]
        result = make()
        for results in (self._results, self._kept):
            for stale in [k for k, (refs, _) in results.items() if any(ref() is None for ref in refs)]:
                del results[stale]
        entry = ([weakref.ref(source) for source in sources], result)
        if _keeping:
            self._kept[full_key] = entry
            return result
        while len(self._results) >= self.size:
            del self._results[next(iter(self._results))]  # the one used longest ago
        self._results[full_key] = entry
        return result


def _alive(refs: list[weakref.ref], sources: Sequence[object]) -> bool:
    """Whether every source of a result is still the very object it was worked out from."""
    return all(ref() is source for ref, source in zip(refs, sources))
