"""Synthetic TOMS score files of a fictional third district, in the state's own layouts.

:func:`write_toms_sample` writes, for each school year, the two downloads a district's CAASPP
coordinator gets from TOMS, caret-delimited with a header row, in that year's layout with every
column present (the columns this project does not model are blank), for ``Sample Toms Valley
Unified`` (``flp-inquiry sample --format toms --out DIR`` writes them into ``DIR/toms_valley``):

- ``99000010000000_CAASPP_Student_Score_Data_File_TestedStudentScoreData_<year>_DLMTR.CSV``
- ``99000010000000_Summative_ELPAC_and_Summative_Alternate_ELPAC_Student_Score_Data_File_``
  ``TestedStudentScoreData_<year>_DLMTR.CSV``

The district's CDS code ``99000010000000`` is county 99, district 00001: California has 58
counties, coded 01 to 58, and a CDS code's first two digits are its county, so no real
district, school or charter has a code starting with 99.  Every student, school and id is
invented; school names start with ``Sample``; the name fields say ``Sample`` / ``Student<n>``
and the addresses ``100 Sample Street``, so a test can show that they are never read.  The
same ``students``, ``seed`` and years give byte-identical files; what is in them is described
in :mod:`~flp_inquiry.ingest.toms.sample_district`.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from flp_inquiry.files import write_atomic_files
from flp_inquiry.ingest.toms.layouts import FIELDS, layout_for
from flp_inquiry.ingest.toms.sample_district import (
    CAST_CUTS,
    CAST_GRADES,
    DISTRICT,
    DISTRICT_CDS,
    DISTRICT_NAME,
    ETHNICITY_CODES,
    NPS_CDS,
    NPS_NAME,
    PRIOR_YEARS,
    SMARTER_BALANCED_GRADES,
    SampleDistrict,
    elpac_score,
    simulate_district,
    year_rows,
)
from flp_inquiry.ingest.toms.values import smarter_balanced_cuts

#: The school years written by default: three, each in its own year's layout (the latest last).
SCHOOL_YEARS = (2023, 2024, 2025)
#: Students a year of the full-size district (``flp-inquiry sample --format toms --scale 1``); 0.02 gives 2,400.
FULL_SIZE = 120_000


def caaspp_file_name(school_year: int) -> str:
    """The name TOMS gives the district's CAASPP file (by tested LEA, caret-delimited).

    >>> caaspp_file_name(2025)
    '99000010000000_CAASPP_Student_Score_Data_File_TestedStudentScoreData_2025_DLMTR.CSV'
    """
    return f"{DISTRICT_CDS}_CAASPP_Student_Score_Data_File_TestedStudentScoreData_{school_year}_DLMTR.CSV"


def elpac_file_name(school_year: int) -> str:
    """The name TOMS gives the district's Summative ELPAC file.

    >>> elpac_file_name(2025).endswith("_Student_Score_Data_File_TestedStudentScoreData_2025_DLMTR.CSV")
    True
    """
    return (f"{DISTRICT_CDS}_Summative_ELPAC_and_Summative_Alternate_ELPAC_Student_Score_Data_File_"
            f"TestedStudentScoreData_{school_year}_DLMTR.CSV")


def write_toms_sample(out: str | Path, students: int = 2400, seed: int = 2008,
                      school_years: tuple[int, ...] = SCHOOL_YEARS) -> list[Path]:
    """Write the fictional district's CAASPP and ELPAC score files of each year into ``out``; return their paths.

    Parameters
    ----------
    out
        The folder to write into (made if missing); files of the same names are replaced whole.
    students
        Students K-12 a year (about half have two or three CAASPP records; English learners an
        ELPAC record).
    seed
        The random seed: the same seed, size and years give byte-identical files.
    school_years
        The years to write (the year each ends), each in its own layout; any layout of
        ``data/toms_layouts.json``.

    Examples
    --------
    >>> import tempfile, hashlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     first = [hashlib.sha256(p.read_bytes()).hexdigest() for p in write_toms_sample(folder, 60, seed=1)]
    ...     again = [hashlib.sha256(p.read_bytes()).hexdigest() for p in write_toms_sample(folder, 60, seed=1)]
    >>> first == again, len(first)
    (True, 6)
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    district = simulate_district(students, tuple(school_years), seed)
    files: dict[Path, bytes] = {}
    for year in sorted(school_years):
        records = toms_year_records(district, year)
        files[out / caaspp_file_name(year)] = toms_text(records["caaspp"])
        files[out / elpac_file_name(year)] = toms_text(records["elpac"])
    write_atomic_files(files)
    return list(files)


def toms_text(table: pa.Table) -> bytes:
    """A table of text columns as TOMS writes it: ``^``-delimited, a header row, no quotes, UTF-8, no final line break.

    >>> toms_text(pa.table({"RecordType": ["01", None], "EndofRecord": ["ZZ", "ZZ"]}))
    b'RecordType^EndofRecord\\n01^ZZ\\n^ZZ'
    """
    sink = pa.BufferOutputStream()
    # pyarrow quotes header names whatever the quoting style: the header is written apart
    pa_csv.write_csv(table, sink, write_options=pa_csv.WriteOptions(
        delimiter="^", quoting_style="none", include_header=False, batch_size=1 << 16))
    header = ("^".join(table.column_names) + "\n").encode("utf-8")
    return (header + sink.getvalue().to_pybytes()).removesuffix(b"\n")  # TOMS downloads end without one


def toms_year_records(district: SampleDistrict, year: int) -> dict[str, pa.Table]:
    """The district's records of one year as two tables of text, every column of the year's layouts.

    >>> tables = toms_year_records(simulate_district(200, (2025,), seed=5), 2025)
    >>> tables["caaspp"].num_columns, tables["elpac"].num_columns
    (401, 376)
    """
    rows = year_rows(district, year)
    earlier = {k: year_rows(district, year - k).set_index("index") for k in range(1, PRIOR_YEARS + 1)}
    return {"caaspp": _as_layout(_caaspp_records(district, rows, earlier, year), "caaspp", year),
            "elpac": _as_layout(_elpac_records(district, rows, earlier, year), "elpac", year)}


# -- records ---------------------------------------------------------------------------------------

def _text(values, width: int = 0) -> np.ndarray:
    """Numbers as text, zero-padded to ``width`` (CAASPP pads its numbers: ``0214``)."""
    values = np.asarray(values).astype(str)
    return (np.char.zfill(values, width) if width and values.size else values).astype(object)


def _yes_no(flags) -> np.ndarray:
    return np.where(np.asarray(flags, dtype=bool), "Yes", "No").astype(object)


def _grade_code(grade) -> np.ndarray:
    grade = np.asarray(grade)
    return np.where(grade == 0, "KN", _text(grade, 2)).astype(object)


def _date_text(dates: pd.Series) -> np.ndarray:
    return pd.Series(dates).dt.strftime("%Y-%m-%d").fillna("").to_numpy(dtype=object)


def _common(rows: pd.DataFrame, schools: pd.DataFrame, year: int) -> dict[str, np.ndarray]:
    """The fields every record of a student has (CALPADS snapshot, tested school, demographics)."""
    names = dict(zip(schools["cds"], schools["name"]))
    n = len(rows)
    nps = rows["nps"].to_numpy()
    final = np.where(nps, NPS_CDS, rows["tested_school"]).astype(object)
    final_name = np.array([NPS_NAME if code == NPS_CDS else names[code] for code in final], dtype=object)
    race = {code: _yes_no(rows["ethnicity"] == code) for code in ETHNICITY_CODES}
    completed = pd.Timestamp(f"{year}-05-01") + pd.to_timedelta(rows["index"].to_numpy() % 30, unit="D")
    swd = rows["swd"].to_numpy()
    constant = lambda value: np.full(n, value, object)  # noqa: E731
    return {
        "SSID": rows["ssid"].to_numpy(dtype=object), "LocalStudentID": rows["local_id"].to_numpy(dtype=object),
        "StudentLastName": constant("Sample"),
        "StudentFirstName": np.char.add("Student", rows["index"].astype(str).to_numpy()).astype(object),
        "DateofBirth": ((rows["kindergarten"] - 6).astype(str) + "-03-01").to_numpy(dtype=object),
        "Gender": rows["gender"].to_numpy(dtype=object), "CALPADSGrade": _grade_code(rows["grade"]),
        "CALPADSDistrictCode": constant(DISTRICT_CDS), "CALPADSDistrictName": constant(DISTRICT_NAME),
        "CALPADSSchoolCode": rows["calpads_school"].to_numpy(dtype=object),
        "CALPADSSchoolName": np.array([names[c] for c in rows["calpads_school"]], dtype=object),
        "CALPADSNPSSchoolFlag": constant("N"),
        "SPEDAcctDist": np.where(swd, DISTRICT_CDS[:7], "").astype(object), "Section504Status": constant("No"),
        "CALPADSIDEAIndicator": _yes_no(swd), "IDEAIndicatorforTesting": _yes_no(swd),
        "CALPADSSpecialEducation": _yes_no(swd), "SpecialEducationforTesting": _yes_no(swd),
        "ELStatus": _yes_no(rows["el_status"] == "EL"),
        "ELEntryDate": _date_text(rows["el_entry"]), "RFEPDate": _date_text(rows["rfep_date"]),
        "ELAS": rows["el_status"].to_numpy(dtype=object),
        "EconomicDisadvantageStatus": _yes_no(rows["sed"]), "CALPADSEconomicDisadvantageStatus": _yes_no(rows["sed"]),
        "EconomicDisadvantageTesting": _yes_no(rows["sed"]),
        "HispanicorLatino": race["500"], "AmericanIndianorAlaskaNative": race["100"], "Asian": race["200"],
        "HawaiianOrOtherPacificIslander": race["300"], "Filipino": race["400"], "BlackorAfricanAmerican": race["600"],
        "White": race["700"], "TwoorMoreRaces": race["800"],
        "EthnicityforTesting": rows["ethnicity"].to_numpy(dtype=object),
        "ReportingEthnicity": rows["ethnicity"].to_numpy(dtype=object),
        "TestedDistrictCode1": constant(DISTRICT_CDS), "TestedSchoolCode1": final, "TestedSchoolName1": final_name,
        "FinalTestedDistrictName": constant(DISTRICT_NAME), "FinalTestedDistrictCode": constant(DISTRICT_CDS),
        "FinalTestedSchoolName": final_name, "FinalTestedSchoolCode": final,
        "FinalTestedCharterSchoolIndicator": constant("N"),
        "FinalTestedSchoolNPSFlag": np.where(nps, "Y", "N").astype(object),
        "FinalTestCompletedDate": _date_text(pd.Series(completed)),
        "StudentAddressLine1": constant("100 Sample Street"), "StudentAddressCityName": constant("Sample City"),
        "EndofRecord": constant("ZZ"),
    }


def _caaspp_records(district: SampleDistrict, rows: pd.DataFrame, earlier: dict[int, pd.DataFrame],
                    year: int) -> dict[str, np.ndarray]:
    tested = rows[rows["grade"].isin(SMARTER_BALANCED_GRADES)]
    science = rows[rows["grade"].isin(CAST_GRADES)]
    csa = tested[(tested["el_status"] == "EL") & tested["hispanic"] & ~tested["alternate"] & (tested["csa_draw"] < 0.3)]
    parts = []
    for subject, regular, alternate in (("ela", "01", "03"), ("math", "02", "04")):
        parts.append(tested.assign(record_type=np.where(tested["alternate"], alternate, regular), subject=subject))
    parts.append(science.assign(record_type=np.where(science["alternate"], "05", "06"), subject="science"))
    parts.append(csa.assign(record_type="09", subject="spanish"))
    records = pd.concat(parts, ignore_index=True).sort_values(["index", "record_type"], kind="stable").reset_index(drop=True)
    n = len(records)
    values = _common(records, district.schools, year)
    record_type = records["record_type"].to_numpy()
    grade = records["grade"].to_numpy()
    smarter = np.isin(record_type, ["01", "02"])
    is_math = records["subject"].to_numpy() == "math"
    include = np.where(is_math, records["math_include"], records["ela_include"]).astype(object)
    condition = np.where(is_math, records["math_condition"], records["ela_condition"]).astype(object)
    # the other tests: not tested (NT, N) now and then, otherwise scored
    others_nt = ~smarter & (records["science_condition_draw"].to_numpy() < 0.02)
    include = np.where(smarter, include, np.where(others_nt, "N", "Y")).astype(object)
    condition = np.where(smarter, condition, np.where(others_nt, "NT", "")).astype(object)
    attempted = np.select([include == "Y", include == "T", include == "R", include == "E"], ["Y", "P", "Y", ""], default="N")
    status = np.select([include == "Y", include == "T", include == "R"], ["V", "V", "I"], default="")
    condition = np.where(condition == "invalidated", "", condition)
    score, level = np.full(n, "", dtype=object), np.full(n, "", dtype=object)
    sb_score = np.where(is_math, records["math_score"], records["ela_score"])
    sb_level = np.where(is_math, records["math_level"], records["ela_level"])
    lowest = smarter_balanced_cuts().reindex(pd.MultiIndex.from_arrays(
        [np.where(is_math, "math", "ela"), np.where(smarter, grade, 3).astype(float)]))["lowest"].to_numpy()
    scored, loss = smarter & (include == "Y"), smarter & (include == "T")
    score[scored], level[scored] = _text(sb_score[scored], 4), _text(sb_level[scored])
    score[loss], level[loss] = _text(lowest[loss].astype(int), 4), "1"       # LOSS: the lowest obtainable score
    level[smarter & np.isin(include, ["N", "E", "R"])] = "9"                 # 9: no score
    ability = records["ability"].to_numpy()
    cast = (record_type == "06") & (include == "Y")
    if cast.any():
        cut = np.array([CAST_CUTS[g] for g in np.where(grade >= 9, 12, grade)[cast]])
        raw = np.clip(np.round(cut[:, 1] + 20 * ability[cast]), cut[:, 3], cut[:, 4]).astype(int)
        score[cast] = _text(raw, 4)
        level[cast] = _text(1 + (raw >= cut[:, 0]) + (raw >= cut[:, 1]) + (raw >= cut[:, 2]))
    caa = np.isin(record_type, ["03", "04", "05"]) & (include == "Y")
    if caa.any():
        base = np.where(grade[caa] >= 9, 900, grade[caa] * 100)     # CAA grade g: g00-g99 (grade 11: 900-999)
        raw = base + np.clip(np.round(55 + 15 * ability[caa]), 0, 99).astype(int)
        score[caa], level[caa] = _text(raw, 4), _text(1 + (raw - base >= 45) + (raw - base >= 60))
    spanish = (record_type == "09") & (include == "Y")
    level[spanish] = _text(1 + (records["csa_draw"].to_numpy()[spanish] * 13).astype(int) % 4)
    values.update({
        "RecordType": record_type.astype(object), "GradeAssessed": _grade_code(grade),
        "ConditionCode": condition, "Attemptedness": attempted.astype(object), "ScoreStatus": status.astype(object),
        "IncludeIndicator": include, "ScaleScore": score, "AchievementLevels": level, "TestMode": np.full(n, "O", object),
        "UIN": _text(np.arange(n) + 1, 16),
    })
    values.update(_smarter_balanced_priors(records, smarter, earlier))
    return values


def _smarter_balanced_priors(records: pd.DataFrame, smarter: np.ndarray, earlier: dict[int, pd.DataFrame]) -> dict:
    """ScaleScoreMinus1..3: the student's own valid score of the same subject one to three years before."""
    out = {}
    subject = records["subject"].to_numpy()
    for k, before in earlier.items():
        prior = before.reindex(records["index"])
        grade = prior["grade"].to_numpy()
        score = np.where(subject == "math", prior["math_score"], prior["ela_score"])
        level = np.where(subject == "math", prior["math_level"], prior["ela_level"])
        include = np.where(subject == "math", prior["math_include"], prior["ela_include"])
        has = smarter & np.isin(grade, SMARTER_BALANCED_GRADES) & (include == "Y") & ~records["alternate"].to_numpy()
        out[f"GradeAssessedMinus{k}"] = np.where(has, _grade_code(np.nan_to_num(grade).astype(int)), "").astype(object)
        out[f"ScaleScoreMinus{k}"] = np.where(has, _text(np.nan_to_num(score.astype(float)).astype(int), 4), "").astype(object)
        out[f"AchievementLevelMinus{k}"] = np.where(has, _text(np.nan_to_num(level.astype(float)).astype(int)), "").astype(object)
    return out


def _elpac_records(district: SampleDistrict, rows: pd.DataFrame, earlier: dict[int, pd.DataFrame],
                   year: int) -> dict[str, np.ndarray]:
    records = rows[rows["el_status"] == "EL"].reset_index(drop=True)
    n = len(records)
    values = _common(records, district.schools, year)
    record_type = np.where(records["alternate"], "23", "21")
    draw = records["elpac_condition_draw"].to_numpy()
    condition = np.select([draw < 0.02, draw < 0.025], ["NT", "EXD"], default="")
    partial = (condition == "") & (records["elpac_partial_draw"].to_numpy() < 0.01)
    include = np.select([condition == "NT", partial], ["N", "T"], default="Y")
    raw, pl = elpac_score(records)
    summative, scored = record_type == "21", include == "Y"
    score = np.where(scored, _text(raw), np.where(include == "T", "NS", "")).astype(object)   # ELPAC: unpadded
    level = np.where(scored, _text(pl), np.where(include == "T", "NS", "")).astype(object)
    # the Alternate ELPAC has its own scale: only a level 1-3 is written for it here
    score = np.where(summative, score, "").astype(object)
    level = np.where(summative, level, np.where(scored, _text(np.clip(pl, 1, 3)), "")).astype(object)
    values.update({
        "RecordType": record_type.astype(object), "UIN": _text(np.arange(n) + 1, 16),
        "GradeAssessed": _grade_code(records["grade"]), "ELASforTesting": np.full(n, "EL", object),
        "TestedStatus": np.where(include == "N", "N", "Y").astype(object), "ConditionCode": condition.astype(object),
        "Attemptedness": np.select([include == "Y", include == "T"], ["Y", "P"], default="").astype(object),
        "IncludeIndicator": include.astype(object), "OverallScaleScore": score, "OverallPL": level,
    })
    for k, before in earlier.items():
        prior = before.reindex(records["index"])
        was_el = (prior["el_status"] == "EL").to_numpy() & summative & ~prior["alternate"].fillna(True).to_numpy().astype(bool)
        grade = np.nan_to_num(prior["grade"].to_numpy()).astype(int)
        prior_score, prior_level = elpac_score(prior, grade, np.nan_to_num(prior["elpac_proficiency"].to_numpy()))
        values[f"GradeAssessedMinus{k}"] = np.where(was_el, _grade_code(grade), "").astype(object)
        values[f"OverallScaleScoreMinus{k}"] = np.where(was_el, _text(prior_score), "").astype(object)
        values[f"OverallPLMinus{k}"] = np.where(was_el, _text(prior_level), "").astype(object)
    return values


def _as_layout(values: dict[str, np.ndarray], test: str, year: int) -> pa.Table:
    """The values under the year's header names (a renamed field under that year's name); other columns blank."""
    layout = layout_for(test, year)
    aliases = {}
    for names in FIELDS[test].values():
        present = [name for name in names if name is not None and name in values]
        for name in names:
            if name is not None and present:
                aliases.setdefault(name, present[0])
    n = len(next(iter(values.values())))
    blank = pa.nulls(n, pa.string())
    columns = {}
    for name in layout.header:
        source = name if name in values else aliases.get(name)
        columns[name] = pa.array(values[source], pa.string()) if source is not None else blank
    return pa.table(columns)


__all__ = ["DISTRICT", "FULL_SIZE", "SCHOOL_YEARS", "caaspp_file_name", "elpac_file_name", "toms_text", "toms_year_records",
           "write_toms_sample"]
