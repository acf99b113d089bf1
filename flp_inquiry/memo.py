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
"""
from __future__ import annotations

import weakref
from typing import Callable, Hashable, Sequence, TypeVar

T = TypeVar("T")


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

    def get_or_make(self, sources: Sequence[object], key: Hashable, make: Callable[[], T]) -> T:
        """The result for ``sources`` and ``key``, made by ``make()`` unless one of the latest is theirs."""
        full_key = (key, *map(id, sources))
        found = self._results.get(full_key)
        if found is not None and all(ref() is source for ref, source in zip(found[0], sources)):
            self._results[full_key] = self._results.pop(full_key)  # the latest used: the last to go
            return found[1]
        result = make()
        for stale in [k for k, (refs, _) in self._results.items() if any(ref() is None for ref in refs)]:
            del self._results[stale]
        while len(self._results) >= self.size:
            del self._results[next(iter(self._results))]  # the one used longest ago
        self._results[full_key] = ([weakref.ref(source) for source in sources], result)
        return result
