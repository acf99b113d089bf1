"""Claims, not strings: a sentence a report makes, with the figures it states and where they are shown.

A finding such as "English learners in Grade 7: from -124.1 points to -187.4 points (down 63.3
points)" is a :class:`Claim`: its text, and in it each :class:`Figure` with its value, unit and
kind (a group's *value*, a *change* over time or a *difference* between groups, with the two values
it is worked out from), and :class:`See` pointers to the table it can be read in.  A claim is a
``str`` (its plain text), so it reads as before; :mod:`flp_inquiry.inquiry.prose` shows its figures
as ``<span class="figure">`` and its pointers as links, so a test (and a careful reader) can check
every figure against the report's tables, and every change against the two figures it joins.

A pointer to a table that shows no rows (every group hidden, or no table at all) is left out: a
report never points at something that is not there.

>>> before, after = Figure.of(-124.1, "points"), Figure.of(-187.4, "points")
>>> claim = Claim.of("English learners: from ", before, " to ", after, " (", Figure.change(before, after), ").")
>>> claim
'English learners: from -124.1 points to -187.4 points (down 63.3 points).'
>>> [figure.kind for figure in claim.figures]
['value', 'value', 'change']
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np

from flp_inquiry.inquiry.prose import Emphasis, Strong


def round_half_away(value: float, decimals: int = 1) -> float:
    """Round as the Dashboard publishes: half away from zero (Python's ``round`` rounds half to even).

    >>> round_half_away(2.25), round_half_away(-2.25), round_half_away(44.95)
    (2.3, -2.3, 45.0)
    """
    scale = 10.0 ** decimals
    # the 1e-9 absorbs binary noise such as 44.95 * 10 = 449.49999...
    return float(np.sign(value) * np.floor(abs(value) * scale + 0.5 + 1e-9) / scale) + 0.0


def _size_words(amount: float, unit: str) -> str:
    return f"{abs(round_half_away(amount)):.1f} {'percentage points' if unit == '%' else unit}"


@dataclass(frozen=True)
class Figure:
    """One number a sentence states.

    ``kind`` is ``value`` (a group's figure, shown in a table of the report), ``change`` (this
    year's value minus last year's) or ``difference`` (one group's value minus another's), or
    ``count`` (students).  A change or difference keeps the two unrounded values it is worked out
    from (``between``), so it can be checked against them: it is worked out before rounding, as the
    Dashboard does, so it can be 0.1 away from the difference of the two figures shown.
    """

    value: float
    unit: str
    kind: str = "value"
    text: str = ""
    between: tuple[float, float] | None = None

    @classmethod
    def of(cls, value: float, unit: str) -> "Figure":
        """A group's figure, as a reader sees it (one decimal; ``%`` or ``points``).

        >>> Figure.of(45.25, "%").text, Figure.of(-72.44, "points").text
        ('45.3%', '-72.4 points')
        """
        shown = round_half_away(float(value))
        return cls(float(value), unit, "value", f"{shown:.1f}%" if unit == "%" else f"{shown:.1f} {unit}")

    @classmethod
    def count(cls, students: float) -> "Figure":
        """A number of students.

        >>> Figure.count(80).text
        '80 students'
        """
        return cls(float(students), "students", "count", f"{int(students)} students")

    @classmethod
    def change(cls, before: "Figure | float", after: "Figure | float", unit: str | None = None) -> "Figure":
        """How much a figure moved from last year to this: ``up`` or ``down`` (percentage points for rates).

        >>> Figure.change(Figure.of(20.0, "%"), Figure.of(24.0, "%")).text, Figure.change(3.0, 3.01, "%").text
        ('up 4.0 percentage points', 'unchanged')
        """
        return cls._between(before, after, unit, "change", ("up {}", "down {}", "unchanged"))

    @classmethod
    def difference(cls, value: "Figure | float", reference: "Figure | float", unit: str | None = None) -> "Figure":
        """How far one group's figure is above or below another's (a gap, not a change over time).

        >>> Figure.difference(Figure.of(20.0, "%"), Figure.of(60.0, "%")).text
        '40.0 percentage points lower'

        It is the difference of the figures as shown, so that "-65.4 against -37.0" reads 28.4 lower
        (the unrounded -65.44 and -36.96 are 28.48 apart).

        >>> Figure.difference(Figure.of(-65.44, "points"), Figure.of(-36.96, "points")).text
        '28.4 points lower'
        """
        return cls._between(reference, value, unit, "difference", ("{} higher", "{} lower", "about the same"))

    @classmethod
    def _between(cls, first, second, unit, kind, words) -> "Figure":
        unit = unit or next(f.unit for f in (first, second) if isinstance(f, Figure))
        a, b = (f.value if isinstance(f, Figure) else float(f) for f in (first, second))
        if kind == "difference":  # a gap between two figures shown side by side is their shown difference
            a, b = (float(round_half_away(x)) for x in (a, b))  # (a change is the Dashboard's: before rounding)
        amount = b - a
        above, below, none = words
        size = abs(round_half_away(amount))
        text = none if size == 0 else (above if amount > 0 else below).format(_size_words(amount, unit))
        return cls(amount, unit, kind, text, (a, b))

    @property
    def shown(self) -> float:
        """The figure as it is printed (rounded to one decimal, half away from zero)."""
        return round_half_away(self.value)

    @property
    def html(self) -> str:
        """The figure marked as one (its kind, and for a change or difference the two values it joins).

        >>> Figure.change(Figure.of(-124.55, "points"), Figure.of(-105.9, "points")).html
        '<span class="figure" data-kind="change" data-value="18.7" data-between="-124.55 -105.9">up 18.7 points</span>'
        """
        between = f' data-between="{self.between[0]!r} {self.between[1]!r}"' if self.between else ""
        return (f'<span class="figure" data-kind="{self.kind}" data-value="{self.shown:g}"{between}>'
                f'{html.escape(self.text, quote=False)}</span>')


@dataclass(frozen=True)
class See:
    """A pointer to the table a claim's figures can be read in; shown only if the table shows rows.

    ``table`` is a :class:`flp_inquiry.inquiry.tables.ReaderTable` (its ``caption_text`` and ``table_id``).
    """

    table: object

    @property
    def shown(self) -> bool:
        return bool(getattr(self.table, "shows_rows", False))

    @property
    def words(self) -> str:
        caption = getattr(self.table, "caption_text", None) or getattr(self.table, "caption", "")
        return str(caption or "the table")

    @property
    def text(self) -> str:
        return f" (table: {self.words})"

    @property
    def html(self) -> str:
        target = html.escape(str(getattr(self.table, "table_id", "")), quote=True)
        words = html.escape(self.words, quote=False)
        return f' (table: <a class="see" href="#{target}">{words}</a>)' if target else f" (table: {words})"


Part = object  # str | Figure | See | prose.Emphasis | prose.Strong | prose.Code


class Claim(str):
    """A sentence in parts: text, :class:`Figure` s and :class:`See` pointers.  As a ``str``, its plain text.

    >>> claim = Claim.of("Math: ", Figure.of(31.04, "%"), ".")
    >>> str(claim), claim.parts[1].value
    ('Math: 31.0%.', 31.04)
    """

    parts: tuple
    kind: str

    def __new__(cls, parts: Sequence, kind: str = "finding") -> "Claim":
        parts = tuple(part for part in parts if not (isinstance(part, See) and not part.shown))
        text = "".join(_text(part) for part in parts)
        claim = super().__new__(cls, text)
        claim.parts, claim.kind = parts, kind
        return claim

    @classmethod
    def of(cls, *parts) -> "Claim":
        """A finding made of ``parts`` (a claim among the parts is taken apart into its own parts)."""
        return cls(_flatten(parts))

    @property
    def figures(self) -> list[Figure]:
        return [part for part in self.parts if isinstance(part, Figure)]

    def __add__(self, other) -> "Claim":
        return Claim((*self.parts, *_flatten([other])), self.kind)


def _flatten(parts: Iterable) -> list:
    flat = []
    for part in parts:
        if isinstance(part, Claim):
            flat.extend(part.parts)
        elif part is not None and part != "":
            flat.append(part)
    return flat


def _text(part) -> str:
    return part if isinstance(part, str) else str(part.text)


# ---------------------------------------------------------------------------
# hypotheses and their verdicts
# ---------------------------------------------------------------------------

SUPPORTED, NOT_SUPPORTED, CANT_TELL = "supported", "not supported", "can't tell"
VERDICTS = (SUPPORTED, NOT_SUPPORTED, CANT_TELL)


@dataclass(frozen=True)
class Hypothesis:
    """An "if ..., then ..." the report tests on its own numbers, and what they say.

    ``verdict`` is ``supported``, ``not supported`` (the data run the other way) or ``can't tell``
    (too few students, hidden cells, no prior year, or intervals that overlap); ``evidence`` is the
    claim with the figures and intervals behind it, ``test`` what would settle it for sure.

    >>> h = Hypothesis("If ELs stall at level 3", "most stay at level 3 a year later", SUPPORTED,
    ...                Claim.of(Figure.of(66.7, "%"), " were still at level 3."))
    >>> print(h.claim())
    If ELs stall at level 3, most stay at level 3 a year later. Supported: 66.7% were still at level 3.
    """

    condition: str
    expectation: str
    verdict: str
    evidence: str = ""
    test: str = ""
    details: tuple = field(default_factory=tuple)

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, not {self.verdict!r}")

    def claim(self) -> Claim:
        """The hypothesis as one sentence: the if, the then, the verdict and its evidence."""
        verdict = self.verdict[0].upper() + self.verdict[1:]
        parts = [Emphasis(self.condition), f", {self.expectation}. ", Strong(f"{verdict}:"), " ",
                 *(_flatten([self.evidence]) or ["no figures."])]
        if self.test:
            parts += [" ", self.test]
        return Claim(parts, kind=f"hypothesis {self.verdict}")
