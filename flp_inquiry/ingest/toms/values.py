"""The values of the TOMS score files: each field's codes checked and typed, and the rules across fields.

:func:`convert_records` turns the text columns :mod:`~flp_inquiry.ingest.toms.reader` read
into typed records (codes normalised, ``04`` or ``4`` alike; grades as integers, ``-1`` TK,
``0`` KN; Yes/No as booleans; ethnicity as the canonical codes, ``500`` -> ``HI``; dates as
timestamps; scores as nullable integers, ``NS`` no score; school codes as 14 digits) and
:func:`check_records` applies the layout's rules across a record's fields: a valid score
(Include Indicator ``Y``) has a score and a level, a score lies in its test's published range
for the grade assessed, a level matches the state's cut scores, one record per student and
test.  Every bad value is a :class:`~flp_inquiry.errors.Problem` naming file, row, field (the
header name of that year) and value; the first :data:`MAX_LISTED` of a kind in a field are
listed, the rest counted.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from flp_inquiry.errors import Problem
from flp_inquiry.ingest.readers import ROW
from flp_inquiry.ingest.toms.layouts import FIELDS, Layout

#: Problems of one kind in one field of one file listed before the rest are counted.
MAX_LISTED = 25
END_OF_RECORD = "ZZ"
CAASPP_RECORD_TYPES = {"01": "ela", "02": "math", "03": "caa_ela", "04": "caa_math",
                       "05": "caa_science", "06": "cast", "09": "csa"}
#: 21 Summative ELPAC; 23 Summative Alternate ELPAC (kept apart from the ELPAC results).
ELPAC_RECORD_TYPES = {"21": "elpac", "23": "alternate_elpac"}
GRADES = {"TK": -1, "KN": 0, **{f"{g:02d}": g for g in range(1, 13)}}
GENDERS = {"F": "F", "M": "M", "X": "X"}
#: CALPADS ELAS codes -> canonical el_status; ADEL (adult English learner) counts as EL.
ELAS = {"EO": "EO", "IFEP": "IFEP", "EL": "EL", "RFEP": "RFEP", "TBD": "TBD", "ADEL": "EL"}
YES_NO = {"Yes": True, "No": False}
Y_N = {"Y": True, "N": False}
#: Reporting ethnicity (CAASPP layout field 47) -> canonical; 800 (two or more, or none) is MR.
ETHNICITIES = {"100": "AI", "200": "AS", "300": "PI", "400": "FI", "500": "HI", "600": "AA",
               "700": "WH", "800": "MR"}
CAASPP_CONDITION_CODES = ("NT", "NTE", "PGE", "NEL", "LOSS", "INC0", "INC1", "NER")
ELPAC_CONDITION_CODES = ("NT", "ALT", "EXD")
ATTEMPTEDNESS = ("N", "P", "Y")
SCORE_STATUSES = ("V", "I")
CAASPP_INCLUDE_INDICATORS = ("Y", "T", "R", "N", "E")
ELPAC_INCLUDE_INDICATORS = ("Y", "T", "N")
CAASPP_LEVELS = {"1": 1, "2": 2, "3": 3, "4": 4, "9": None}   # 9: no score
ELPAC_LEVELS = {"1": 1, "2": 2, "3": 3, "4": 4, "NS": None}
SMARTER_BALANCED = ("01", "02")
SUMMATIVE_ELPAC = ("21",)


@dataclass(frozen=True)
class _Check:
    """How one field's text is checked and converted."""

    kind: str                       # code, ssid, cds, district, date, integer, text, end
    codes: dict | tuple | None = None
    required: bool = False
    pad: int = 0                    # zero-pad one-digit codes to this width ("4" -> "04")
    no_score: tuple[str, ...] = ()  # texts meaning "no score" for an integer field
    few: bool = False               # text of few distinct values (a school's name): kept as categories


def _checks(test: str) -> dict[str, _Check]:
    prior = {f"grade_assessed_minus_{k}": _Check("code", GRADES, pad=2) for k in (1, 2, 3)}
    shared = {
        "ssid": _Check("ssid", required=True),
        "local_student_id": _Check("text"),
        "calpads_grade": _Check("code", GRADES, pad=2),
        "grade_assessed": _Check("code", GRADES, required=True, pad=2),
        "calpads_district_code": _Check("cds"),
        "calpads_school_code": _Check("cds"),
        "calpads_school_name": _Check("text", few=True),
        "calpads_nps_flag": _Check("code", Y_N),
        "sped_accountability_district": _Check("district"),
        "gender": _Check("code", GENDERS),
        "el_entry_date": _Check("date"),
        "economic_disadvantage": _Check("code", YES_NO),
        "disability": _Check("code", YES_NO),
        "ethnicity": _Check("code", ETHNICITIES),
        "final_tested_district_code": _Check("cds"),
        "final_tested_school_code": _Check("cds"),
        "final_tested_school_name": _Check("text", few=True),
        "final_tested_nps_flag": _Check("code", Y_N),
        "attemptedness": _Check("code", ATTEMPTEDNESS),
        "end_of_record": _Check("end", required=True),
        **prior,
    }
    if test == "caaspp":
        return {
            **shared,
            "record_identifier": _Check("text"),
            "record_type": _Check("code", tuple(CAASPP_RECORD_TYPES), required=True, pad=2),
            "elas": _Check("code", ELAS),
            "rfep_date": _Check("date"),
            "condition_code": _Check("code", CAASPP_CONDITION_CODES),
            "score_status": _Check("code", SCORE_STATUSES),
            "include_indicator": _Check("code", CAASPP_INCLUDE_INDICATORS, required=True),
            "scale_score": _Check("integer"),
            "achievement_level": _Check("code", CAASPP_LEVELS),
            **{f"scale_score_minus_{k}": _Check("integer") for k in (1, 2, 3)},
            **{f"achievement_level_minus_{k}": _Check("code", CAASPP_LEVELS) for k in (1, 2, 3)},
        }
    return {
        **shared,
        "record_type": _Check("code", tuple(ELPAC_RECORD_TYPES), required=True, pad=2),
        "el_status": _Check("code", YES_NO),
        "elas_for_testing": _Check("code", ELAS),
        "tested_status": _Check("code", Y_N),
        "condition_code": _Check("code", ELPAC_CONDITION_CODES),
        "include_indicator": _Check("code", ELPAC_INCLUDE_INDICATORS, required=True),
        "overall_scale_score": _Check("integer", no_score=("NS",)),
        "overall_level": _Check("code", ELPAC_LEVELS),
        **{f"overall_scale_score_minus_{k}": _Check("integer", no_score=("NS",)) for k in (1, 2, 3)},
        **{f"overall_level_minus_{k}": _Check("code", ELPAC_LEVELS) for k in (1, 2, 3)},
    }

CHECKS = {test: _checks(test) for test in FIELDS}


def convert_records(name: str, table: pa.Table, row_numbers: np.ndarray, layout: Layout) -> tuple[pd.DataFrame, list[Problem]]:
    """Every read column checked and typed; blank lines dropped."""
    columns = layout.columns_read()
    checks = CHECKS[layout.test]
    texts = {columns[column]: _blank_to_null(table.column(column)) for column in table.column_names}
    filled = None
    for text in texts.values():
        present = pc.is_valid(text)
        filled = present if filled is None else pc.or_(filled, present)
    keep = np.asarray(filled) if filled is not None else np.zeros(len(row_numbers), dtype=bool)
    rows = row_numbers[keep]
    problems: list[Problem] = []
    converted: dict[str, pd.Series] = {}
    for field_name, text in texts.items():
        text = text.filter(pa.array(keep))
        values, bad, message = _convert_column(text, checks[field_name])
        column = next(c for c, f in columns.items() if f == field_name)
        problems += _listed(name, rows, bad, column, text, message)
        converted[field_name] = values
    for field_name in FIELDS[layout.test]:
        if field_name not in converted:  # an optional field this layout lacks
            converted[field_name] = pd.Series(pd.NA, index=range(len(rows)), dtype="object")
    records = pd.DataFrame(converted)
    records[ROW] = rows
    return records, problems


def _blank_to_null(column: pa.ChunkedArray) -> pa.ChunkedArray:
    trimmed = pc.utf8_trim_whitespace(column)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def _convert_column(text: pa.ChunkedArray, check: _Check) -> tuple[pd.Series, np.ndarray, str]:
    """(typed values, which rows are bad, what is wrong with them)."""
    valid = np.asarray(pc.is_valid(text))
    if check.pad:
        one_digit = pc.fill_null(pc.match_substring_regex(text, r"^\d$"), False)
        text = pc.if_else(one_digit, pc.binary_join_element_wise("0", text, ""), text)
    if check.kind == "code":
        codes = check.codes if isinstance(check.codes, dict) else {c: c for c in check.codes}
        keys = pa.array(list(codes), pa.string())
        position = pc.index_in(text, value_set=keys)
        known = np.asarray(pc.is_valid(position))
        bad = valid & ~known
        shown = ", ".join(codes)
        message = f"is not a code of this field in the layout (known: {shown})"
        values = _take(list(codes.values()), position)
    elif check.kind == "integer":
        digits = np.asarray(pc.fill_null(pc.match_substring_regex(text, r"^\d{1,5}$"), False))
        no_score = np.asarray(pc.fill_null(pc.is_in(text, value_set=pa.array(list(check.no_score), pa.string())),
                                           False)) if check.no_score else np.zeros(len(valid), bool)
        bad = valid & ~digits & ~no_score
        numbers = pc.cast(pc.if_else(pa.array(digits), text, pa.scalar(None, pa.string())), pa.int64())
        values = _to_pandas(numbers)
        message = "is not a whole number" + (f" or {', '.join(check.no_score)}" if check.no_score else "")
    elif check.kind == "date":
        # four-digit years only (a %Y would take "15" as the year 15), then a plausible range
        iso = _dates(text, r"^(19|20)\d\d-\d\d-\d\d$", "%Y-%m-%d")
        us_dash = _dates(text, r"^\d\d-\d\d-(19|20)\d\d$", "%m-%d-%Y")   # seen in a preliminary file
        us_slash = _dates(text, r"^\d\d/\d\d/(19|20)\d\d$", "%m/%d/%Y")
        dates = pc.coalesce(iso, us_dash, us_slash)
        bad = valid & ~np.asarray(pc.is_valid(dates))
        values = pd.Series(dates.to_pandas()).astype("datetime64[ns]")
        message = "is not a date in the form YYYY-MM-DD"
    elif check.kind in ("cds", "district", "ssid"):
        width = {"cds": 14, "district": 7, "ssid": 10}[check.kind]
        # a code a spreadsheet shortened by its leading zero (county 01-09) is the same code
        short = pc.fill_null(pc.match_substring_regex(text, rf"^\d{{{width - 1}}}$"), False)
        if check.kind != "ssid":
            text = pc.if_else(short, pc.binary_join_element_wise("0", text, ""), text)
        right = np.asarray(pc.fill_null(pc.match_substring_regex(text, rf"^\d{{{width}}}$"), False))
        bad = valid & ~right
        values = _to_pandas(text) if check.kind == "ssid" else _categories(text)
        what = {"cds": "a 14-digit CDS code", "district": "a 7-digit county-district code",
                "ssid": "a 10-digit SSID"}[check.kind]
        message = f"is not {what}"
    elif check.kind == "end":
        bad = np.asarray(pc.fill_null(pc.not_equal(text, END_OF_RECORD), True))
        values = _to_pandas(text)
        message = (f"the record does not end with {END_OF_RECORD} (the EndofRecord field): "
                   "it was cut off, or a field is missing or extra")
    else:
        bad = np.zeros(len(valid), dtype=bool)
        # (a school's name on every record of its students: each name once)
        values = _categories(text) if check.few else _to_pandas(text)
        message = ""
    if check.required:
        missing = ~valid if check.kind != "end" else np.zeros(len(valid), bool)
        if missing.any():
            bad = bad | missing
            message = message + "; a value is required" if message else "is blank; a value is required"
    return values.reset_index(drop=True), bad, message


def _dates(text: pa.ChunkedArray, pattern: str, date_format: str) -> pa.ChunkedArray:
    shaped = pc.fill_null(pc.match_substring_regex(text, pattern), False)
    return pc.strptime(pc.if_else(shaped, text, pa.scalar(None, pa.string())), format=date_format, unit="s",
                       error_is_null=True)


def _take(targets: list, position: pa.ChunkedArray) -> pd.Series:
    """The code list's value for each row (missing where the code is unknown or blank); text as categories."""
    present = [t for t in targets if t is not None]
    if present and all(isinstance(t, bool) for t in present):
        kind = pa.bool_()
    elif present and all(isinstance(t, int) for t in present):
        kind = pa.int64()
    else:  # a few codes on hundreds of thousands of records: each row a small number, filtering stays cheap
        categories = list(dict.fromkeys(present))
        code_of = np.array([categories.index(t) if t is not None else -1 for t in targets] + [-1])
        rows = np.asarray(pc.fill_null(position, len(targets)))
        return pd.Series(pd.Categorical.from_codes(code_of[rows], categories=categories))
    return _to_pandas(pc.take(pa.array(targets, kind), position))


def _categories(text: pa.ChunkedArray) -> pd.Series:
    """Text of few distinct values (school codes and names) as pandas categories."""
    if len(text) == 0:
        return pd.Series(pd.Categorical([]), dtype="category")
    return pd.Series(text.dictionary_encode().to_pandas()).astype("category").reset_index(drop=True)

#: Arrow types -> pandas dtypes of the records: nullable integers and booleans, pyarrow-backed text.
_PANDAS_TYPES = {pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype(), pa.string(): pd.StringDtype("pyarrow")}


def _to_pandas(values: pa.ChunkedArray | pa.Array) -> pd.Series:
    return pd.Series(values.to_pandas(types_mapper=_PANDAS_TYPES.get)).reset_index(drop=True)


def _listed(name: str, rows: np.ndarray, bad: np.ndarray, column: str, text: pa.ChunkedArray,
            message: str) -> list[Problem]:
    positions = np.flatnonzero(bad)
    if not len(positions):
        return []
    shown = text.take(pa.array(positions[:MAX_LISTED])).to_pylist()
    problems = [Problem(name, int(rows[p]), column, value, message) for p, value in zip(positions, shown)]
    if len(positions) > MAX_LISTED:
        problems.append(Problem(name, None, column, None,
                                f"... and {len(positions) - MAX_LISTED} more rows with the same problem: {message}"))
    return problems


# -- rules across fields of a record -------------------------------------------------------------


def check_records(name: str, records: pd.DataFrame, test: str) -> list[Problem]:
    """Rules across a record's fields and across records; each names the field it blames."""
    problems = []
    included = records["include_indicator"] == "Y"
    if test == "caaspp":
        score, level, tested_grade = "scale_score", "achievement_level", records["grade_assessed"]
        scored_tests = records["record_type"].isin(SMARTER_BALANCED)
        bands = _smarter_balanced_bands(records)
        level_column, score_column = "AchievementLevels", "ScaleScore"
    else:
        score, level, tested_grade = "overall_scale_score", "overall_level", records["grade_assessed"]
        scored_tests = records["record_type"].isin(SUMMATIVE_ELPAC)
        bands = _elpac_bands(records)
        level_column, score_column = "OverallPL", "OverallScaleScore"
    no_score = included & scored_tests & records[score].isna()
    problems += _rule(name, records, no_score, score_column, records[score],
                      "Include Indicator is Y (a valid score) but the record has no scale score")
    no_level = included & scored_tests & records[score].notna() & records[level].isna()
    problems += _rule(name, records, no_level, level_column, records[level],
                      "Include Indicator is Y (a valid score) but the record has no level 1-4")
    no_range = scored_tests & records[score].notna() & bands["lowest"].isna() & tested_grade.notna()
    problems += _rule(name, records, no_range, score_column, records[score],
                      "a score for a grade this test is not given in (by GradeAssessed)")
    score_values = records[score].astype("float64")
    outside = scored_tests & records[score].notna() & bands["lowest"].notna() & (
        (score_values < bands["lowest"]) | (score_values > bands["highest"]))
    problems += _rule(name, records, outside, score_column, records[score],
                      "is outside the published scale-score range of this test for the grade assessed")
    expected_level = bands["level"]
    mismatch = included & scored_tests & records[level].notna() & expected_level.notna() & ~outside & (
        records[level].astype("float64") != expected_level)
    problems += _rule(name, records, mismatch, level_column, records[level],
                      "does not match the scale score's level for the grade assessed (the state's cut scores)")
    repeated = records["ssid"].notna() & records.duplicated(["ssid", "record_type"], keep=False)
    if repeated.any():
        rows_of = records[repeated].groupby(["ssid", "record_type"], observed=True)[ROW].agg(
            lambda r: ", ".join(map(str, sorted(r))))
        listed = records.index[repeated.to_numpy()][:MAX_LISTED]  # (only these are named)
        values = pd.Series({i: rows_of.loc[(records.at[i, "ssid"], records.at[i, "record_type"])] for i in listed},
                           dtype="object")
        problems += _rule(name, records, repeated, "SSID", records["ssid"],
                          "the same student has more than one record of this test (RecordType) in the file",
                          rows=values)
    return problems


def _rule(name, records, bad, column, values, message, rows=None) -> list[Problem]:
    bad = bad.fillna(False).astype(bool).to_numpy()
    positions = np.flatnonzero(bad)
    problems = []
    for p in positions[:MAX_LISTED]:
        value = values.iloc[p]
        text = message if rows is None else f"{message} (rows {rows.loc[records.index[p]]})"
        problems.append(Problem(name, int(records[ROW].iloc[p]), column, None if pd.isna(value) else value, text))
    if len(positions) > MAX_LISTED:
        problems.append(Problem(name, None, column, None,
                                f"... and {len(positions) - MAX_LISTED} more rows with the same problem: {message}"))
    return problems


def _smarter_balanced_bands(records: pd.DataFrame) -> pd.DataFrame:
    """Per record: the published range and the level its score falls in (by subject and grade assessed)."""
    cuts = smarter_balanced_cuts()
    subject = records["record_type"].map({"01": "ela", "02": "math"})
    keys = pd.MultiIndex.from_arrays([subject, records["grade_assessed"].astype("float64")])
    found = cuts.reindex(keys).reset_index(drop=True)
    return _with_level(found, records["scale_score"].astype("float64").reset_index(drop=True)).set_axis(records.index)


def _elpac_bands(records: pd.DataFrame) -> pd.DataFrame:
    cuts = elpac_cuts()
    found = cuts.reindex(records["grade_assessed"].astype("float64")).reset_index(drop=True)
    return _with_level(found, records["overall_scale_score"].astype("float64").reset_index(drop=True)).set_axis(records.index)


def _with_level(found: pd.DataFrame, score: pd.Series) -> pd.DataFrame:
    level = 1 + (score >= found["level2_min"]).astype(int) + (score >= found["level3_min"]).astype(int) \
        + (score >= found["level4_min"]).astype(int)
    return pd.DataFrame({"lowest": found["lowest"], "highest": found["highest"],
                         "level": level.where(found["lowest"].notna() & score.notna()).astype("float64")})


@lru_cache(maxsize=None)
def smarter_balanced_cuts() -> pd.DataFrame:
    """Level 2-4 minimums and LOSS-HOSS range by (subject, grade), from the package's reference data.

    >>> smarter_balanced_cuts().loc[("ela", 5)].tolist()
    [2442.0, 2502.0, 2582.0, 2200.0, 2730.0]
    """
    with (resources.files("flp_inquiry") / "data" / "sbac_thresholds.csv").open("rb") as file:
        table = pd.read_csv(file)
    table = table.rename(columns={"lowest_score": "lowest", "highest_score": "highest"})
    table["grade"] = table["grade"].astype("float64")
    return table.set_index(["subject", "grade"])[["level2_min", "level3_min", "level4_min", "lowest", "highest"]
                                                ].astype("float64")


@lru_cache(maxsize=None)
def elpac_cuts() -> pd.DataFrame:
    """Summative ELPAC overall level 2-4 minimums and range by grade (0 = KN).

    >>> elpac_cuts().loc[3].tolist()
    [1448.0, 1488.0, 1535.0, 1150.0, 1800.0]
    """
    with (resources.files("flp_inquiry") / "data" / "elpac_ranges.csv").open("rb") as file:
        table = pd.read_csv(file, dtype={"grades": str})
    table["grade"] = table["grades"].str.split(";")
    table = table.explode("grade")
    table["grade"] = table["grade"].astype("float64")
    table = table.rename(columns={"level1_min": "lowest", "highest_score": "highest"})
    return table.set_index("grade")[["level2_min", "level3_min", "level4_min", "lowest", "highest"]].astype("float64")

