"""Errors a data coach can read.

Every error the package raises on purpose derives from :class:`FlpInquiryError`.
Problems in a district's files are collected as :class:`Problem` records (file,
row, column, value, what is wrong) and raised together in one
:class:`InputDataError`, so a coach fixes the export once, not once per problem.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one cell (or one file) of a district's export.

    ``row`` is the line number a spreadsheet shows: the header is row 1, the
    first student is row 2.  ``row`` and ``column`` are ``None`` when the
    problem concerns the whole file (an empty file, a missing column has no row).

    >>> str(Problem("enrollment_2023-24.csv", 7, "Grade", "13", "not a grade the mapping knows"))
    "enrollment_2023-24.csv, row 7, column Grade, value '13': not a grade the mapping knows"
    """

    file: str
    row: int | None
    column: str | None
    value: object
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        if self.value is not None:
            where.append(f"value {str(self.value)!r}")
        return f"{', '.join(where)}: {self.message}"


class FlpInquiryError(Exception):
    """Base class of every error raised on purpose by flp_inquiry."""


class InputDataError(FlpInquiryError):
    """A district's export does not match its mapping; lists every problem found.

    >>> err = InputDataError([Problem("a.csv", 2, "Grade", "13", "unknown grade"),
    ...                       Problem("a.csv", None, "SED", None, "column is missing")])
    >>> print(err)
    2 problems in the district's files; nothing was written:
      - a.csv, row 2, column Grade, value '13': unknown grade
      - a.csv, column SED: column is missing

    One problem is one line:

    >>> print(InputDataError([Problem("a.csv", 2, "Grade", "13", "unknown grade")]))
    1 problem in the district's files; nothing was written: a.csv, row 2, column Grade, value '13': unknown grade
    """

    #: Problems beyond this many are counted, not listed, so a wholly wrong file stays readable.
    max_listed = 200

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = list(problems)
        super().__init__(self._message())

    def _message(self) -> str:
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the district's files; nothing was written:"
        if n == 1:
            return f"{head} {self.problems[0]}"
        lines = [f"  - {p}" for p in self.problems[: self.max_listed]]
        if n > self.max_listed:
            lines.append(f"  ... and {n - self.max_listed} more of the same kinds")
        return "\n".join([head, *lines])


class OutputError(FlpInquiryError):
    """A result could not be written (a read-only folder, a full disk); what was there is unchanged."""


class MappingError(FlpInquiryError):
    """A district mapping file (YAML) is itself wrong: the message names the file and key."""


class ParameterError(FlpInquiryError, ValueError):
    """A notebook or pack parameter has a value that is not allowed.

    >>> print(ParameterError("district", "fresnoo", ["fresno", "long_beach"]))
    district = 'fresnoo' is not allowed. Allowed values: fresno, long_beach
    """

    def __init__(self, name: str, value: object, allowed: Sequence[object] | None = None, reason: str = ""):
        self.name, self.value, self.allowed = name, value, list(allowed) if allowed is not None else None
        text = f"{name} = {value!r} is not allowed"
        if reason:
            text += f": {reason}"
        if self.allowed is not None:
            shown = ", ".join(str(a) for a in self.allowed[:40])
            more = f" (and {len(self.allowed) - 40} more)" if len(self.allowed) > 40 else ""
            text += f". Allowed values: {shown}{more}"
        super().__init__(text)
