"""The state's score files onto the canonical tables: the built-in ``toms`` mapping, in code.

The two TOMS files have one shape for every California district, so they need no district
YAML: :func:`score_file_tables` turns read files (:mod:`~flp_inquiry.ingest.toms.reader`) into
the rows of the canonical tables, each with its file, row and, per canonical column, the header
name it came from that year (so a rule broken later names the TOMS field).  The harmonise step
(:mod:`flp_inquiry.ingest.harmonise`) then names schools, validates and writes them.

assessments (from the score files)
    Smarter Balanced ELA (record type 01) and mathematics (02), and the Summative ELPAC (21),
    one row per record.  ``grade_tested`` is GradeAssessed (the grade whose cut scores apply),
    ``include_indicator`` the state's Include Indicator, ``scale_score`` and ``level`` are kept
    only on ``Y`` records (the only ones in the state's averages and level shares: a LOSS score
    on a ``T`` record is not a result), ``tested`` is true for ``Y``, ``T`` and ``R`` (the
    state's "number tested"), ``tested_school_cds`` is the final tested school (the school of
    the state's school aggregates; for a nonpublic-school record the district of
    accountability, school code ``0000000``), and ``prior_scale_score_1..3`` are
    ScaleScoreMinus1..3 (OverallScaleScoreMinus1..3), the state's prior scores, kept for growth.
other tests (kept apart)
    CAA ELA, math and science (03-05), CAST (06), CSA (09) and the Summative Alternate ELPAC
    (23) go to their own table (:class:`~flp_inquiry.ingest.schema.OtherTests`), never into the
    Smarter Balanced or ELPAC rows.
enrollment (the files' CALPADS snapshot, for a district with no enrollment export)
    One row per student per year: school, grade, ELAS, EL entry and RFEP dates, economic
    disadvantage and IDEA / special education as CALPADS had them on the last day of the
    testing window; gender and ethnicity as the file gives them.  A student's Smarter Balanced
    record is used first, then another CAASPP record, then the ELPAC record (the CAASPP window
    ends last).  ADEL counts as EL, ethnicity 800 as two or more races.  The files have no
    attendance: the days are null (a district's attendance export can fill them in), and the
    enrollment covers only students with a score-file record (tested grades, English learners).

Student keys are ``<district>:<SSID>``, or ``<district>:<LocalStudentID>`` (in the files from
2023-24) so that rows join the district's own exports.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from flp_inquiry.codes import TESTED_INDICATORS
from flp_inquiry.errors import Problem
from flp_inquiry.ingest.readers import FILE, ROW, SOURCE_OF
from flp_inquiry.ingest.toms.layouts import FIELDS, known_layouts
from flp_inquiry.ingest.toms.reader import TomsFile
from flp_inquiry.ingest.toms.values import CAASPP_RECORD_TYPES, ELPAC_RECORD_TYPES, MAX_LISTED

SMARTER_BALANCED_TESTS = {"01": "ela", "02": "math"}
ELPAC_TESTS = {"21": "elpac"}
OTHER_TESTS = {**{k: v for k, v in CAASPP_RECORD_TYPES.items() if k not in SMARTER_BALANCED_TESTS},
               **{k: v for k, v in ELPAC_RECORD_TYPES.items() if k not in ELPAC_TESTS}}
#: The header names a student key may be made of, and the field each is.
STUDENT_IDS = {"SSID": "ssid", "LocalStudentID": "local_student_id"}
#: A nonpublic-school record counts at its district of accountability: this school code.
DISTRICT_LEVEL = "0000000"
#: The order in which a student's records give the enrollment snapshot (first wins).
_SNAPSHOT_ORDER = {"01": 0, "02": 1, "03": 2, "04": 3, "05": 4, "06": 5, "09": 6, "21": 7, "23": 8}
#: Canonical column -> (field read, in CAASPP records; in ELPAC records): the TOMS field a value comes from.
_RESULT_FIELDS = {
    "grade_tested": ("grade_assessed", "grade_assessed"), "include_indicator": ("include_indicator",) * 2,
    "scale_score": ("scale_score", "overall_scale_score"), "level": ("achievement_level", "overall_level"),
    "tested_school_cds": ("final_tested_school_code",) * 2,
    **{f"prior_scale_score_{k}": (f"scale_score_minus_{k}", f"overall_scale_score_minus_{k}") for k in (1, 2, 3)},
}
_SNAPSHOT_FIELDS = {
    "school_cds": ("calpads_school_code",) * 2, "school_name": ("calpads_school_name",) * 2,
    "grade": ("calpads_grade",) * 2, "gender": ("gender",) * 2, "ethnicity": ("ethnicity",) * 2,
    "el_status": ("elas", "elas_for_testing"), "el_start_date": ("el_entry_date",) * 2, "rfep_date": ("rfep_date", None),
    "sed": ("economic_disadvantage",) * 2, "swd": ("disability",) * 2,
}


@dataclass
class ScoreFileTables:
    """The canonical rows from a district's score files (with ``_file``, ``_row`` and ``_source:`` columns)."""

    assessments: pd.DataFrame
    enrollment: pd.DataFrame
    other_tests: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)


class ScoreFileRows:
    """The canonical rows of a district's score files, made once per source and student id, with what was found.

    >>> rows = ScoreFileRows({"score_files": []}, "toms_valley")
    >>> len(rows.rows("assessments", "score_files", "SSID")), rows.problems
    (0, [])
    """

    def __init__(self, score_files: dict[str, list[TomsFile]], district: str):
        self.score_files, self.district = score_files, district
        self.problems: list[Problem] = []
        #: what the reader found in the files: a rule broken later by such a record is not said again
        self.reported = [problem for files in score_files.values() for file in files for problem in file.problems]
        self.findings: list[dict] = []
        self._made: dict[tuple[str, str], ScoreFileTables] = {}

    def _tables(self, source: str, student_id: str) -> ScoreFileTables:
        if (source, student_id) not in self._made:
            made = score_file_tables(self.score_files.get(source, []), self.district, student_id)
            self.problems += made.problems
            self.findings += [finding for finding in made.findings if finding not in self.findings]
            self._made[(source, student_id)] = made
        return self._made[(source, student_id)]

    def rows(self, table: str, source: str, student_id: str) -> pd.DataFrame:
        """``assessments`` or ``enrollment`` rows (with ``_file``, ``_row`` and the ``_source:`` columns)."""
        return getattr(self._tables(source, student_id), table).copy()

    def other_tests(self, source: str, student_id: str) -> pd.DataFrame:
        """The state's other tests, kept apart (:class:`~flp_inquiry.ingest.schema.OtherTests` rows)."""
        return self._tables(source, student_id).other_tests.assign(district=self.district)


def add_attendance(enrollment: pd.DataFrame, days: pd.DataFrame, found: ScoreFileRows,
                   columns: dict[str, str] | None = None) -> pd.DataFrame:
    """The snapshot's enrollment with days enrolled and absent from a district's attendance export.

    ``days`` are the export's rows converted (``_file``, ``_row``, ``school_year``,
    ``student_key``, ``days_enrolled``, ``days_absent``; ``columns`` names the export's column
    of each).  A student's year given twice, or more days absent than enrolled, is a problem at
    the export's rows (``found.problems``); rows of students the score files do not have that
    year (no school, grade or group for them) are counted in a finding, not guessed.

    >>> snapshot = pd.DataFrame({"school_year": [2025, 2025], "student_key": ["t:1", "t:2"],
    ...     "days_enrolled": pd.array([None, None], dtype="Int64"), "days_absent": [np.nan, np.nan]})
    >>> days = pd.DataFrame({"_file": "attendance.csv", "_row": [2, 3], "school_year": [2025, 2025],
    ...     "student_key": ["t:1", "t:9"], "days_enrolled": [180, 170], "days_absent": [20.0, 3.0]})
    >>> found = ScoreFileRows({}, "t")
    >>> add_attendance(snapshot, days, found)[["student_key", "days_enrolled", "days_absent"]].to_dict("records")
    [{'student_key': 't:1', 'days_enrolled': 180, 'days_absent': 20.0}, {'student_key': 't:2', 'days_enrolled': None, 'days_absent': nan}]
    >>> found.findings[0]["message"]
    'attendance.csv: 1 row is of a student with no score-file record that year (no school, grade or group for them): not counted'
    """
    key = ["school_year", "student_key"]
    named = {column: (columns or {}).get(column, column) for column in ("student_key", "days_absent")}
    days = days.dropna(subset=key)
    repeated = days.duplicated(key, keep=False)
    found.problems += _problems(days, repeated, named["student_key"], days["student_key"].str.split(":", n=1).str[1],
                                "has more than one attendance row in the same school year; only one is allowed")
    too_many = days["days_absent"].astype("float64") > days["days_enrolled"].astype("float64")
    found.problems += _problems(days, too_many, named["days_absent"], days["days_absent"],
                                "is more than the days enrolled")
    days = days[~repeated & ~too_many.fillna(False)]
    merged = enrollment.drop(columns=["days_enrolled", "days_absent"]).merge(
        days[[*key, "days_enrolled", "days_absent"]], on=key, how="left")
    merged["days_enrolled"] = merged["days_enrolled"].astype("Int64")
    merged["days_absent"] = merged["days_absent"].astype("float64")
    unmatched = days.merge(enrollment[key].drop_duplicates(), on=key, how="left", indicator=True)
    for file, count in unmatched.loc[unmatched["_merge"] == "left_only", FILE].value_counts().sort_index().items():
        rows = "row is of a student" if count == 1 else "rows are of students"
        found.findings.append({"kind": "attendance_without_scores", "file": file, "message":
                               f"{file}: {count} {rows} with no score-file record that year (no school, grade or "
                               "group for them): not counted"})
    return merged[enrollment.columns]


def score_file_tables(files: list[TomsFile], district: str, student_id: str = "SSID") -> ScoreFileTables:
    """The canonical rows of read TOMS files (any years, both tests); what is wrong across files as problems.

    Parameters
    ----------
    files
        Read files (:func:`~flp_inquiry.ingest.toms.reader.read_toms_file`); unreadable ones are skipped
        (their own problems say why).
    district
        The district's name in student keys (``"toms_valley"``).
    student_id
        ``"SSID"`` (default) or ``"LocalStudentID"``: the id in student keys.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from flp_inquiry.ingest.toms.reader import read_toms_files
    >>> from flp_inquiry.ingest.toms.sample import write_toms_sample
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     tables = score_file_tables(read_toms_files(write_toms_sample(folder, students=80, seed=3)), "toms_valley")
    >>> sorted(tables.assessments["test"].unique()), tables.problems
    (['ela', 'elpac', 'math'], [])
    """
    readable = [file for file in files if file.records is not None]
    caaspp = _stack([file for file in readable if file.test == "caaspp"], "caaspp")
    elpac = _stack([file for file in readable if file.test == "elpac"], "elpac")
    key_field = STUDENT_IDS[student_id]
    problems = _repeated(caaspp, key_field, student_id) + _repeated(elpac, key_field, student_id)
    for records in (caaspp, elpac):
        missing = records[key_field].isna()
        problems += _problems(records, missing, student_id, records[key_field],
                              f"is blank: student keys are made of {student_id}"
                              + (" (in the files from 2023-24 on)" if student_id == "LocalStudentID" else ""))
    assessments = pd.concat([_results(caaspp, SMARTER_BALANCED_TESTS, "caaspp", district, key_field),
                             _results(elpac, ELPAC_TESTS, "elpac", district, key_field)], ignore_index=True)
    problems += _problems(assessments, assessments["tested_school_cds"].isna(), "FinalTestedSchoolCode", None,
                          "is blank (or, for a nonpublic-school record, SPEDAcctDist is): the state's file "
                          "always names the school a record counts at")
    other = pd.concat([_results(caaspp, OTHER_TESTS, "caaspp", district, key_field, other=True),
                       _results(elpac, OTHER_TESTS, "elpac", district, key_field, other=True)], ignore_index=True)
    enrollment = _snapshot(caaspp, elpac, district, key_field)
    return ScoreFileTables(assessments, enrollment, other, problems, _findings(readable))


def _stack(files: list[TomsFile], test: str) -> pd.DataFrame:
    frames = [file.records.assign(**{FILE: file.name, "school_year": file.school_year,
                                     "_layout": file.layout.label}) for file in files]
    if not frames:
        return pd.DataFrame({column: pd.Series(dtype="object")
                             for column in [*FIELDS[test], ROW, FILE, "school_year", "_layout"]})
    return pd.concat(frames, ignore_index=True)


def _student_keys(records: pd.DataFrame, district: str, key_field: str) -> pd.Series:
    return f"{district}:" + records[key_field].astype("str")


def reporting_school(records: pd.DataFrame) -> pd.Series:
    """The school each record counts at in the state's aggregates (14-digit CDS code).

    The final tested school (derived by TOMS from the last tested part; for a student not
    tested, the last registered school).  A nonpublic-school (NPS) record counts at its
    district of accountability, written as that district's code with school ``0000000``.

    >>> records = pd.DataFrame({"final_tested_school_code": ["99000016099001", "99000020999001"],
    ...                         "final_tested_nps_flag": [False, True],
    ...                         "sped_accountability_district": [None, "9900001"]})
    >>> reporting_school(records).tolist()
    ['99000016099001', '99000010000000']
    """
    nps = records["final_tested_nps_flag"].fillna(False).astype(bool)
    accountable = records["sped_accountability_district"].astype("object") + DISTRICT_LEVEL
    return records["final_tested_school_code"].astype("object").where(~nps, accountable)


def _sources(records: pd.DataFrame, test: str, fields: dict[str, tuple]) -> dict[str, pd.Categorical]:
    """Per canonical column, the header name its value came from in each record's layout year (as categories)."""
    index = 0 if test == "caaspp" else 1
    by_label = {layout.label: layout for layout in known_layouts() if layout.test == test}
    layouts = pd.Categorical(records["_layout"])
    sources = {}
    for column, names in fields.items():
        name = names[index]
        if name is None:
            continue
        per_layout = [by_label[label].column_of(name) or name if label in by_label else name
                      for label in layouts.categories]
        categories = list(dict.fromkeys(per_layout)) or [name]
        codes = np.array([categories.index(source) for source in per_layout] + [-1], dtype="int64")[layouts.codes]
        sources[SOURCE_OF + column] = pd.Categorical.from_codes(codes, categories=categories)
    return sources


def _results(records: pd.DataFrame, tests: dict[str, str], test: str, district: str, key_field: str,
             other: bool = False) -> pd.DataFrame:
    """Records of ``tests`` as canonical assessment rows (scores and levels on Y records only)."""
    records = records[records["record_type"].isin(list(tests))]
    score, level, prior = (("scale_score", "achievement_level", "scale_score_minus_") if test == "caaspp"
                           else ("overall_scale_score", "overall_level", "overall_scale_score_minus_"))
    counted = records["include_indicator"].eq("Y")
    rows = {
        FILE: records[FILE], ROW: records[ROW], "school_year": records["school_year"],
        "student_key": _student_keys(records, district, key_field), "test": records["record_type"].map(tests),
        "grade_tested": records["grade_assessed"], "include_indicator": records["include_indicator"],
        "scale_score": records[score].astype("Int64").where(counted),
        "level": records[level].astype("Int64").where(counted),
        "tested_school_cds": reporting_school(records),
    }
    if not other:
        rows["tested"] = records["include_indicator"].isin(TESTED_INDICATORS)
        rows.update({f"prior_scale_score_{k}": records[f"{prior}{k}"].astype("Int64") for k in (1, 2, 3)})
    frame = pd.DataFrame(rows)
    for column, names in _sources(records, test, {"student_key": (key_field, key_field), **_RESULT_FIELDS}).items():
        frame[column] = names
    return frame.reset_index(drop=True)


def _snapshot(caaspp: pd.DataFrame, elpac: pd.DataFrame, district: str, key_field: str) -> pd.DataFrame:
    """One enrollment row per student and year from the files' CALPADS snapshot (see the module notes).

    >>> caaspp = pd.DataFrame([dict.fromkeys(FIELDS["caaspp"])] * 2).assign(
    ...     record_type=["02", "01"], ssid="0000000001", school_year=2025, _file="c", _row=[2, 3],
    ...     _layout="CAASPP 2024-25 (401 columns)", calpads_school_code="99000016000001",
    ...     calpads_school_name="Sample Mesa Elementary", calpads_grade=5, gender="F", ethnicity="HI",
    ...     elas=["EL", "RFEP"], economic_disadvantage=True, disability=False)
    >>> elpac = _stack([], "elpac")
    >>> _snapshot(caaspp, elpac, "toms_valley", "ssid")[["student_key", "el_status", "_row"]].to_dict("records")
    [{'student_key': 'toms_valley:0000000001', 'el_status': 'RFEP', '_row': 3}]
    """
    parts = []
    for records, test in ((caaspp, "caaspp"), (elpac, "elpac")):
        if records.empty:
            continue
        index = 0 if test == "caaspp" else 1
        part = pd.DataFrame({
            FILE: records[FILE], ROW: records[ROW], "_order": records["record_type"].map(_SNAPSHOT_ORDER),
            "school_year": records["school_year"], "student_key": _student_keys(records, district, key_field),
            **{column: (records[names[index]] if names[index] is not None
                        else pd.Series(pd.NaT, index=records.index, dtype="datetime64[ns]"))
               for column, names in _SNAPSHOT_FIELDS.items()},
        })
        # a student's grade is CALPADS's; GradeAssessed where CALPADS has none
        part["grade"] = part["grade"].astype("Int64").fillna(records["grade_assessed"].astype("Int64"))
        for column, names in _sources(records, test, {"student_key": (key_field, key_field), **_SNAPSHOT_FIELDS}).items():
            part[column] = names
        parts.append(part)
    if not parts:
        columns = [FILE, ROW, "school_year", "student_key", *_SNAPSHOT_FIELDS]
        return pd.DataFrame({column: pd.Series(dtype="object") for column in columns}).assign(
            days_enrolled=pd.Series(dtype="Int64"), days_absent=pd.Series(dtype="float64"), primary=pd.Series(dtype=bool))
    rows = pd.concat(parts, ignore_index=True)  # in file and row order: a stable sort keeps it within a test
    rows = rows.sort_values("_order", kind="stable")
    rows = rows.drop_duplicates(["school_year", "student_key"]).drop(columns="_order").reset_index(drop=True)
    rows["days_enrolled"] = pd.Series(pd.NA, index=rows.index, dtype="Int64")   # no attendance in the files
    rows["days_absent"] = pd.Series(np.nan, index=rows.index, dtype="float64")
    rows["primary"] = True
    return rows


def _repeated(records: pd.DataFrame, key_field: str, student_id: str) -> list[Problem]:
    """The same student's record of one test twice in a year (in two files: the enrolled- and tested-LEA downloads,
    or two SSIDs with one LocalStudentID); each row is named with the others."""
    if records.empty:
        return []
    key = ["school_year", key_field, "record_type"]
    several = records[records[key_field].notna() & records.duplicated(key, keep=False)]
    if key_field == "ssid":  # the same SSID twice in one file is the reader's problem already
        several = several[several.groupby(key, observed=True)[FILE].transform("nunique") > 1]
    if several.empty:
        return []
    several = several.sort_values([*key, FILE, ROW])
    where = several.groupby(key, observed=True)[[FILE, ROW]].apply(
        lambda group: "; ".join(f"{file} row {row}" for file, row in zip(group[FILE], group[ROW])))
    listed = several.head(MAX_LISTED * 2)
    return [Problem(file, int(row), student_id, value,
                    f"the same student has this test (RecordType {record_type}) more than once in the school "
                    f"year ({where.loc[(year, value, record_type)]}): give one download per test and year "
                    "(the By Tested LEA file for the state's aggregates)")
            for file, row, year, value, record_type in
            listed[[FILE, ROW, "school_year", key_field, "record_type"]].itertuples(index=False)]


def _problems(frame: pd.DataFrame, bad: pd.Series, column: str, values: pd.Series | None, message: str) -> list[Problem]:
    bad = bad.fillna(False).astype(bool)
    rows = frame.loc[bad]
    shown = values[bad] if values is not None else pd.Series(None, index=rows.index, dtype="object")
    problems = [Problem(file, int(row), column, None if pd.isna(value) else value, message)
                for file, row, value in zip(rows[FILE].head(MAX_LISTED), rows[ROW].head(MAX_LISTED),
                                            shown.head(MAX_LISTED))]
    if len(rows) > MAX_LISTED:
        problems.append(Problem(rows[FILE].iloc[0], None, column, None,
                                f"... and {len(rows) - MAX_LISTED} more rows with the same problem: {message}"))
    return problems


def _findings(files: list[TomsFile]) -> list[dict]:
    """What is worth knowing about the files, not wrong: preliminary results, other tests kept apart."""
    findings = []
    for file in files:
        if file.preliminary:
            findings.append({"kind": "preliminary", "file": file.name, "message":
                             f"{file.name}: these are preliminary results (RecordIdentifier Preliminary), "
                             "before the state's final release: figures may still change"})
        if file.records is not None and len(file.records):
            kept_apart = int(file.records["record_type"].isin(list(OTHER_TESTS)).sum())
            if kept_apart:
                findings.append({"kind": "other_tests", "file": file.name, "message":
                                 f"{file.name}: {kept_apart} records of the state's other tests (CAA, CAST, CSA, "
                                 "Alternate ELPAC) are kept apart (other_tests), in no Smarter Balanced or "
                                 "Summative ELPAC figure"})
    return findings
