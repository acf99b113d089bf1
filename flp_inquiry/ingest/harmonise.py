"""Harmonising a district's export: mapping applied, checked, validated, written atomically.

:func:`harmonise_district` reads every export file (:mod:`flp_inquiry.ingest.readers`),
applies the district's mapping (:mod:`flp_inquiry.ingest.mapping`) with vectorised
operations, checks codes, dates, numbers and duplicates, validates each
canonical table against :mod:`flp_inquiry.ingest.schema`, and translates every
failure back to the export's file, row, column and value.  All problems from
all files are raised together in one :class:`~flp_inquiry.errors.InputDataError`
(a file with a header and no rows first: it may be what the others follow from);
only a clean run writes ``<out>/<district>/`` (four Parquet tables and
``manifest.json``), built in a hidden folder beside it and swapped in
(:func:`flp_inquiry.files.write_folder_atomic`), so an earlier good output survives
a failed, full-disk or interrupted run and no half-written folder is left.

Each school code gets one display name, unique in the district
(:mod:`flp_inquiry.ingest.school_names`); what was found on the way (a school with
two names, a name of two schools, a file with no rows) is not an error: it is kept in
the manifest's ``findings``, which the harmonise command prints.

A source of ``kind: toms`` is the state's score files (:mod:`flp_inquiry.ingest.toms`): they
are read by their own reader, and a table of ``kind: toms`` is built from them in code
(:func:`~flp_inquiry.ingest.toms.tables.score_file_tables`), then named, checked and
validated as any other; the state's other tests are written beside the four tables
(``other_tests.parquet``).
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
import pandera.pandas as pa

import flp_inquiry
from flp_inquiry.errors import FlpInquiryError, InputDataError, MappingError, Problem
from flp_inquiry.files import write_folder_atomic, writing
from flp_inquiry.ingest.failures import source_column, translate_failures
from flp_inquiry.ingest.mapping import DistrictMapping, TableSpec, load_mapping
from flp_inquiry.ingest.readers import FILE, ROW, SOURCE_OF, RawFile, read_export
from flp_inquiry.ingest.schema import (
    ENROLLED_BY,
    ENROLLED_TABLES,
    MODELS,
    TABLES,
    OtherTests,
    ScoreFileEnrollment,
    columns_of,
    optional_columns_of,
)
from flp_inquiry.ingest.school_names import SchoolNaming, name_schools
from flp_inquiry.ingest.store import MANIFEST, matching_files
from flp_inquiry.ingest.toms.reader import read_toms_file, system_memory_pool
from flp_inquiry.ingest.toms.tables import ScoreFileRows, add_attendance

#: The year of a row from its file's name (a provenance column, as FILE and SOURCE_OF).
FILE_YEAR = "_file_year"
#: Problems of one kind in one column of one file listed before the rest are counted.
MAX_LISTED_PER_KIND = 25
#: A number as exports write it: digits, an optional sign and decimal point, nothing else.
_PLAIN_NUMBER = r"[+-]?(\d+\.?\d*|\.\d+)"
#: What a row of a table is, in a coach's words.
_ROW_KINDS = {"assessments": "a test result", "math_courses": "a math course"}
#: Rows are written sorted by these columns first (then by all the others).
SORT_KEYS = {
    "enrollment": ["school_year", "student_key", "school_cds"],
    "assessments": ["school_year", "student_key", "test"],
    "math_courses": ["school_year", "student_key", "course_title"],
    "outcomes": ["cohort_year", "student_key"],
}


def harmonise_district(district: str, source: Path, out: Path, mapping: Path | str | None = None) -> Path:
    """Map a district's export folder onto the canonical tables and write them as Parquet.

    Parameters
    ----------
    district
        The district's name, as in its mapping (``"fresno"``, ``"long_beach"``).
    source
        The folder of the district's export files (only read, never written).
    out
        Where harmonised districts live; this one is written to ``out/<district>/``.
    mapping
        A mapping YAML file; default the district's own in ``flp_inquiry/mappings/``.

    Returns
    -------
    Path
        The district's output folder.

    Raises
    ------
    InputDataError
        Anything in the export that does not match the mapping; every problem is listed.
    MappingError
        The mapping itself is wrong.
    OutputError
        ``out`` is read-only or the disk is full; an earlier output is as it was.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     harmonise_district("fresno", Path(folder) / "missing", Path(folder) / "out")
    Traceback (most recent call last):
    ...
    flp_inquiry.errors.FlpInquiryError: the export folder .../missing does not exist
    """
    district_mapping = load_mapping(mapping if mapping is not None else district)
    if district_mapping.district is None:  # a mapping for any district (the state's score files): this one
        if not re.fullmatch(r"[a-z][a-z0-9_]*", district):
            raise MappingError(f"the district's name {district!r} should be a lower-case name like long_beach")
        district_mapping = dataclasses.replace(district_mapping, district=district)
    if district_mapping.district != district:
        raise MappingError(f"{district_mapping.path}: this mapping is for district "
                           f"{district_mapping.district!r}, not {district!r}")
    source, out = Path(source), Path(out)
    if not source.is_dir():
        raise FlpInquiryError(f"the export folder {source} does not exist")
    if out.resolve().is_relative_to(source.resolve()):
        raise FlpInquiryError(f"the output folder {out} is inside the export folder {source}: "
                              "raw exports are never written to, choose another --out")
    state_files = any(spec.kind == "toms" for spec in district_mapping.sources.values())
    with system_memory_pool() if state_files else contextlib.nullcontext():  # (see system_memory_pool)
        raw_files, problems = _read_sources(district_mapping, source)
        frames = {name: _concat_records(files) for name, files in raw_files.items()}
        # files with rows that could not be read: rules across rows (one primary school, enrolled
        # that year) are not judged on them, or a skipped row would be blamed on its neighbours
        incomplete = {source: {raw.name for raw in files if raw.records is None or raw.problems}
                      for source, files in raw_files.items()}
        score_files = {name: files for name, files in raw_files.items() if district_mapping.sources[name].kind == "toms"}
        builder = _TableBuilder(district_mapping, frames, incomplete, score_files)
        tables = {name: builder.build(name) for name in TABLES}
        problems += builder.problems + builder.score_rows.problems
    empty = _header_only(raw_files)
    if problems:
        # a file without rows first: the problems after it (test rows of students never enrolled) may follow from it
        raise InputDataError([*empty, *_ordered(problems)])
    findings = [{"kind": "no_rows", "file": p.file, "message": f"{p.file}: {p.message}"} for p in empty]
    findings += builder.school_naming.findings + builder.score_rows.findings
    if builder.other_tests is not None:
        tables["other_tests"] = builder.other_tests
    manifest = _manifest(district_mapping, raw_files, tables, findings)
    target = out / district
    with writing("the harmonised tables", out):
        write_folder_atomic(target, lambda folder: _write_tables(folder, tables, manifest))
    return target


def _header_only(raw_files: dict[str, list[RawFile]]) -> list[Problem]:
    """Each file with a header and no rows (blank lines aside), in file order."""
    return sorted((Problem(raw.name, None, None, None, "the file has a header and no rows: nothing is read from it")
                   for files in raw_files.values() for raw in files
                   if raw.records is not None and raw.row_count == 0 and not raw.problems), key=lambda p: p.file)


def _read_sources(mapping: DistrictMapping, source: Path) -> tuple[dict[str, list[RawFile]], list[Problem]]:
    """Read every file each source of the mapping matches; a required source with no file is a problem."""
    present = matching_files(mapping, source)
    raw_files: dict[str, list[RawFile]] = {}
    problems: list[Problem] = []
    for spec in mapping.sources.values():
        paths = [path for path in present if spec.files.fullmatch(path.name)]
        if spec.required and not paths:
            problems.append(Problem(str(source), None, None, None,
                                    f"no file is named like {spec.files.pattern!r} (the {spec.name} files)"))
        files = []
        for path in paths:
            if spec.kind == "toms":  # the state's score files: read by name in their own layouts
                scores = read_toms_file(path)
                problems += scores.problems
                files.append(scores)
                continue
            raw = read_export(path, encoding=spec.encoding, delimiter=spec.delimiter,
                              required_columns=mapping.source_columns(spec.name))
            problems += raw.problems
            if raw.records is not None:
                year = spec.files.fullmatch(path.name).groupdict().get("year")
                records = raw.records.assign(**{FILE: path.name})
                records[FILE_YEAR] = pd.Series(int(year) + spec.year_offset if year else pd.NA,
                                               index=records.index, dtype="Int64")
                raw = RawFile(raw.name, raw.sha256, records, raw.problems)
            files.append(raw)
        raw_files[spec.name] = files
    return raw_files, problems


def _concat_records(files: list[RawFile]) -> pd.DataFrame | None:
    frames = [raw.records for raw in files if isinstance(raw, RawFile) and raw.records is not None]
    return pd.concat(frames, ignore_index=True) if frames else None


def _ordered(problems: list[Problem]) -> list[Problem]:
    """Problems without repeats (two tables may read one file), by file then row; counts of the rest last."""
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.file, p.message.startswith("... and"), p.row or 0, p.column or ""))


def _problems_at(records: pd.DataFrame, bad: pd.Series, column: str | Callable, values: pd.Series,
                 message: str) -> list[Problem]:
    """One problem per bad row (the first few per file; the rest counted), naming file, row, column, value."""
    if not bad.any():
        return []
    rows = records.loc[bad, [FILE, ROW]].assign(_value=values[bad])
    if callable(column):
        rows["_column"] = column(rows.index)
    else:
        rows["_column"] = column
    rows["_rank"] = rows.groupby([FILE, "_column"]).cumcount()
    listed = rows[rows["_rank"] < MAX_LISTED_PER_KIND]
    problems = [Problem(file, int(row), col, None if pd.isna(value) else value, message)
                for file, row, col, value in listed[[FILE, ROW, "_column", "_value"]].itertuples(index=False)]
    unlisted = rows[rows["_rank"] >= MAX_LISTED_PER_KIND].groupby([FILE, "_column"]).size()
    for (file, col), count in unlisted.items():
        problems.append(Problem(file, None, col, None, f"... and {count} more rows with the same problem: {message}"))
    return problems


class _TableBuilder:
    """Builds the canonical tables of one district from its source records, collecting problems."""

    def __init__(self, mapping: DistrictMapping, frames: dict[str, pd.DataFrame | None],
                 incomplete: dict[str, set[str]] | None = None, score_files: dict[str, list] | None = None):
        self.mapping = mapping
        self.frames = frames
        #: the canonical rows of the state's score files (sources of kind toms), and their other tests
        self.score_rows = ScoreFileRows(score_files or {}, mapping.district)
        self.other_tests: pd.DataFrame | None = None
        #: by source, the names of its files some (or all) of whose rows could not be read
        self.incomplete = incomplete or {}
        self.problems: list[Problem] = []
        #: converted rows (with file and row) of the tables built so far, for rules across tables
        self.built: dict[str, pd.DataFrame] = {}
        #: each school code's one display name (set when the enrollment table is built)
        self.school_naming = SchoolNaming()

    def build(self, table: str) -> pd.DataFrame:
        spec = self.mapping.tables.get(table)
        if spec is not None and spec.kind == "toms":
            records = converted = self._score_file_rows(table, spec)
        else:
            records = self.frames.get(spec.source) if spec else None
        if records is None:
            return MODELS[table].validate(pd.DataFrame({c: [] for c in columns_of(table)}))
        if spec.kind != "toms":
            records = records[self._keep(records, spec.rows_where, spec.rows_with_value)].reset_index(drop=True)
            converted = self._convert_all(records, spec.columns)
        if spec.kind == "wide":
            converted = self._unpivot(records, converted, spec)
        for name, column_spec in spec.columns.items():
            if "notna_of" in column_spec:
                converted[name] = converted[column_spec["notna_of"]].notna()
        converted["district"] = self.mapping.district
        if table == "enrollment":
            self._name_schools(records, converted, spec)
        if spec.unique:
            self._check_unique(converted, spec)
            if spec.unique.get("required"):
                self._check_one_required(converted, spec)
        if table in ENROLLED_TABLES:
            self._check_enrolled(converted, spec)
        self.built[table] = converted
        # columns looked up in a file that could not be read: that file's problem says it all
        unreadable = {name for name, column_spec in spec.columns.items()
                      if "lookup" in column_spec and self.frames.get(column_spec["lookup"]["source"]) is None}
        reported = [*self.problems, *self.score_rows.problems, *self.score_rows.reported]
        return self._validate(table, spec, converted, reported, unreadable)

    def _score_file_rows(self, table: str, spec: TableSpec) -> pd.DataFrame:
        """The canonical rows of a table of kind toms; a toms enrollment with its attendance export's days."""
        rows = self.score_rows.rows(table, spec.source, spec.student_id)
        if table == "assessments":
            self.other_tests = self._validate("other_tests", spec, self.score_rows.other_tests(spec.source, spec.student_id),
                                              list(self.problems), set())
        attendance = self.frames.get(spec.attendance["source"]) if spec.attendance else None
        if table == "enrollment" and attendance is not None:  # (an unreadable file: its own problems say so)
            columns = spec.attendance["columns"]
            rows = add_attendance(rows, self._convert_all(attendance, columns), self.score_rows,
                                  {name: column.get("column", name) for name, column in columns.items()})
        return rows

    def _name_schools(self, records: pd.DataFrame, converted: pd.DataFrame, spec: TableSpec) -> None:
        """One display name per school code (:mod:`flp_inquiry.ingest.school_names`), set on every row."""
        files = converted[FILE]
        lookup = spec.columns.get("school_name", {}).get("lookup")
        if lookup and self.frames.get(lookup["source"]) is not None:
            # a looked-up name was read from the lookup file (sites.csv), not from the student's row
            table = self.frames[lookup["source"]].drop_duplicates(lookup["key"])
            files = records[spec.columns["school_name"]["column"]].map(
                table.set_index(lookup["key"])[FILE]).astype(object).fillna(files)
        self.school_naming = name_schools(pd.DataFrame({
            "file": files, "school_year": converted["school_year"], "school_cds": converted["school_cds"],
            "school_name": converted["school_name"]}))
        named = converted["school_cds"].map(self.school_naming.names).astype(object)
        # a row whose code could not be read keeps what it had (its problem is reported at the code)
        converted["school_name"] = named.fillna(converted["school_name"].astype(object)).fillna("").astype(str)

    # -- reading values -------------------------------------------------------------------------

    @staticmethod
    def _keep(records: pd.DataFrame, rows_where: dict, rows_with_value: list) -> pd.Series:
        """Rows whose raw values are among those listed and that have a value in one of the columns listed."""
        keep = pd.Series(True, index=records.index)
        for column, values in rows_where.items():
            keep &= records[column].isin([str(v) for v in values])
        if rows_with_value:
            keep &= records[rows_with_value].notna().any(axis=1)
        return keep

    def _convert_all(self, records: pd.DataFrame, columns: dict[str, dict]) -> pd.DataFrame:
        converted = pd.DataFrame({FILE: records[FILE], ROW: records[ROW]})
        for name, column_spec in columns.items():
            if "notna_of" not in column_spec:
                converted[name] = self._convert(records, column_spec)
        return converted

    def _convert(self, records: pd.DataFrame, spec: dict[str, Any]) -> pd.Series:
        """One canonical column from one column spec; every bad value becomes a problem."""
        if "value" in spec:
            return pd.Series(spec["value"], index=records.index)
        if "file_year" in spec:
            return records[FILE_YEAR]
        column = spec["column"]
        raw = records[column]
        if not spec.get("optional", False):
            self.problems += _problems_at(records, raw.isna(), column, raw, "is blank; a value is required")
        if "codes" in spec:
            return self._map_codes(records, column, self.mapping.code_list(spec["codes"]),
                                   "is not a code the mapping knows")
        if "lookup" in spec:
            if self.frames.get(spec["lookup"]["source"]) is None:
                # the lookup file itself could not be read: that is the problem reported
                return pd.Series(pd.NA, index=records.index, dtype="str")
            return self._map_codes(records, column, self._lookup(spec["lookup"]),
                                   f"is not a {spec['lookup']['key']} of the {spec['lookup']['source']} file")
        kind = spec.get("type", "text")
        if "pattern" in spec:
            unlike = raw.notna() & ~raw.str.fullmatch(str(spec["pattern"])).fillna(False).astype(bool)
            self.problems += _problems_at(records, unlike, column, raw,
                                          f"does not have the form the mapping expects ({spec['pattern']}): "
                                          "was it changed by a spreadsheet (leading zeros dropped, 1.2E+06)?")
        if kind == "text":
            return spec.get("prefix", "") + raw
        if kind == "key":
            return f"{self.mapping.district}:" + raw
        if kind == "date":
            dates = pd.to_datetime(raw, format=spec["format"], errors="coerce")
            self.problems += _problems_at(records, raw.notna() & dates.isna(), column, raw,
                                          f"is not a date in the form {_readable(spec['format'])}")
            return dates
        # plain decimals only: 1,234 / 1e3 / 1_000 / inf are refused, never read as another number
        plain = raw.str.fullmatch(_PLAIN_NUMBER).fillna(False).astype(bool)
        numbers = pd.to_numeric(raw.where(plain), errors="coerce")
        not_number = raw.notna() & numbers.isna()
        self.problems += _problems_at(records, not_number, column, raw,
                                      "is not a number (write numbers plainly, like 1234 or 3.5, "
                                      "without thousands separators)")
        if kind == "integer":
            fractional = numbers.notna() & (numbers % 1 != 0)
            self.problems += _problems_at(records, fractional, column, raw, "is not a whole number")
            numbers = numbers.where(~fractional)
        low, high = spec.get("min", -np.inf), spec.get("max", np.inf)
        outside = numbers.notna() & ((numbers < low) | (numbers > high))
        self.problems += _problems_at(records, outside, column, raw,
                                      f"is outside the plausible range {spec.get('min')} to {spec.get('max')}")
        return numbers.astype("Int64" if kind == "integer" else "Float64")

    def _map_codes(self, records: pd.DataFrame, column: str, codes: dict[str, Any], message: str) -> pd.Series:
        raw = records[column]
        unknown = raw.notna() & ~raw.isin(list(codes))
        shown = ", ".join(list(codes)[:15]) + (", ..." if len(codes) > 15 else "")
        self.problems += _problems_at(records, unknown, column, raw, f"{message} (known: {shown})")
        return raw.map(codes).astype(_dtype_of(codes.values()))

    def _lookup(self, lookup: dict[str, str]) -> dict[str, Any]:
        """A code list read from another source file (e.g. site_id -> cds_code); repeated keys are problems."""
        table = self.frames[lookup["source"]]
        repeated = table[lookup["key"]].duplicated(keep=False) & table[lookup["key"]].notna()
        self.problems += _problems_at(table, repeated, lookup["key"], table[lookup["key"]],
                                      "appears more than once: which row is meant?")
        pairs = table.loc[~repeated & table[lookup["key"]].notna(), [lookup["key"], lookup["value"]]]
        return dict(zip(pairs[lookup["key"]], pairs[lookup["value"]]))

    # -- reshaping and checks -------------------------------------------------------------------

    def _unpivot(self, records: pd.DataFrame, shared: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
        """Wide blocks (one per test) -> one row per kept block; values on rows not kept are problems."""
        parts = []
        for block_name, block in spec.blocks.items():
            block_specs = {name: {**spec.block_columns[name], "column": source_column}
                           for name, source_column in block["columns"].items()}
            part = shared.copy()
            for name, column_spec in block_specs.items():
                part[name] = self._convert(records, column_spec)
                part[SOURCE_OF + name] = column_spec["column"]
            keep = self._keep(records, block.get("rows_where", {}), block.get("rows_with_value", []))
            sources = list(block["columns"].values())
            stray = ~keep & records[sources].notna().any(axis=1)
            if stray.any():
                # name the block's first column with a value on each stray row
                stray_column = pd.Series(None, index=records.index, dtype="str")
                stray_value = pd.Series(None, index=records.index, dtype="str")
                for column in reversed(sources):  # a handful of columns, not rows
                    has_value = records[column].notna()
                    stray_column = stray_column.mask(has_value, column)
                    stray_value = stray_value.mask(has_value, records[column])
                self.problems += _problems_at(
                    records, stray, lambda index: stray_column[index], stray_value,
                    f"a {block_name} result on a row that cannot have one "
                    f"({_describe_keep(block)}): not read")
            part[spec.block_name_column] = block_name
            parts.append(part[keep])
        return pd.concat(parts, ignore_index=True)

    def _check_unique(self, table: pd.DataFrame, spec: TableSpec) -> None:
        """Rows repeating the unique columns are problems, each naming the rows it repeats."""
        key_columns = spec.unique["columns"]
        candidates = table[table[spec.unique["where"]].fillna(False).astype(bool)] if "where" in spec.unique else table
        candidates = candidates.dropna(subset=key_columns)
        repeated = candidates[candidates.duplicated(key_columns, keep=False)].sort_values([FILE, ROW])
        if repeated.empty:
            return
        listed = repeated.head(MAX_LISTED_PER_KIND)
        # the rows of each listed group only: a bounded number of small groups
        groups = repeated.merge(listed[key_columns].drop_duplicates(), on=key_columns)
        rows_of_group = groups.groupby(key_columns)[ROW].agg(lambda rows: ", ".join(map(str, sorted(rows))))
        first = key_columns[0]
        column = source_column(spec, first)
        what = " and ".join(key_columns[1:]) or "the file"
        where = f" with {spec.unique['where']} = true" if "where" in spec.unique else ""
        message = f"appears on more than one row{where} for the same {what}"
        for file, row, *key in listed[[FILE, ROW, *key_columns]].itertuples(index=False):
            group = rows_of_group.loc[tuple(key) if len(key) > 1 else key[0]]
            value = str(key[0]).removeprefix(f"{self.mapping.district}:")
            self.problems.append(Problem(file, int(row), column, value,
                                         f"{message} (rows {group}); only one is allowed"))
        if len(repeated) > len(listed):
            self.problems.append(Problem(listed[FILE].iloc[0], None, column, None,
                                         f"... and {len(repeated) - len(listed)} more rows: {message}"))

    def _check_one_required(self, table: pd.DataFrame, spec: TableSpec) -> None:
        """Each group of rows (e.g. a student's enrollments in a year) needs one row where ``where`` is true."""
        key_columns, where = spec.unique["columns"], spec.unique["where"]
        rows = table.dropna(subset=key_columns)
        rows = rows[~rows[FILE].isin(self.incomplete.get(spec.source, set()))]
        # built-in sums over boolean columns: Python lambdas per group cost ~90 s at district scale
        flags = pd.DataFrame({"marked": rows[where].fillna(False).astype(bool).astype("int64"),
                              "unknown": rows[where].isna().astype("int64")})
        counts = flags.groupby([rows[c] for c in key_columns], dropna=False).sum()
        counts["unknown"] = counts["unknown"] > 0
        # a group with an unreadable flag is already reported at that cell
        lacking = counts[(counts["marked"] == 0) & ~counts["unknown"]].reset_index()[key_columns]
        if lacking.empty:
            return
        lacking_rows = rows.merge(lacking, on=key_columns).sort_values([FILE, ROW])
        rows_of_group = lacking_rows.groupby(key_columns)[ROW].agg(lambda r: ", ".join(map(str, sorted(r))))
        marker = source_column(spec, where)
        what = " and ".join(key_columns[1:]) or "the file"
        message = f"no row has {where} = true for the same {what}"
        listed = lacking_rows.head(MAX_LISTED_PER_KIND)
        for file, row, *key in listed[[FILE, ROW, *key_columns]].itertuples(index=False):
            group = rows_of_group.loc[tuple(key) if len(key) > 1 else key[0]]
            value = str(key[0]).removeprefix(f"{self.mapping.district}:")
            self.problems.append(Problem(file, int(row), source_column(spec, key_columns[0]), value,
                                         f"{message} (rows {group}): mark exactly one in {marker}"))
        if len(lacking_rows) > len(listed):
            self.problems.append(Problem(listed[FILE].iloc[0], None, source_column(spec, key_columns[0]), None,
                                         f"... and {len(lacking_rows) - len(listed)} more rows: {message}"))

    def _check_enrolled(self, table: pd.DataFrame, spec: TableSpec) -> None:
        """Rows (test results, courses) of a student with no enrollment row that year are problems."""
        enrollment = self.built.get("enrollment")
        if enrollment is None or self.incomplete.get(self.mapping.tables["enrollment"].source):
            return  # no enrollment table, or rows of its files could not be read (reported)
        key, year = ENROLLED_BY
        # a student whose enrollment year could not be read is already reported there
        unsure = set(enrollment.loc[enrollment[year].isna(), key])
        enrolled = enrollment[[key, year]].dropna().drop_duplicates()
        rows = table.drop_duplicates([FILE, ROW]).dropna(subset=[key, year])
        found = rows.merge(enrolled.assign(_enrolled=True), on=[key, year], how="left")["_enrolled"]
        missing = found.isna().to_numpy() & ~rows[key].isin(unsure).to_numpy()
        missing = pd.Series(missing, index=rows.index)
        ids = rows[key].str.removeprefix(f"{self.mapping.district}:")
        if self.mapping.tables["enrollment"].kind == "toms" and spec.kind != "toms":
            # the score files' snapshot holds only the students with a test record: a course of a grade 9
            # student is no mistake, but no school or group is known for it
            for file, count in rows.loc[missing, FILE].value_counts().sort_index().items():
                self.score_rows.findings.append({"kind": "rows_without_scores", "file": file, "message": (
                    f"{file}: {count} row(s) of students with no score-file record that year (no school, grade or "
                    "group for them): not counted")})
            return
        for school_year in sorted(rows.loc[missing, year].unique()):
            self.problems += _problems_at(
                rows, missing & (rows[year] == school_year), source_column(spec, key), ids,
                f"has no enrollment row in school year {int(school_year)}: "
                f"{_ROW_KINDS.get(spec.name, spec.name)} for a student who was not enrolled that year")

    def _validate(self, table: str, spec: TableSpec, converted: pd.DataFrame,
                  already_reported: list[Problem], unreadable: set[str]) -> pd.DataFrame:
        """Validate against the canonical model; failures go back to file, row and source column.

        A failure in a cell (or, for a whole-row rule, a row) already reported by the
        mapping checks is left out: the coach sees one problem per mistake.
        """
        model = {"other_tests": OtherTests}.get(table, MODELS.get(table))
        if table == "enrollment" and spec.kind == "toms":
            model = ScoreFileEnrollment  # the score files have no attendance: days may be null
        required = columns_of(table) if table in MODELS else list(OtherTests.to_schema().columns)
        optional = optional_columns_of(table) if table in MODELS else []
        canonical = converted[[*required, *(column for column in optional if column in converted)]]
        try:
            valid = model.validate(canonical, lazy=True)
        except pa.errors.SchemaErrors as errors:
            cells = {(p.file, p.row, p.column) for p in already_reported}
            rows = {(p.file, p.row) for p in already_reported}
            failures = errors.failure_cases[~errors.failure_cases["column"].isin(unreadable)]
            for problem, whole_row_rule in translate_failures(failures, converted, spec):
                seen = (problem.file, problem.row) in rows if whole_row_rule else \
                    (problem.file, problem.row, problem.column) in cells
                if not seen:
                    self.problems.append(problem)
            return canonical
        keys = SORT_KEYS.get(table, SORT_KEYS["assessments"])
        order = keys + [c for c in valid.columns if c not in keys]
        return valid.sort_values(order, kind="stable").reset_index(drop=True)


def _dtype_of(values) -> str:
    """The pandas dtype for a code list's canonical values (nullable, as some codes mean 'none')."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return "boolean"
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "Int64"
    return "str"


def _readable(date_format: str) -> str:
    """``'%m/%d/%Y'`` -> ``'MM/DD/YYYY'``, as a data coach writes it.

    >>> _readable("%Y%m%d")
    'YYYYMMDD'
    """
    for code, text in (("%Y", "YYYY"), ("%m", "MM"), ("%d", "DD")):
        date_format = date_format.replace(code, text)
    return date_format


def _describe_keep(block: dict) -> str:
    parts = [f"{column} is not one of {', '.join(map(str, values))}"
             for column, values in block.get("rows_where", {}).items()]
    return "; ".join(parts) or "not a row the mapping keeps"


def _manifest(mapping: DistrictMapping, raw_files: dict[str, list[RawFile]], tables: dict[str, pd.DataFrame],
              findings: list[dict]) -> dict:
    return {
        "district": mapping.district,
        "mapping": {"path": str(mapping.path.resolve()), "sha256": mapping.sha256},
        # a state score file also says so, and its layout (its year's header)
        "sources": sorted(({"file": raw.name, "sha256": raw.sha256, "rows": raw.row_count,
                            **({"kind": "toms", "layout": raw.layout.label if raw.layout else None}
                               if not isinstance(raw, RawFile) else {})}
                           for files in raw_files.values() for raw in files), key=lambda entry: entry["file"]),
        "tables": {name: len(frame) for name, frame in tables.items()},
        # not errors: what a coach may want to fix in the SIS (printed by the harmonise command too)
        "findings": findings,
        "package_version": flp_inquiry.__version__,
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def _write_tables(folder: Path, tables: dict[str, pd.DataFrame], manifest: dict) -> None:
    for name, frame in tables.items():
        frame.to_parquet(folder / f"{name}.parquet", index=False)
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
