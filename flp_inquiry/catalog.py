"""What a harmonised data folder holds, read with pyarrow alone: a district's school years, schools, student keys.

Where things are (``build/harmonised/<district>/<table>.parquet`` and
``manifest.json``) is decided here too.  A meeting-pack run checks every job's
parameters against these lists before anything runs, and each worker checks its
reports against the district's student keys: the workers need no pandas at all
(a quarter of a second to import in each run's worker server).
:mod:`flp_inquiry.store` loads the tables themselves.
"""
from __future__ import annotations

import json
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from flp_inquiry.errors import FlpInquiryError

DEFAULT_DATA = Path("build/harmonised")
MANIFEST = "manifest.json"


def district_folder(district: str, data: Path = DEFAULT_DATA) -> Path:
    """The folder holding a district's harmonised tables.

    >>> district_folder("fresno", Path("build/harmonised")).as_posix()
    'build/harmonised/fresno'
    """
    return Path(data) / district


def table_path(district: str, table: str, data: Path = DEFAULT_DATA) -> Path:
    """The Parquet file of one harmonised table.

    >>> table_path("long_beach", "outcomes", Path("out")).as_posix()
    'out/long_beach/outcomes.parquet'
    """
    return district_folder(district, data) / f"{table}.parquet"


def read_manifest(district: str, data: Path = DEFAULT_DATA) -> dict:
    """The manifest written with a district's harmonised tables.

    Raises
    ------
    FlpInquiryError
        The district was never harmonised into ``data``.

    Examples
    --------
    >>> read_manifest("nowhere", Path("/nonexistent"))
    Traceback (most recent call last):
    ...
    flp_inquiry.errors.FlpInquiryError: district 'nowhere' has not been harmonised into /nonexistent: run flp-inquiry harmonise --district nowhere --source <export folder> --out /nonexistent
    """
    path = district_folder(district, data) / MANIFEST
    if not path.is_file():
        raise FlpInquiryError(
            f"district {district!r} has not been harmonised into {data}: run flp-inquiry harmonise "
            f"--district {district} --source <export folder> --out {data}")
    return json.loads(path.read_text(encoding="utf-8"))


def _enrollment(district: str, data: Path, columns: list[str]):
    read_manifest(district, data)
    # ParquetFile, not read_table: the dataset reader behind read_table imports pandas
    return pq.ParquetFile(table_path(district, "enrollment", data)).read(columns=columns)


def school_years(district: str, data: Path = DEFAULT_DATA) -> list[int]:
    """The school years in a district's harmonised enrollment, oldest first.

    >>> school_years("fresno", Path("/nonexistent"))
    Traceback (most recent call last):
    ...
    flp_inquiry.errors.FlpInquiryError: district 'fresno' has not been harmonised into /nonexistent: run flp-inquiry harmonise --district fresno --source <export folder> --out /nonexistent
    """
    years = pc.unique(_enrollment(district, data, ["school_year"]).column("school_year"))
    return sorted(int(year) for year in years.to_pylist())


def schools(district: str, data: Path = DEFAULT_DATA) -> list[tuple[str, str]]:
    """The district's schools as ``(school_cds, school_name)``, named as in their latest year, by name.

    A school renamed over the years keeps its latest name (on two names in that
    year, the last in alphabetical order).
    """
    read_manifest(district, data)
    # Codes and names as dictionaries (each value once per row group), and plain Python to find each
    # name once a year: pyarrow's group_by, and its conversions to numpy, import pandas, which the
    # process that starts a pack never needs otherwise.
    rows = pq.ParquetFile(table_path(district, "enrollment", data), read_dictionary=["school_cds", "school_name"]) \
        .read(columns=["school_year", "school_cds", "school_name"])
    latest: dict[str, tuple[int, str]] = {}
    for batch in rows.to_batches():
        years, codes, names = batch.columns
        code_values, name_values = codes.dictionary.to_pylist(), names.dictionary.to_pylist()
        for year, code, name in set(zip(years.to_pylist(), codes.indices.to_pylist(), names.indices.to_pylist())):
            cds, named = code_values[code], (year, name_values[name])
            if cds not in latest or named > latest[cds]:
                latest[cds] = named
    return sorted(((cds, name) for cds, (_, name) in latest.items()), key=lambda school: school[1])


def student_keys(district: str, data: Path = DEFAULT_DATA) -> frozenset[str]:
    """Every student key in a district's harmonised enrollment (a report must show none of them)."""
    keys = pc.unique(_enrollment(district, data, ["student_key"]).column("student_key"))
    return frozenset(key for key in keys.to_pylist() if key is not None)
