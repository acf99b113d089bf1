"""One name for each school: a school is its CDS code, and a reader sees one name for it, unique in its district.

Exports name schools as people typed them: a school renamed over the years, a name
typed two ways, two schools with the same name, a tab pasted into a name.  Harmonising
(:func:`flp_inquiry.ingest.harmonise.harmonise_district`) gives every school code one
display name for all its rows (``school_name`` of the harmonised enrollment, and so
:func:`flp_inquiry.ingest.catalog.schools`, every metric ``by school`` and every report),
by :func:`name_schools`'s rule:

1. Control characters (tabs, line breaks, other invisible codes, text-direction
   overrides) are taken out of a name; a tab or a line break becomes a space, and
   repeated spaces one.
2. A school with several names (in its files and years) is named by its latest: the
   name on its rows of its latest school year (on two names in that year, the one on
   more rows; on a tie, the first in alphabetical order).
3. A name that is empty (or was only control characters) becomes ``School 0801234``,
   the school's own 7-digit code (the last part of its 14-digit CDS code); a name that
   is the word ``all`` (in any case: it means every school in a pack) gets its code
   after it, ``all (school 0801234)``.
4. Two schools whose names are the same (ignoring case and spaces) both get their
   code after the name: ``Lincoln Elementary (school 0801234)``.  Should that still be
   the same as another school's name, the whole 14-digit code is used.

Each of these is a finding (:class:`SchoolNaming`), not an error: the harmonise command
prints them and ``manifest.json`` records them, so a coach can fix the SIS if it is wrong.
A name used by two schools in different years (one closed, a new one named after it)
is reported too, even when each school ends up with a name of its own.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable, NamedTuple

import pandas as pd

#: The word a meeting pack uses for every school: no school may be called it.
RESERVED_NAMES = ("all",)
#: The columns :func:`name_schools` reads: where each row's name was read, its year, its school, its name.
COLUMNS = ["file", "school_year", "school_cds", "school_name"]
#: Text-direction controls (category Cf), which can make a name read differently from what it holds.
_DIRECTION_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_SPACE_LIKE = re.compile(r"[\t\n\r\v\f\u0085\u2028\u2029]")
#: Files named in a finding, at most (a district with one file per year names a few).
_FILES_SHOWN = 4


@dataclass
class SchoolNaming:
    """Each school code's display name, and what was found on the way (for the command and the manifest)."""

    names: dict[str, str] = field(default_factory=dict)
    findings: list[dict] = field(default_factory=list)


def _is_control(character: str) -> bool:
    return unicodedata.category(character) == "Cc" or character in _DIRECTION_CONTROLS or bool(
        _SPACE_LIKE.match(character))


def clean_name(name: str) -> str:
    """A name without control characters; a tab or a line break becomes a space.

    A name without any is left exactly as written.

    >>> clean_name("Lincoln\\tElementary\\r\\n")
    'Lincoln Elementary'
    >>> clean_name("Roosevelt\\u202e High\\x07"), clean_name("Two  spaces")
    ('Roosevelt High', 'Two  spaces')
    """
    if not any(_is_control(character) for character in name):
        return name
    spaced = _SPACE_LIKE.sub(" ", name)
    kept = "".join(character for character in spaced
                   if unicodedata.category(character) != "Cc" and character not in _DIRECTION_CONTROLS)
    return re.sub(r" {2,}", " ", kept).strip()


def _key(name: str) -> str:
    """What makes two names the same to a reader: case and spaces aside."""
    return " ".join(name.split()).casefold()


def school_code(cds: str) -> str:
    """The school's own 7-digit code: the last part of its CDS code (county 2, district 5, school 7 digits).

    >>> school_code("10621660123456")
    '0123456'
    """
    return str(cds)[-7:]


def name_schools(rows: pd.DataFrame) -> SchoolNaming:
    """Every school code's one display name, unique in the district, by the rule in the module's notes.

    Parameters
    ----------
    rows : DataFrame
        The enrollment rows' :data:`COLUMNS`: the file each name was read from, the row's
        school year, school code and name (blank where the export has none).

    Returns
    -------
    SchoolNaming
        ``names`` maps each school code to its display name; ``findings`` are dicts with
        ``kind``, ``school_cds`` (a list), ``shown_as`` and a ``message`` for a coach.

    Examples
    --------
    >>> rows = pd.DataFrame({
    ...     "file": ["e22.csv", "e23.csv", "e23.csv", "e23.csv"],
    ...     "school_year": [2022, 2023, 2023, 2023],
    ...     "school_cds": ["10621660000001", "10621660000001", "10621660000002", "10621660000003"],
    ...     "school_name": ["Lincoln Elem", "Lincoln Elementary", "Lincoln Elementary", "ALL"]})
    >>> naming = name_schools(rows)
    >>> for code, name in naming.names.items():
    ...     print(code, name)
    10621660000001 Lincoln Elementary (school 0000001)
    10621660000002 Lincoln Elementary (school 0000002)
    10621660000003 ALL (school 0000003)
    >>> [finding["kind"] for finding in naming.findings]
    ['renamed', 'reserved_name', 'same_name']
    """
    rows = rows[COLUMNS].dropna(subset=["school_cds"])
    # one pass over the rows (hundreds of thousands); the rest works on each name's few (year, file) uses
    counted = pd.DataFrame({
        "school_cds": rows["school_cds"].astype(str), "school_name": rows["school_name"].astype(object),
        "school_year": pd.to_numeric(rows["school_year"], errors="coerce").fillna(-1).astype(int),
        "file": rows["file"].astype(str)}).groupby(["school_cds", "school_name", "school_year", "file"],
                                                 dropna=False, sort=True).size()
    raw = [_Use(code, None if pd.isna(name) else str(name), int(year), file, int(n))
           for (code, name, year, file), n in counted.items()]
    findings = _control_characters(raw)
    uses = [use._replace(name=clean_name(use.name)) for use in raw if use.name is not None]
    named = [use for use in uses if use.name]
    codes = sorted({use.code for use in raw})
    base = {code: _latest_name([use for use in named if use.code == code]) for code in codes}
    display = {code: f"School {school_code(code)}" if not base[code]
               else f"{base[code]} (school {school_code(code)})" if _key(base[code]) in RESERVED_NAMES
               else base[code] for code in codes}
    _make_unique(display)
    for code in codes:  # each finding says what the school is finally shown as
        own = [use for use in named if use.code == code]
        if len({use.name for use in own}) > 1:
            findings.append(_renamed(code, own, base[code], display[code]))
        if not base[code]:
            files = _listed(use.file for use in raw if use.code == code)
            findings.append({"kind": "blank_name", "school_cds": [code], "shown_as": display[code],
                             "message": f"school {code} has no name in {files}: shown as {display[code]!r}"})
        elif _key(base[code]) in RESERVED_NAMES:
            findings.append({"kind": "reserved_name", "school_cds": [code], "shown_as": display[code],
                             "message": f"school {code} is named {base[code]!r}, the word a meeting pack uses "
                                        f"for every school: shown as {display[code]!r}"})
    findings += _same_names(named, display)
    return SchoolNaming(display, findings)


class _Use(NamedTuple):
    """A name as used: by one school, in one year, in one file, on so many rows."""

    code: str
    name: str | None
    year: int
    file: str
    rows: int


def _control_characters(uses: list[_Use]) -> list[dict]:
    """Each name with control characters in it: a finding."""
    findings = []
    for name in sorted({use.name for use in uses if use.name is not None and clean_name(use.name) != use.name}):
        where = [use for use in uses if use.name == name]
        codes = sorted({use.code for use in where})
        findings.append({"kind": "control_characters", "school_cds": codes, "shown_as": clean_name(name),
                         "message": f"control characters taken out of the name {name!r} of school "
                                    f"{', '.join(codes)} (in {_listed(use.file for use in where)}): "
                                    f"read as {clean_name(name)!r}"})
    return findings


def _latest_name(uses: list[_Use]) -> str:
    """The name on a school's rows of its latest year (then on more rows, then first alphabetically)."""
    if not uses:
        return ""
    latest = max(use.year for use in uses)
    rows: dict[str, int] = {}
    for use in uses:
        if use.year == latest:
            rows[use.name] = rows.get(use.name, 0) + use.rows
    return min(rows, key=lambda name: (-rows[name], name))


def _renamed(code: str, uses: list[_Use], chosen: str, shown: str) -> dict:
    names = sorted({use.name for use in uses})
    described = sorted((max(use.year for use in uses if use.name == name),
                        f"{name!r} ({_years(use.year for use in uses if use.name == name)}: "
                        f"{_listed(use.file for use in uses if use.name == name)})") for name in names)
    also = f", as {shown!r}" if shown != chosen else ""
    return {"kind": "renamed", "school_cds": [code], "shown_as": shown, "names": names,
            "message": f"school {code} has {len(names)} names: {'; '.join(text for _, text in described)}: "
                       f"shown by its latest, {chosen!r}{also}, for every year"}


def _make_unique(display: dict[str, str]) -> None:
    """Names two schools share get each school's code after them (the whole CDS code if that is not enough)."""
    for attempt in range(len(display) + 1):
        groups: dict[str, list[str]] = {}
        for code, name in display.items():
            groups.setdefault(_key(name), []).append(code)
        shared = [codes for codes in groups.values() if len(codes) > 1]
        if not shared:
            return
        for codes in shared:
            short = {school_code(code) for code in codes}
            for code in codes:
                suffix = school_code(code) if attempt == 0 and len(short) == len(codes) else code
                display[code] = f"{display[code]} (school {suffix})"
    raise AssertionError("school names could not be made unique")  # pragma: no cover (codes are unique)


def _same_names(named: list[_Use], display: dict[str, str]) -> list[dict]:
    """A name that two schools or more are called by, in any of their files and years."""
    keyed: dict[str, list[_Use]] = {}
    for use in named:
        keyed.setdefault(_key(use.name), []).append(use)
    findings = []
    for _, uses in sorted(keyed.items()):
        codes = sorted({use.code for use in uses})
        if len(codes) < 2:
            continue
        names = sorted({use.name for use in uses})
        parts = [f"{code} ({_years(use.year for use in uses if use.code == code)}: "
                 f"{_listed(use.file for use in uses if use.code == code)})" for code in codes]
        shown = " and ".join(repr(display[code]) for code in codes)
        findings.append({"kind": "same_name", "school_cds": codes, "names": names,
                         "shown_as": {code: display[code] for code in codes},
                         "message": f"the name {' / '.join(map(repr, names))} is used by {len(codes)} schools: "
                                    f"{', '.join(parts)}: shown as {shown}"})
    return findings


def _years(years: Iterable[int]) -> str:
    known = sorted({year for year in years if year >= 0})
    return ", ".join(map(str, known)) if known else "year unknown"


def _listed(files: Iterable[str]) -> str:
    distinct = sorted(set(files))
    shown = ", ".join(distinct[:_FILES_SHOWN])
    return shown + (f" and {len(distinct) - _FILES_SHOWN} more files" if len(distinct) > _FILES_SHOWN else "")
