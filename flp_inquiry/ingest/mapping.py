"""District mapping files: how one district's export maps onto the canonical tables.

A mapping is YAML (configuration is data): which files to read, how the school
year is found, the code lists, and for each canonical table which source column
fills which canonical column.  Adding a district means writing a mapping, not
code.  :func:`load_mapping` reads a mapping with ``yaml.safe_load`` and checks
it thoroughly, so a mistake in the YAML is reported as a :class:`MappingError`
naming the file and the key, before any student record is read.

Layout of a mapping file::

    district: fresno            # used in student keys: "fresno:<id>"
    encoding: cp1252            # of every source file (a source may override)
    delimiter: ","
    codes:                      # named code lists: source text -> canonical value
      grade: {"TK": -1, "KN": 0, "01": 1}
    sources:                    # kinds of files in the export folder
      enrollment:
        files: 'enrollment_(?P<year>\\d{4})-\\d{2}\\.csv'   # regex on the file name
        year_offset: 1          # school_year = year in the name + 1
    tables:                     # canonical tables (those left out are written empty)
      enrollment:
        source: enrollment
        kind: rows              # or "wide" (one block of columns per test -> long rows)
        columns:
          student_key: {column: StudentID, type: key}
          grade: {column: Grade, codes: grade}

Column specs take exactly one of ``type`` (``text``, ``key``, ``integer``,
``number``, ``date``), ``codes`` (a named list or an inline mapping),
``lookup`` (a code list read from another source file: ``{source, key, value}``),
``value`` (a constant), ``file_year: true`` (the year from the file name) or
``notna_of`` (True where another canonical column has a value).  A ``text`` or ``key``
column may give a ``pattern`` (a regular expression every value must match in full, e.g.
``'\\d{9}'`` for ids that keep their leading zeros), so an id a spreadsheet has mangled
(``4518233``, ``1.23E+06``) is reported instead of becoming another student.

A ``unique`` rule may say ``required: true`` with its ``where`` column: then each group of
rows (same ``columns``) needs exactly one row where that column is true, e.g. one primary
enrollment per student and year.

The state's own score files (TOMS, :mod:`flp_inquiry.ingest.toms`) have one shape for every
district: a source of ``kind: toms`` names them, and a table of ``kind: toms`` (assessments,
enrollment) is built from them with no columns to map; ``student_id`` says whether student keys
are the ``SSID`` (default) or the district's ``LocalStudentID`` (so they join its own exports),
and a toms enrollment may take its days from the district's attendance export::

    sources:
      score_files: {files: '.*(CAASPP|ELPAC).*', kind: toms}
      attendance: {files: 'attendance\\.csv'}
    tables:
      assessments: {source: score_files, kind: toms, student_id: LocalStudentID}
      enrollment:
        source: score_files
        kind: toms
        student_id: LocalStudentID
        attendance:
          source: attendance
          columns: {school_year: ..., student_key: ..., days_enrolled: ..., days_absent: ...}

A mapping without ``district`` (the built-in ``toms`` mapping) serves any district: the one
harmonised.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from flp_inquiry.errors import MappingError
from flp_inquiry.ingest.schema import TABLES, columns_of, optional_columns_of

#: Reader kinds a table may use: "rows" maps records one to one; "wide" turns
#: blocks of columns (one per test) into one row per block; "toms" builds it from the state's score files.
TABLE_KINDS = ("rows", "wide", "toms")
#: Kinds of source file: a district's own export (read as its mapping says) or the state's score files.
SOURCE_KINDS = ("export", "toms")
#: The tables the state's score files can give, and the ids a student key can be made of.
TOMS_TABLES = ("assessments", "enrollment")
TOMS_STUDENT_IDS = ("SSID", "LocalStudentID")
#: The columns a toms enrollment's attendance block maps from the district's attendance export.
ATTENDANCE_COLUMNS = ("school_year", "student_key", "days_enrolled", "days_absent")
COLUMN_TYPES = ("text", "key", "integer", "number", "date")
#: The keys that say where a column's values come from; a column spec has exactly one.
VALUE_SOURCES = ("type", "codes", "lookup", "value", "file_year", "notna_of")

_TOP_KEYS = {"district": False, "encoding": True, "delimiter": True, "codes": False,
             "sources": True, "tables": True, "description": False}
_SOURCE_KEYS = {"files": True, "year_offset": False, "required": False, "encoding": False,
                "delimiter": False, "kind": False}
_TABLE_KEYS = {"source": True, "kind": False, "columns": True, "unique": False,
               "rows_where": False, "rows_with_value": False,
               "block_name_column": False, "block_columns": False, "blocks": False}
_TOMS_TABLE_KEYS = {"source": True, "kind": True, "student_id": False, "attendance": False}
_ATTENDANCE_KEYS = {"source": True, "columns": True}
_WIDE_ONLY = ("block_name_column", "block_columns", "blocks")
_COLUMN_KEYS = {"column", "optional", "min", "max", "format", "prefix", "pattern", *VALUE_SOURCES}
_BLOCK_KEYS = {"columns": True, "rows_where": False, "rows_with_value": False}
_UNIQUE_KEYS = {"columns": True, "where": False, "required": False}
_LOOKUP_KEYS = {"source": True, "key": True, "value": True}


@dataclass(frozen=True)
class SourceSpec:
    """One kind of file in a district's export folder (e.g. the yearly enrollment files)."""

    name: str
    files: re.Pattern
    year_offset: int
    required: bool
    encoding: str
    delimiter: str
    kind: str = "export"


@dataclass(frozen=True)
class TableSpec:
    """How one canonical table is built from one source; ``columns`` are column specs (dicts)."""

    name: str
    source: str
    kind: str
    columns: dict[str, dict[str, Any]]
    unique: dict[str, Any] | None
    rows_where: dict[str, list[str]]
    rows_with_value: list[str]
    block_name_column: str | None
    block_columns: dict[str, dict[str, Any]]
    blocks: dict[str, dict[str, Any]]
    #: kind "toms": the id student keys are made of, and the attendance export's block (or None)
    student_id: str = "SSID"
    attendance: dict[str, Any] | None = None


@dataclass(frozen=True)
class DistrictMapping:
    """A checked district mapping, as loaded from its YAML file (``district`` None: any district)."""

    district: str | None
    path: Path
    sha256: str
    codes: dict[str, dict[str, Any]]
    sources: dict[str, SourceSpec]
    tables: dict[str, TableSpec]

    def code_list(self, codes: str | dict[str, Any]) -> dict[str, Any]:
        """The code list a column spec's ``codes`` names (or holds inline).

        >>> load_mapping("fresno").code_list("grade")["TK"]
        -1
        """
        return codes if isinstance(codes, dict) else self.codes[codes]

    def source_columns(self, source: str) -> list[str]:
        """Every column of ``source`` the mapping reads: the columns its files must have.

        >>> load_mapping("long_beach").source_columns("sites")
        ['cds_code', 'site_id', 'site_name']
        """
        used: set[str] = set()
        for table in self.tables.values():
            if table.source == source:
                used.update(spec["column"] for spec in table.columns.values() if "column" in spec)
                used.update(table.rows_where)
                used.update(table.rows_with_value)
                for block in table.blocks.values():
                    used.update(block["columns"].values())
                    used.update(block.get("rows_where", {}))
                    used.update(block.get("rows_with_value", []))
            for spec in table.columns.values():
                lookup = spec.get("lookup")
                if lookup and lookup["source"] == source:
                    used.update((lookup["key"], lookup["value"]))
            if table.attendance and table.attendance.get("source") == source:
                used.update(spec["column"] for spec in table.attendance["columns"].values() if "column" in spec)
        return sorted(used)


def builtin_mapping_path(district: str) -> Path:
    """The path of a district's own mapping shipped with the package.

    >>> builtin_mapping_path("fresno").name
    'fresno.yaml'
    """
    return Path(str(resources.files("flp_inquiry") / "mappings" / f"{district}.yaml"))


def load_mapping(district_or_path: str | Path) -> DistrictMapping:
    """Load and check a district mapping: a district name (``"fresno"``) or a YAML path.

    Parameters
    ----------
    district_or_path
        The name of a district with a mapping in ``flp_inquiry/mappings/``, or
        the path of a mapping YAML file.

    Returns
    -------
    DistrictMapping

    Raises
    ------
    MappingError
        The file is missing, is not YAML, or has unknown, missing or wrong keys;
        every mistake found is listed, each with its key.

    Examples
    --------
    >>> mapping = load_mapping("fresno")
    >>> mapping.district, mapping.sources["enrollment"].encoding
    ('fresno', 'cp1252')
    >>> sorted(mapping.tables)
    ['assessments', 'enrollment', 'math_courses', 'outcomes']
    """
    path = Path(district_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = builtin_mapping_path(str(district_or_path))
        if not path.is_file():
            known = sorted(p.stem for p in path.parent.glob("*.yaml"))
            raise MappingError(f"there is no mapping for district {str(district_or_path)!r} "
                               f"(known: {', '.join(known)}); pass a mapping YAML file instead, or --mapping toms "
                               "for the state's TOMS score files")
    try:
        raw_bytes = path.read_bytes()
    except OSError as err:
        raise MappingError(f"{path}: cannot read the mapping file ({err.strerror})") from None
    try:
        document = yaml.safe_load(raw_bytes)
    except yaml.YAMLError as err:
        raise MappingError(f"{path}: not valid YAML: {err}") from None
    return _MappingChecker(path).check(document, hashlib.sha256(raw_bytes).hexdigest())


class _MappingChecker:
    """Checks a parsed mapping document, collecting every mistake with its key path."""

    def __init__(self, path: Path):
        self.path = path
        self.mistakes: list[str] = []

    def fail(self, key: str, message: str) -> None:
        self.mistakes.append(f"{key}: {message}")

    def keys(self, where: str, section: Any, allowed: dict[str, bool] | set[str]) -> bool:
        """Check a section is a mapping with no unknown and no missing required keys."""
        if not isinstance(section, dict):
            self.fail(where, f"should be a mapping of keys, not {type(section).__name__}")
            return False
        for key in section:
            if key not in allowed:
                self.fail(f"{where}.{key}" if where else str(key),
                          f"unknown key (allowed: {', '.join(sorted(allowed))})")
        required = [k for k, needed in allowed.items() if needed] if isinstance(allowed, dict) else []
        for key in required:
            if key not in section:
                self.fail(f"{where}.{key}" if where else key, "missing required key")
        return True

    def check(self, document: Any, sha256: str) -> DistrictMapping:
        if not isinstance(document, dict):
            self.keys("", document, _TOP_KEYS)
            self.raise_if_mistakes()
        exports = [spec for spec in (document.get("sources") or {}).values()
                   if not (isinstance(spec, dict) and spec.get("kind") == "toms")]
        # the state's score files have their own encoding and delimiter: only the exports need them
        needed = {key: required and (key not in ("encoding", "delimiter") or bool(exports))
                  for key, required in _TOP_KEYS.items()}
        self.keys("", document, needed)
        codes = self.check_codes(document.get("codes") or {})
        sources = self.check_sources(document)
        tables = self.check_tables(document.get("tables"), codes, sources)
        district = document.get("district")
        if "district" in document and not (isinstance(district, str) and re.fullmatch(r"[a-z][a-z0-9_]*", district)):
            self.fail("district", f"{district!r} should be a lower-case name like long_beach")
        self.raise_if_mistakes()
        return DistrictMapping(district, self.path, sha256, codes, sources, tables)

    def raise_if_mistakes(self) -> None:
        if self.mistakes:
            listed = "\n".join(f"  - {m}" for m in self.mistakes)
            raise MappingError(f"{self.path}: {len(self.mistakes)} mistake(s) in the mapping file:\n{listed}")

    def check_codes(self, codes: Any) -> dict[str, dict[str, Any]]:
        if not isinstance(codes, dict):
            self.fail("codes", "should be a mapping of named code lists")
            return {}
        for name, code_list in codes.items():
            self.check_code_list(f"codes.{name}", code_list)
        return codes

    def check_code_list(self, where: str, code_list: Any) -> None:
        if not isinstance(code_list, dict) or not code_list:
            self.fail(where, "should be a non-empty mapping of source code -> canonical value")
            return
        for code in code_list:
            if not isinstance(code, str):
                # YAML reads 01 as 1 and TRUE as true: quoting keeps the export's exact text
                self.fail(f"{where}.{code}", "source codes must be quoted text, e.g. \"01\" or \"TRUE\"")

    def check_sources(self, document: dict) -> dict[str, SourceSpec]:
        sources: dict[str, SourceSpec] = {}
        section = document.get("sources")
        if not isinstance(section, dict):
            self.fail("sources", "should be a mapping of source names to file specs")
            return sources
        for name, spec in section.items():
            where = f"sources.{name}"
            if not self.keys(where, spec, _SOURCE_KEYS) or "files" not in spec:
                continue
            try:
                pattern = re.compile(str(spec["files"]))
            except re.error as err:
                self.fail(f"{where}.files", f"not a valid regular expression: {err}")
                continue
            if "year_offset" in spec and "year" not in pattern.groupindex:
                self.fail(f"{where}.year_offset", "the files pattern has no (?P<year>...) group")
            kind = spec.get("kind", "export")
            if kind not in SOURCE_KINDS:
                self.fail(f"{where}.kind", f"{kind!r} is not a kind of source ({', '.join(SOURCE_KINDS)})")
            elif kind == "toms":
                for key in ("encoding", "delimiter", "year_offset"):
                    if key in spec:
                        self.fail(f"{where}.{key}", "the state's score files say their own (UTF-8, ^, the "
                                                    "layout's school year): remove it")
            sources[name] = SourceSpec(
                name, pattern, int(spec.get("year_offset", 0)), bool(spec.get("required", True)),
                str(spec.get("encoding", document.get("encoding"))),
                str(spec.get("delimiter", document.get("delimiter"))), kind,
            )
        return sources

    def check_tables(self, section: Any, codes: dict, sources: dict[str, SourceSpec]) -> dict[str, TableSpec]:
        tables: dict[str, TableSpec] = {}
        if not self.keys("tables", section, {t: False for t in TABLES}):
            return tables
        for name, spec in section.items():
            where = f"tables.{name}"
            if name in TABLES and isinstance(spec, dict) and spec.get("kind") == "toms":
                toms = self.check_toms_table(where, name, spec, codes, sources)
                if toms is not None:
                    tables[name] = toms
                continue
            if name not in TABLES or not self.keys(where, spec, _TABLE_KEYS):
                continue
            kind = spec.get("kind", "rows")
            if kind not in TABLE_KINDS:
                self.fail(f"{where}.kind", f"{kind!r} is not a reader kind ({', '.join(TABLE_KINDS)})")
            if kind != "wide":
                for key in _WIDE_ONLY:
                    if key in spec:
                        self.fail(f"{where}.{key}", "only a table of kind 'wide' has blocks")
            if spec.get("source") not in sources:
                self.fail(f"{where}.source", f"{spec.get('source')!r} is not one of the sources")
            elif sources[spec["source"]].kind == "toms":
                self.fail(f"{where}.source", f"{spec['source']!r} is the state's score files: this table "
                                             "needs kind: toms (and no columns)")
            columns = spec.get("columns") or {}
            block_columns = spec.get("block_columns") or {}
            for column, column_spec in {**columns, **block_columns}.items():
                in_block = column in block_columns
                self.check_column(f"{where}.{'block_columns' if in_block else 'columns'}.{column}",
                                  column_spec, codes, sources, in_block)
            blocks = spec.get("blocks") or {}
            for block_name, block in blocks.items():
                bwhere = f"{where}.blocks.{block_name}"
                if self.keys(bwhere, block, _BLOCK_KEYS) and set(block.get("columns", {})) != set(block_columns):
                    self.fail(f"{bwhere}.columns", f"should name a source column for each of "
                                                   f"{', '.join(block_columns)}")
            if kind == "wide" and not (spec.get("block_name_column") and blocks and block_columns):
                self.fail(where, "a 'wide' table needs block_name_column, block_columns and blocks")
            source = sources.get(spec.get("source"))
            for column, column_spec in columns.items():
                if isinstance(column_spec, dict) and column_spec.get("file_year") and source \
                        and "year" not in source.files.groupindex:
                    self.fail(f"{where}.columns.{column}.file_year",
                              f"the {source.name} files pattern has no (?P<year>...) group")
            given = {"district", *columns, *block_columns}
            if spec.get("block_name_column"):
                given.add(spec["block_name_column"])
            expected = set(columns_of(name)) | set(optional_columns_of(name))
            for missing in sorted(set(columns_of(name)) - given):
                self.fail(f"{where}.columns.{missing}", "missing: every canonical column needs a spec")
            for extra in sorted(given - expected):
                self.fail(f"{where}.columns.{extra}", f"not a column of the canonical {name} table")
            unique = spec.get("unique")
            if unique is not None and self.keys(f"{where}.unique", unique, _UNIQUE_KEYS):
                for column in [*unique.get("columns", []), *([unique["where"]] if "where" in unique else [])]:
                    if column not in expected:
                        self.fail(f"{where}.unique", f"{column!r} is not a canonical column")
                if unique.get("required") and "where" not in unique:
                    self.fail(f"{where}.unique.required", "needs a 'where' column: one row of each group "
                                                          "where that column is true")
            tables[name] = TableSpec(
                name, spec.get("source"), kind, columns, unique, spec.get("rows_where") or {},
                list(spec.get("rows_with_value") or []), spec.get("block_name_column"),
                block_columns, blocks,
            )
        return tables

    def check_toms_table(self, where: str, name: str, spec: dict, codes: dict,
                         sources: dict[str, SourceSpec]) -> TableSpec | None:
        """A table built from the state's score files: which source, which id, and an attendance export."""
        if not self.keys(where, spec, _TOMS_TABLE_KEYS):
            return None
        if name not in TOMS_TABLES:
            self.fail(f"{where}.kind", f"the state's score files give only {' and '.join(TOMS_TABLES)}, not {name}")
        source = sources.get(spec.get("source"))
        if source is None or source.kind != "toms":
            self.fail(f"{where}.source", f"{spec.get('source')!r} is not a source of kind toms")
        student_id = spec.get("student_id", "SSID")
        if student_id not in TOMS_STUDENT_IDS:
            self.fail(f"{where}.student_id", f"{student_id!r} is not one of {', '.join(TOMS_STUDENT_IDS)}")
        attendance = spec.get("attendance")
        if attendance is not None:
            self.check_attendance(f"{where}.attendance", name, attendance, codes, sources)
        return TableSpec(name, spec.get("source"), "toms", {}, None, {}, [], None, {}, {},
                         student_id=str(student_id), attendance=attendance)

    def check_attendance(self, where: str, table: str, block: Any, codes: dict, sources: dict[str, SourceSpec]) -> None:
        """The block naming a district's attendance export (days enrolled and absent per student and year)."""
        if not self.keys(where, block, _ATTENDANCE_KEYS):
            return
        if table != "enrollment":
            self.fail(where, "only the enrollment table takes days from an attendance export")
        source = sources.get(block.get("source"))
        if source is None or source.kind != "export":
            self.fail(f"{where}.source", f"{block.get('source')!r} is not one of the district's export sources")
        columns = block.get("columns") or {}
        if not isinstance(columns, dict):
            self.fail(f"{where}.columns", "should be a mapping of canonical columns to column specs")
            return
        for column in ATTENDANCE_COLUMNS:
            if column not in columns:
                self.fail(f"{where}.columns.{column}", "missing: the attendance block maps "
                                                       f"{', '.join(ATTENDANCE_COLUMNS)}")
        for column, column_spec in columns.items():
            if column not in ATTENDANCE_COLUMNS:
                self.fail(f"{where}.columns.{column}", f"not an attendance column ({', '.join(ATTENDANCE_COLUMNS)})")
            else:
                self.check_column(f"{where}.columns.{column}", column_spec, codes, sources, in_block=False)

    def check_column(self, where: str, spec: Any, codes: dict, sources: dict, in_block: bool) -> None:
        if not self.keys(where, spec, _COLUMN_KEYS):
            return
        given = [key for key in VALUE_SOURCES if key in spec]
        if len(given) != 1:
            self.fail(where, f"needs exactly one of {', '.join(VALUE_SOURCES)} (found {given or 'none'})")
            return
        reads_column = given[0] in ("type", "codes", "lookup")
        if reads_column and "column" not in spec and not in_block:
            self.fail(f"{where}.column", "missing: which source column holds the values?")
        if spec.get("type", "text") not in COLUMN_TYPES:
            self.fail(f"{where}.type", f"{spec['type']!r} is not one of {', '.join(COLUMN_TYPES)}")
        if "pattern" in spec:
            if spec.get("type") not in ("text", "key"):
                self.fail(f"{where}.pattern", "only a text or key column can have a pattern")
            try:
                re.compile(str(spec["pattern"]))
            except re.error as err:
                self.fail(f"{where}.pattern", f"not a valid regular expression: {err}")
        if spec.get("type") == "date" and "format" not in spec:
            self.fail(f"{where}.format", "missing: a date column needs a format such as '%m/%d/%Y'")
        if "codes" in spec:
            if isinstance(spec["codes"], dict):
                self.check_code_list(f"{where}.codes", spec["codes"])
            elif spec["codes"] not in codes:
                self.fail(f"{where}.codes", f"{spec['codes']!r} is not one of the code lists")
        if "lookup" in spec and self.keys(f"{where}.lookup", spec["lookup"], _LOOKUP_KEYS):
            if spec["lookup"].get("source") not in sources:
                self.fail(f"{where}.lookup.source", f"{spec['lookup'].get('source')!r} is not a source")
