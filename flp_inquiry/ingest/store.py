"""Reloading harmonised tables: ``build/harmonised/<district>/<table>.parquet`` + ``manifest.json``.

:func:`load_district` reads only the tables, columns and years asked for
(the year filter is pushed down into the Parquet reader).  Other modules use
:func:`list_schools` and :func:`list_years` for the values a parameter may take.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pandas as pd
import pyarrow.parquet as pq

from flp_inquiry.codes import TABLES
from flp_inquiry.errors import FlpInquiryError
from flp_inquiry.ingest import catalog
from flp_inquiry.ingest.catalog import DEFAULT_DATA, MANIFEST, district_folder, read_manifest, table_path

#: The year column of each table, used for the pushed-down year filter.
YEAR_COLUMN = {"enrollment": "school_year", "assessments": "school_year",
               "math_courses": "school_year", "outcomes": "cohort_year"}


@dataclass(frozen=True)
class DistrictData:
    """One district's harmonised tables; tables not asked for are empty with the canonical columns."""

    district: str
    enrollment: pd.DataFrame
    assessments: pd.DataFrame
    math_courses: pd.DataFrame
    outcomes: pd.DataFrame
    manifest: dict = field(default_factory=dict)


def read_table(district: str, table: str, data: Path = DEFAULT_DATA,
               columns: Iterable[str] | None = None, years: Iterable[int] | None = None) -> pd.DataFrame:
    """One harmonised table, reading only ``columns`` (all if None) and ``years`` (all if None).

    Examples
    --------
    >>> read_table("fresno", "pupils", Path("build/harmonised"))
    Traceback (most recent call last):
    ...
    flp_inquiry.errors.FlpInquiryError: 'pupils' is not a table; tables: enrollment, assessments, math_courses, outcomes
    """
    if table not in TABLES:
        raise FlpInquiryError(f"{table!r} is not a table; tables: {', '.join(TABLES)}")
    read_manifest(district, data)
    path = table_path(district, table, data)
    held = _read_ahead.get(_held_key(path))
    if held is not None and held[0] == _signature(path):
        return _part_of(held[1], table, columns, years)
    stored = pq.read_schema(path).names
    wanted = stored if columns is None else [c for c in stored if c in set(columns)]
    filters = None
    if years is not None:
        filters = [(YEAR_COLUMN[table], "in", [int(y) for y in years])]
    return pd.read_parquet(path, columns=wanted, filters=filters)


def read_ahead(district: str, data: Path = DEFAULT_DATA) -> None:
    """Read a district's tables into memory now; later :func:`read_table` calls here, or in a fork, use them.

    A pack run's kernel template (:mod:`flp_inquiry.packs.kernels`) does this once, so
    that no report's kernel reads the district from disk.  A table asked for whole
    (every column, every year) is the very object read ahead, so what the template
    worked out from it, remembered by the table's identity (:mod:`flp_inquiry.memo`),
    is found again in each kernel; like every loaded table it is read, never changed.
    A table whose file has changed since is read from disk again.  A district that
    is not harmonised is left alone (the notebook that asks for it says so).

    >>> read_ahead("fresno", Path("/nonexistent"))
    """
    if not (district_folder(district, data) / MANIFEST).is_file():
        return
    for table in TABLES:
        path = table_path(district, table, data)
        if path.is_file():
            _read_ahead[_held_key(path)] = (_signature(path), pd.read_parquet(path))
    # each report checks its parameters against these lists as it starts (kept by catalog.py)
    catalog.school_years(district, data)
    catalog.schools(district, data)


#: Tables read ahead: resolved path -> (file signature when read, whole table).
_read_ahead: dict[str, tuple[tuple[int, int], pd.DataFrame]] = {}


def _held_key(path: Path) -> str:
    return str(Path(path).resolve())


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def _part_of(whole: pd.DataFrame, table: str, columns: Iterable[str] | None,
             years: Iterable[int] | None) -> pd.DataFrame:
    """What reading ``columns`` and ``years`` of the file would give (pandas copies on write: ``whole`` stays as it is).

    The whole table asked for is ``whole`` itself: the same object in every kernel forked after it was read.
    """
    if columns is None and years is None:
        return whole
    wanted = list(whole.columns) if columns is None else [c for c in whole.columns if c in set(columns)]
    if years is not None:
        whole = whole[whole[YEAR_COLUMN[table]].isin([int(y) for y in years])].reset_index(drop=True)
    return whole[wanted]


def load_district(district: str, data: Path = DEFAULT_DATA, tables: Iterable[str] | None = None,
                  columns: Iterable[str] | None = None, years: Iterable[int] | None = None) -> DistrictData:
    """Load a district's harmonised tables.

    Parameters
    ----------
    district
        ``"fresno"`` or ``"long_beach"`` (any harmonised district).
    data
        The folder harmonised districts are written to.
    tables
        Tables to read (default all); the others are empty frames with the canonical columns.
    columns
        Columns to read from each table (a table keeps those of its columns listed).
    years
        School years (cohort years for outcomes) to keep, e.g. ``[2023, 2024]``.

    Returns
    -------
    DistrictData

    Examples
    --------
    >>> load_district("fresno", Path("/nonexistent")).enrollment
    Traceback (most recent call last):
    ...
    flp_inquiry.errors.FlpInquiryError: district 'fresno' has not been harmonised into /nonexistent: run flp-inquiry harmonise --district fresno --source <export folder> --out /nonexistent
    """
    manifest = read_manifest(district, data)
    wanted = list(TABLES) if tables is None else list(tables)
    for table in wanted:
        if table not in TABLES:
            raise FlpInquiryError(f"{table!r} is not a table; tables: {', '.join(TABLES)}")
    frames = {}
    for table in TABLES:
        if table in wanted:
            frames[table] = read_table(district, table, data, columns=columns, years=years)
        else:
            frames[table] = pq.read_schema(table_path(district, table, data)).empty_table().to_pandas()
    return DistrictData(district=district, manifest=manifest, **frames)


def is_up_to_date(district: str, source: Path, data: Path = DEFAULT_DATA) -> bool:
    """True when the harmonised tables were made from exactly the files now in ``source``.

    Compares the mapping's hash and every export file's SHA-256 with the manifest; a file
    added, removed or changed (or a changed mapping) means out of date.

    >>> is_up_to_date("fresno", Path("/nonexistent/exports"), Path("/nonexistent"))
    False
    """
    from flp_inquiry.ingest.mapping import load_mapping
    from flp_inquiry.ingest.readers import sha256_of

    try:
        manifest = read_manifest(district, data)
    except FlpInquiryError:
        return False
    mapping_path = Path(manifest["mapping"]["path"])
    if not mapping_path.is_file() or sha256_of(mapping_path) != manifest["mapping"]["sha256"]:
        return False
    mapping = load_mapping(mapping_path)
    current = {path.name: sha256_of(path) for path in matching_files(mapping, Path(source))}
    recorded = {entry["file"]: entry["sha256"] for entry in manifest["sources"]}
    return current == recorded


def matching_files(mapping, source: Path) -> list[Path]:
    """The files in ``source`` that one of the mapping's sources reads, sorted by name.

    >>> matching_files(None, Path("/nonexistent"))
    []
    """
    if not Path(source).is_dir():
        return []
    return sorted(path for path in Path(source).iterdir() if path.is_file()
                  and any(spec.files.fullmatch(path.name) for spec in mapping.sources.values()))


def list_years(district: str, data: Path = DEFAULT_DATA) -> list[int]:
    """The school years in a district's harmonised enrollment, oldest first.

    >>> list_years("fresno", Path("/nonexistent"))
    Traceback (most recent call last):
    ...
    flp_inquiry.errors.FlpInquiryError: district 'fresno' has not been harmonised into /nonexistent: run flp-inquiry harmonise --district fresno --source <export folder> --out /nonexistent
    """
    return catalog.school_years(district, data)


def list_schools(district: str, data: Path = DEFAULT_DATA) -> pd.DataFrame:
    """The district's schools (``school_cds``, ``school_name``), named as in their latest year.

    >>> list_schools("fresno", Path("/nonexistent"))
    Traceback (most recent call last):
    ...
    flp_inquiry.errors.FlpInquiryError: district 'fresno' has not been harmonised into /nonexistent: run flp-inquiry harmonise --district fresno --source <export folder> --out /nonexistent
    """
    return pd.DataFrame(catalog.schools(district, data), columns=["school_cds", "school_name"])


def summarise_districts(data: Path = DEFAULT_DATA) -> pd.DataFrame:
    """One row per harmonised district: students, schools, years, tests taken.

    ``students`` counts distinct students over all years, ``tests`` the test
    results with a score level (non-participants are not counted).

    >>> summarise_districts(Path("/nonexistent")).columns.tolist()
    ['district', 'students', 'schools', 'years', 'tests']
    """
    rows = []
    for district in catalog.harmonised_districts(data):  # never a half-written .partial or .old folder
        enrollment = read_table(district, "enrollment", data, columns=["student_key", "school_cds", "school_year"])
        tested = read_table(district, "assessments", data, columns=["tested"])["tested"]
        years = sorted(int(y) for y in enrollment["school_year"].unique())
        rows.append({
            "district": district,
            "students": int(enrollment["student_key"].nunique()),
            "schools": int(enrollment["school_cds"].nunique()),
            "years": f"{years[0]}-{years[-1]}" if years else "",
            "tests": int(tested.sum()),
        })
    return pd.DataFrame(rows, columns=["district", "students", "schools", "years", "tests"])
