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
from functools import lru_cache
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from flp_inquiry.errors import FlpInquiryError
from flp_inquiry.files import is_work_in_progress

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


def harmonised_districts(data: Path = DEFAULT_DATA) -> list[str]:
    """The districts harmonised into ``data``, by name: each folder with a manifest.

    A hidden folder is never a district: a harmonise run writes through
    ``.<district>.partial-...`` and ``.<district>.old-...`` folders, which a killed run
    may leave behind.

    >>> harmonised_districts(Path("/nonexistent"))
    []
    """
    if not Path(data).is_dir():
        return []
    return sorted(path.name for path in Path(data).iterdir()
                  if not is_work_in_progress(path) and (path / MANIFEST).is_file())


def _enrollment_file(district: str, data: Path) -> tuple[str, int, int]:
    """The enrollment file's path and signature (modified time, size): what the lists below are cached by."""
    read_manifest(district, data)
    path = table_path(district, "enrollment", data)
    status = path.stat()
    return str(path.resolve()), status.st_mtime_ns, status.st_size


def _read(path: str, columns: list[str]):
    # ParquetFile, not read_table: the dataset reader behind read_table imports pandas
    return pq.ParquetFile(path).read(columns=columns)


def school_years(district: str, data: Path = DEFAULT_DATA) -> list[int]:
    """The school years in a district's harmonised enrollment, oldest first.

    >>> school_years("fresno", Path("/nonexistent"))
    Traceback (most recent call last):
    ...
    flp_inquiry.errors.FlpInquiryError: district 'fresno' has not been harmonised into /nonexistent: run flp-inquiry harmonise --district fresno --source <export folder> --out /nonexistent
    """
    return list(_school_years(*_enrollment_file(district, data)))


# Each list is read once per version of the file in a process (a pack's kernel template reads them
# ahead, so that its kernels inherit them): a school's report asks for both as it starts.
@lru_cache(maxsize=16)
def _school_years(path: str, modified: int, size: int) -> tuple[int, ...]:
    years = pc.unique(_read(path, ["school_year"]).column("school_year"))
    return tuple(sorted(int(year) for year in years.to_pylist()))


def schools(district: str, data: Path = DEFAULT_DATA) -> list[tuple[str, str]]:
    """The district's schools as ``(school_cds, school_name)``, by name.

    Harmonising gives each school code one name for all its years, unique in the
    district (:mod:`flp_inquiry.ingest.school_names`).  Tables harmonised before that
    rule may hold several: a school is then named as in its latest year (on two names
    in that year, the last in alphabetical order).
    """
    return list(_schools(*_enrollment_file(district, data)))


@lru_cache(maxsize=16)
def _schools(path: str, modified: int, size: int) -> tuple[tuple[str, str], ...]:
    # Codes and names as dictionaries (each value once per row group), and plain Python to find each
    # name once a year: pyarrow's group_by, and its conversions to numpy, import pandas, which the
    # process that starts a pack never needs otherwise.
    rows = pq.ParquetFile(path, read_dictionary=["school_cds", "school_name"]).read(
        columns=["school_year", "school_cds", "school_name"])
    latest: dict[str, tuple[int, str]] = {}
    for batch in rows.to_batches():
        years, codes, names = batch.columns
        code_values, name_values = codes.dictionary.to_pylist(), names.dictionary.to_pylist()
        for year, code, name in set(zip(years.to_pylist(), codes.indices.to_pylist(), names.indices.to_pylist())):
            cds, named = code_values[code], (year, name_values[name])
            if cds not in latest or named > latest[cds]:
                latest[cds] = named
    return tuple(sorted(((cds, name) for cds, (_, name) in latest.items()), key=lambda school: school[1]))


def student_keys(district: str, data: Path = DEFAULT_DATA) -> frozenset[str]:
    """Every student key in a district's harmonised enrollment (a report must show none of them)."""
    return _student_keys(*_enrollment_file(district, data))


@lru_cache(maxsize=4)
def _student_keys(path: str, modified: int, size: int) -> frozenset[str]:
    keys = pc.unique(_read(path, ["student_key"]).column("student_key"))
    return frozenset(key for key in keys.to_pylist() if key is not None)
