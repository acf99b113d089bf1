"""The synthetic exports: formats of specs/district-exports.md, determinism, planted patterns.

The raw files are read with plain pandas as text (``dtype=str``), the way a data coach
would open them, never through the package's loaders.  Thresholds on planted patterns
are about half of what was planted, so they hold for the committed sample and would
fail if a pattern were lost.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from flp_inquiry.ingest import sample_years
from flp_inquiry.ingest.sample import PLANTED_PATTERNS, planted_growth_effects, write_sample
from tests.conftest import PROJECT

PENASCO = "Sample Peñasco Middle"
HARBOR = "Sample Harbor High"
MATH_LEVEL3_GRADE7 = 2567  # specs/metrics.md, Level 3 minimum, math grade 7
#: specs/metrics.md, Level 3 minimums by grade tested (3-8, 11)
LEVEL3 = {"ela": {3: 2432, 4: 2473, 5: 2502, 6: 2531, 7: 2552, 8: 2567, 11: 2583},
          "math": {3: 2436, 4: 2485, 5: 2528, 6: 2552, 7: 2567, 8: 2586, 11: 2628}}
ALGEBRA_OR_ABOVE = {
    "fresno": {"ALGEBRA 1", "ALG 1 HON", "GEOMETRY", "ALGEBRA 2"},
    "long_beach": {"Integrated Math I", "Integrated Math I Honors", "Algebra I",
                   "Integrated Math II", "Integrated Math III"},
}
GEOMETRY_OR_ABOVE = {
    "fresno": {"GEOMETRY", "ALGEBRA 2", "PRE-CALC", "AP CALC AB", "STATISTICS"},
    "long_beach": {"Integrated Math II", "Integrated Math III", "Pre-Calculus", "AP Calculus AB",
                   "AP Statistics"},
}


def read_fresno(folder: Path, kind: str) -> pd.DataFrame:
    """All years of one Fresno file kind, with the school year (ending year) added."""
    frames = []
    for path in sorted(folder.glob(f"{kind}_*.csv")):
        frame = pd.read_csv(path, dtype=str, encoding="cp1252", keep_default_na=False)
        frames.append(frame.assign(year=int(path.stem[-7:-3]) + 1))
    return pd.concat(frames, ignore_index=True)


def read_long_beach(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.csv", dtype=str, encoding="utf-8", keep_default_na=False)


def chronically_absent(days_enrolled: pd.Series, days_absent: pd.Series) -> pd.Series:
    """The Dashboard rule: 31+ days enrolled and absent on 10% or more of them."""
    enrolled, absent = days_enrolled.astype(float), days_absent.astype(float)
    return (enrolled >= 31) & (absent >= 0.1 * enrolled)


@pytest.fixture(scope="module")
def fresno(sample_dir: Path) -> dict[str, pd.DataFrame]:
    folder = sample_dir / "fresno"
    return {kind: read_fresno(folder, kind) for kind in ("enrollment", "assessments", "outcomes")}


@pytest.fixture(scope="module")
def long_beach(sample_dir: Path) -> dict[str, pd.DataFrame]:
    folder = sample_dir / "long_beach"
    names = ("sites", "students", "test_results", "math_courses", "cohort_outcomes")
    return {name: read_long_beach(folder, name) for name in names}


# --------------------------------------------------------------------------- files and bytes
def test_regenerating_the_sample_gives_identical_bytes(sample_dir: Path, tmp_path: Path):
    written = write_sample(tmp_path, scale=0.02, seed=2008)
    assert written == [tmp_path / "fresno", tmp_path / "long_beach"]
    committed = sorted(p.relative_to(sample_dir) for p in sample_dir.rglob("*.csv"))
    regenerated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.csv"))
    assert committed == regenerated and len(committed) == 12 + 5
    for relative in committed:
        assert (sample_dir / relative).read_bytes() == (tmp_path / relative).read_bytes(), relative


def test_committed_sample_is_under_5_mb(sample_dir: Path):
    assert sum(p.stat().st_size for p in sample_dir.rglob("*") if p.is_file()) < 5 * 1024 * 1024


def test_file_names_follow_each_district_format(sample_dir: Path):
    fresno_names = {p.name for p in (sample_dir / "fresno").iterdir()}
    assert fresno_names == {f"{kind}_{year}.csv" for kind in ("enrollment", "assessments", "outcomes")
                            for year in ("2021-22", "2022-23", "2023-24", "2024-25")}
    assert {p.name for p in (sample_dir / "long_beach").iterdir()} == {
        "sites.csv", "students.csv", "test_results.csv", "math_courses.csv", "cohort_outcomes.csv"}


def test_fresno_is_windows_1252_with_the_accent_as_one_byte(sample_dir: Path):
    raw = (sample_dir / "fresno" / "enrollment_2024-25.csv").read_bytes()
    assert "Sample Peñasco Middle".encode("cp1252") in raw  # ñ is the single byte 0xF1
    assert b"Pe\xf1asco" in raw and "ñ".encode("utf-8") not in raw
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert raw.decode("cp1252").startswith("StudentID,SchoolCode,SchoolName,Grade,")


def test_long_beach_is_utf_8(sample_dir: Path):
    text = (sample_dir / "long_beach" / "students.csv").read_bytes().decode("utf-8")
    assert text.startswith("student_number,school_year,site_id,grade_level,")


def test_student_ids_keep_leading_zeros(fresno):
    ids = pd.concat([fresno["enrollment"]["StudentID"], fresno["assessments"]["StudentID"],
                     fresno["outcomes"]["StudentID"]])
    assert ids.str.fullmatch(r"\d{9}").all()
    assert ids.str.startswith("0").mean() > 0.15  # ids are drawn below 400,000,000: about a quarter


def test_long_beach_student_numbers_have_no_leading_zeros(long_beach):
    assert long_beach["students"]["student_number"].str.fullmatch(r"[1-9]\d{6}").all()


def test_fresno_codes_and_formats(fresno):
    enrollment = fresno["enrollment"]
    assert set(enrollment["Grade"]) == {"TK", "KN", *(f"{g:02d}" for g in range(1, 13))}
    assert enrollment["SchoolCode"].str.fullmatch(r"\d{7}").all()
    assert enrollment["SchoolName"].str.startswith("Sample ").all()
    for column in ("ELStartDate", "RFEPDate"):
        filled = enrollment[column][enrollment[column] != ""]
        assert filled.str.fullmatch(r"\d{2}/\d{2}/\d{4}").all() and len(filled) > 0
    assert set(enrollment["ELAS"]) <= {"EO", "IFEP", "EL", "RFEP", "TBD"}
    assert set(enrollment["MathMark"]) <= {"A", "B", "C", "D", "F", ""}
    lower_grades = enrollment["Grade"].isin(["TK", "KN", "01", "02", "03", "04", "05"])
    assert (enrollment.loc[lower_grades, "MathCourse"] == "").all()
    assert "ALG 1 HON" in set(enrollment["MathCourse"])
    assert (enrollment["DaysAbsent"].astype(float) <= enrollment["DaysEnrolled"].astype(float)).all()


def test_fresno_half_day_absences(fresno):
    absent = fresno["enrollment"]["DaysAbsent"].astype(float)
    assert ((absent % 1) == 0.5).sum() > 100


def test_fresno_second_enrollments_have_exactly_one_primary(fresno):
    enrollment = fresno["enrollment"]
    rows_per_student_year = enrollment.groupby(["year", "StudentID"]).size()
    assert (rows_per_student_year == 2).sum() > 50
    primaries = enrollment.groupby(["year", "StudentID"])["PrimaryEnrollment"].agg(lambda s: (s == "Y").sum())
    assert (primaries == 1).all()


def test_long_beach_codes(long_beach):
    students = long_beach["students"]
    assert set(students["gender"]) <= {"Female", "Male", "Nonbinary"}
    assert set(students["low_income"]) == {"1", "0"} and set(students["iep"]) == {"TRUE", "FALSE"}
    assert "Hispanic or Latino" in set(students["race_ethnicity"])
    assert "English Learner" in set(students["language_fluency"])
    dates = students["el_entry_date"][students["el_entry_date"] != ""]
    assert dates.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert not students.duplicated(["student_number", "school_year"]).any()
    sites = long_beach["sites"]
    assert set(sites["site_type"]) == {"ES", "K8", "MS", "HS"}
    assert sites["cds_code"].str.fullmatch(r"1964725\d{7}").all()
    assert sites["site_id"].str.fullmatch(r"\d{3}").all()
    assert 5 <= len(sites) <= 7


def test_long_beach_not_tested_rows_have_no_score(long_beach):
    results = long_beach["test_results"]
    not_tested = results[results["performance_level"] == "Not Tested"]
    assert set(not_tested["test"]) == {"SBAC ELA", "SBAC Math", "ELPAC Summative"}
    assert (not_tested["scale_score"] == "").all()
    assert (results.loc[results["performance_level"] != "Not Tested", "scale_score"] != "").all()


def test_school_years_are_2022_to_2025(fresno, long_beach):
    assert sorted(fresno["enrollment"]["year"].unique()) == [2022, 2023, 2024, 2025]
    assert sorted(long_beach["students"]["school_year"].unique()) == ["2022", "2023", "2024", "2025"]


def test_school_codes_are_not_real_ones(sample_dir: Path, public_dir: Path):
    real = set()
    for path in public_dir.glob("sb_ca*entities_fresno_longbeach.txt"):
        real |= set(re.findall(rb"\b\d{7}\b", path.read_bytes()))
    fresno_codes = set(read_fresno(sample_dir / "fresno", "enrollment")["SchoolCode"].str.encode("ascii"))
    long_beach_codes = set(read_long_beach(sample_dir / "long_beach", "sites")["cds_code"].str[7:].str.encode("ascii"))
    assert real and not (fresno_codes | long_beach_codes) & real


# --------------------------------------------------------------------------- realism
def test_sbac_levels_agree_with_the_thresholds(fresno):
    thresholds = pd.read_csv(PROJECT / "flp_inquiry" / "data" / "sbac_thresholds.csv")
    math = thresholds[thresholds["subject"] == "math"].set_index("grade")
    scored = fresno["assessments"][fresno["assessments"]["MATH_SS"] != ""]
    grade = scored["GradeTested"].astype(int)
    score = scored["MATH_SS"].astype(int)
    expected = 1 + sum((score >= grade.map(math[f"level{k}_min"])).astype(int) for k in (2, 3, 4))
    assert (scored["MATH_PL"].astype(int) == expected).all()


def test_shares_of_main_groups_are_realistic(fresno, long_beach):
    primary = fresno["enrollment"][fresno["enrollment"]["PrimaryEnrollment"] == "Y"]
    students = long_beach["students"]
    assert 0.80 <= (primary["SED"] == "Y").mean() <= 0.90
    assert 0.65 <= (students["low_income"] == "1").mean() <= 0.75
    assert 0.12 <= (primary["SWD"] == "Y").mean() <= 0.15
    assert 0.15 <= (primary["ELAS"] == "EL").mean() <= 0.25
    assert 0.15 <= (students["language_fluency"] == "English Learner").mean() <= 0.25
    k_to_8 = primary["Grade"].isin(["KN", "01", "02", "03", "04", "05", "06", "07", "08"])
    chronic = chronically_absent(primary.loc[k_to_8, "DaysEnrolled"], primary.loc[k_to_8, "DaysAbsent"])
    assert 0.15 <= chronic.mean() <= 0.25
    assert (primary["DaysEnrolled"].astype(int) < 31).any()


def test_small_groups_exist_and_main_cells_are_mostly_large(fresno):
    primary = fresno["enrollment"][fresno["enrollment"]["PrimaryEnrollment"] == "Y"]
    by_school = primary.groupby(["year", "SchoolName"])
    pacific_islander = by_school["Ethnicity"].agg(lambda s: (s == "PI").sum())
    assert (pacific_islander < 11).all()  # suppression always has something to do
    main_cells = pd.concat([
        by_school["ELAS"].agg(lambda s: (s == code).sum()) for code in ("EL", "RFEP", "EO")
    ] + [by_school["SED"].agg(lambda s: (s == "Y").sum()),
         by_school["Ethnicity"].agg(lambda s: (s == "HI").sum())])
    assert (main_cells >= 11).mean() > 0.8


def test_scale_sets_students_per_year(tmp_path: Path):
    fresno_folder, long_beach_folder = write_sample(tmp_path, scale=0.1, seed=7)
    enrollment = read_fresno(fresno_folder, "enrollment")
    per_year = enrollment.groupby("year")["StudentID"].nunique()
    assert per_year.between(6_300, 7_700).all()  # 70,000 x 0.1, within 10%
    students = read_long_beach(long_beach_folder, "students")
    assert students.groupby("school_year").size().between(5_850, 7_150).all()  # 65,000 x 0.1
    assert 6 <= enrollment["SchoolCode"].nunique() <= 12


# --------------------------------------------------------------------------- planted patterns
def planted(name: str) -> list[dict]:
    return [p for p in PLANTED_PATTERNS if p["name"] == name]


def test_planted_patterns_are_described():
    assert {p["name"] for p in PLANTED_PATTERNS} == {
        "penasco_grade7_el_math", "elpac_level3_bottleneck", "early_algebra_pathway",
        "harbor_sed_graduation_gap", "school_growth_effects", "poorest_zone_school_grows_fast",
        "swd_slower_growth"}
    for pattern in PLANTED_PATTERNS:
        assert pattern["district"] in ("fresno", "long_beach") and pattern["description"]
    readme = (PROJECT / "data" / "sample" / "README.md").read_text("utf-8")
    for pattern in PLANTED_PATTERNS:
        assert pattern["name"] in readme


def test_penasco_grade7_chronically_absent_english_learners_fall_in_math(fresno):
    (pattern,) = planted("penasco_grade7_el_math")
    primary = fresno["enrollment"][fresno["enrollment"]["PrimaryEnrollment"] == "Y"]
    scores = primary.merge(fresno["assessments"], on=["StudentID", "year"])
    group = scores[(scores["Grade"] == "07") & (scores["ELAS"] == "EL") & (scores["MATH_SS"] != "")
                   & chronically_absent(scores["DaysEnrolled"], scores["DaysAbsent"])]
    dfs = group["MATH_SS"].astype(int) - MATH_LEVEL3_GRADE7
    at_school = group["SchoolName"] == pattern["school"]
    planted_cell = at_school & (group["year"] == 2025)
    # 120 points were taken off; the group has 11+ students so a report can show it.
    assert planted_cell.sum() >= 11
    assert dfs[planted_cell].mean() <= dfs[at_school & ~planted_cell].mean() - 40
    assert dfs[planted_cell].mean() <= dfs[~planted_cell].mean() - 40


def test_penasco_english_learners_chronic_absence_rises_in_2025(fresno):
    primary = fresno["enrollment"][fresno["enrollment"]["PrimaryEnrollment"] == "Y"]
    english_learners = primary[(primary["SchoolName"] == PENASCO) & (primary["ELAS"] == "EL")]
    rate = chronically_absent(english_learners["DaysEnrolled"], english_learners["DaysAbsent"]).groupby(
        english_learners["year"]).mean()
    # the log absence rate is raised by 1.1 (x3): from about 20% to over 50%
    assert rate[2025] >= rate[[2022, 2023, 2024]].max() + 0.2


def level_transitions(tests: pd.DataFrame) -> pd.DataFrame:
    """Share of next year's ELPAC level by this year's level (students tested both years)."""
    next_year = tests.assign(year=tests["year"] - 1).rename(columns={"level": "next_level"})
    pairs = tests.merge(next_year, on=["student", "year"])
    return pd.crosstab(pairs["level"], pairs["next_level"], normalize="index")


@pytest.mark.parametrize("district", ["fresno", "long_beach"])
def test_elpac_level3_bottleneck(district, fresno, long_beach):
    if district == "fresno":
        assessments = fresno["assessments"]
        tests = pd.DataFrame({"student": assessments["StudentID"], "year": assessments["year"],
                              "level": assessments["ELPAC_PL"]})
        tests = tests[tests["level"] != ""]
    else:
        results = long_beach["test_results"]
        results = results[(results["test"] == "ELPAC Summative") & (results["scale_score"] != "")]
        names = {"Minimally Developed": "1", "Somewhat Developed": "2", "Moderately Developed": "3",
                 "Well Developed": "4"}
        tests = pd.DataFrame({"student": results["student_number"], "year": results["school_year"].astype(int),
                              "level": results["performance_level"].map(names)})
    transitions = level_transitions(tests)
    # Level 3 is sticky (about 75% stay, 17% move up) while level 2 moves on (about 60% up).
    assert transitions.loc["3", "3"] >= 0.65
    assert transitions.loc["3", "4"] <= 0.25
    assert transitions.loc["2", "3"] >= 0.45
    assert transitions.loc["3", "4"] <= transitions.loc["2", "3"] / 2


def test_long_term_english_learners_pile_up(fresno):
    primary = fresno["enrollment"][fresno["enrollment"]["PrimaryEnrollment"] == "Y"]
    secondary_els = primary[(primary["ELAS"] == "EL") & ~primary["Grade"].isin(
        ["TK", "KN", "01", "02", "03", "04", "05"])]
    started = pd.to_datetime(secondary_els["ELStartDate"], format="%m/%d/%Y")
    years_as_el = (pd.to_datetime(secondary_els["year"].astype(str) + "-06-30") - started).dt.days / 365.25
    assert (years_as_el >= 6).mean() >= 0.4  # most secondary ELs are long-term ELs
    assert ((years_as_el >= 4) & (years_as_el < 6)).any()  # and some are at risk


def test_long_beach_completes_algebra_by_grade_8_far_more_often(fresno, long_beach):
    enrollment = fresno["enrollment"]
    fresno_8th = enrollment[(enrollment["PrimaryEnrollment"] == "Y") & (enrollment["Grade"] == "08")]
    fresno_share = (fresno_8th["MathCourse"].isin(ALGEBRA_OR_ABOVE["fresno"])
                    & fresno_8th["MathMark"].isin(["A", "B", "C"])).mean()
    students = long_beach["students"]
    long_beach_8th = students[students["grade_level"] == "8"].merge(
        long_beach["math_courses"], on=["student_number", "school_year"], how="left")
    long_beach_share = (long_beach_8th["course_title"].isin(ALGEBRA_OR_ABOVE["long_beach"])
                        & long_beach_8th["mark"].isin(["A", "B", "C"])).mean()
    # planted: the top 10% (Fresno) and 34% (Long Beach) of readiness take it in grade 8
    assert long_beach_share >= fresno_share + 0.15


@pytest.mark.parametrize("district", ["fresno", "long_beach"])
def test_a_g_follows_the_early_algebra_pathway(district, fresno, long_beach):
    """Graduates of 2024 and 2025 whose 2021-22 course shows algebra by grade 9 (C or better)."""
    if district == "fresno":
        enrollment = fresno["enrollment"]
        first_year = enrollment[(enrollment["year"] == 2022) & (enrollment["PrimaryEnrollment"] == "Y")]
        courses = pd.DataFrame({"student": first_year["StudentID"], "grade": first_year["Grade"],
                                "course": first_year["MathCourse"], "mark": first_year["MathMark"]})
        outcomes = fresno["outcomes"]
        graduates = pd.DataFrame({"student": outcomes["StudentID"], "cohort": outcomes["year"],
                                  "ag": outcomes["AGMet"]})[outcomes["Outcome"] == "GRAD"]
    else:
        students = long_beach["students"].merge(long_beach["math_courses"], how="left",
                                                on=["student_number", "school_year"])
        first_year = students[students["school_year"] == "2022"]
        courses = pd.DataFrame({"student": first_year["student_number"],
                                "grade": first_year["grade_level"].str.zfill(2),
                                "course": first_year["course_title"], "mark": first_year["mark"]})
        outcomes = long_beach["cohort_outcomes"]
        graduates = pd.DataFrame({"student": outcomes["student_number"], "cohort": outcomes["cohort_year"].astype(int),
                                  "ag": outcomes["ag_complete"]})[outcomes["graduated"] == "Y"]
    history = graduates.merge(courses, on="student")
    ninth_2025 = (history["cohort"] == 2025) & (history["grade"] == "09")
    tenth_2024 = (history["cohort"] == 2024) & (history["grade"] == "10")
    history = history[ninth_2025 | tenth_2024]
    passed_algebra_in_9th = history["course"].isin(ALGEBRA_OR_ABOVE[district]) & history["mark"].isin(["A", "B", "C"])
    early = history["course"].isin(GEOMETRY_OR_ABOVE[district]) | (ninth_2025 & passed_algebra_in_9th)
    ag_rate = (history["ag"] == "Y").groupby(early).mean()
    # planted: +1.3 (algebra by 9, C or better) and +1.1 (by 8) on the a-g log-odds
    assert early.sum() >= 30 and (~early).sum() >= 10
    assert ag_rate[True] >= ag_rate[False] + 0.25


def test_harbor_high_sed_graduation_gap(long_beach):
    (pattern,) = planted("harbor_sed_graduation_gap")
    students = long_beach["students"].assign(year=lambda d: d["school_year"].astype(int))
    last_site = students.sort_values("year").groupby("student_number").tail(1)
    cohort = long_beach["cohort_outcomes"].merge(last_site, on="student_number").merge(
        long_beach["sites"], on="site_id")
    rate = (cohort["graduated"] == "Y").groupby([cohort["site_name"], cohort["low_income"]]).mean()
    harbor_gap = rate[(pattern["school"], "0")] - rate[(pattern["school"], "1")]
    other_high = cohort.loc[(cohort["site_type"] == "HS") & (cohort["site_name"] != HARBOR), "site_name"].unique()
    # planted: -1.1 on the graduation log-odds of SED students at Harbor only (~20 points)
    assert harbor_gap >= 0.1
    for school in other_high:
        assert harbor_gap >= rate[(school, "0")] - rate[(school, "1")] + 0.1


# --------------------------------------------------------------------------- planted growth (patterns 5-7)
def sbac_scores(district: str, fresno, long_beach) -> pd.DataFrame:
    """Every Smarter Balanced score of the raw files, with the school and SWD flag of that year's primary
    enrollment: ``student, year, school, grade, subject, swd, dfs`` (DFS = score minus the grade's Level 3
    minimum)."""
    parts = []
    if district == "fresno":
        primary = fresno["enrollment"][fresno["enrollment"]["PrimaryEnrollment"] == "Y"]
        scores = primary.merge(fresno["assessments"], on=["StudentID", "year"])
        for subject, column in (("ela", "ELA_SS"), ("math", "MATH_SS")):
            scored = scores[scores[column] != ""]
            grade = scored["GradeTested"].astype(int)
            parts.append(pd.DataFrame({
                "student": scored["StudentID"], "year": scored["year"], "school": scored["SchoolName"], "grade": grade,
                "subject": subject, "swd": scored["SWD"] == "Y",
                "dfs": scored[column].astype(int) - grade.map(LEVEL3[subject])}))
    else:
        results = long_beach["test_results"]
        scores = results[(results["scale_score"] != "") & results["test"].isin(["SBAC ELA", "SBAC Math"])].merge(
            long_beach["students"], on=["student_number", "school_year"]).merge(long_beach["sites"], on="site_id")
        for subject, test in (("ela", "SBAC ELA"), ("math", "SBAC Math")):
            scored = scores[scores["test"] == test]
            grade = scored["grade_tested"].astype(int)
            parts.append(pd.DataFrame({
                "student": scored["student_number"], "year": scored["school_year"].astype(int),
                "school": scored["site_name"], "grade": grade, "subject": subject, "swd": scored["iep"] == "TRUE",
                "dfs": scored["scale_score"].astype(int) - grade.map(LEVEL3[subject])}))
    return pd.concat(parts, ignore_index=True)


def one_year_gains(scores: pd.DataFrame) -> pd.DataFrame:
    """The same students a year apart, grade g - 1 then g (g = 4-8): ``gain`` = DFS this year minus last,
    with this year's school, grade band and SWD flag."""
    last_year = scores.assign(year=scores["year"] + 1)[["student", "year", "subject", "grade", "dfs"]]
    pairs = scores.merge(last_year, on=["student", "year", "subject"], suffixes=("", "_before"))
    pairs = pairs[(pairs["grade"] == pairs["grade_before"] + 1) & (pairs["grade"] <= 8)]
    return pairs.assign(gain=pairs["dfs"] - pairs["dfs_before"], grades=np.where(pairs["grade"] <= 5, "TK-5", "6-8"))


@pytest.mark.parametrize("district", ["fresno", "long_beach"])
def test_schools_planted_growth_shows_in_the_same_students_gains(district, fresno, long_beach):
    """Planted: each school's effect, points a year (about 6 either way).  The same students' one-year DFS
    gain at a school, minus the gain of all the students of its grade band that year (2022-23 to 2024-25
    pooled), follows the planted effect of the school (schools with 30+ gains): correlation 0.8 or more,
    and a slope between half and one and a half."""
    gains = one_year_gains(sbac_scores(district, fresno, long_beach))
    band_gain = gains.groupby(["year", "subject", "grades"])["gain"].transform("mean")
    relative = gains.assign(relative=gains["gain"] - band_gain)
    by_school = relative.groupby(["school", "grades", "subject"])["relative"].agg(["size", "mean"]).reset_index()
    effects = planted_growth_effects(district, scale=0.02, seed=2008).rename(columns={"school_name": "school"})
    counted = by_school[by_school["size"] >= 30].merge(effects, on=["school", "grades", "subject"],
                                                       validate="one_to_one")
    assert len(counted) >= 8
    assert np.corrcoef(counted["mean"], counted["effect"])[0, 1] >= 0.8
    slope = np.polyfit(counted["effect"], counted["mean"], 1)[0]
    assert 0.5 <= slope <= 1.5


@pytest.mark.parametrize("district", ["fresno", "long_beach"])
def test_the_poorest_zone_school_starts_lowest_and_catches_up(district, fresno, long_beach):
    """Planted: +10 points a year from 2022-23 at the school of the poorest zone.  Its 2021-22 math DFS
    (grades 3-8) is the lowest of the district's schools, and by 2024-25 its distance below the district
    has closed by 15 points or more (half of three years of 10)."""
    (school,) = planted_growth_effects(district, scale=0.02, seed=2008).query("poorest_zone")["school_name"].unique()
    math = sbac_scores(district, fresno, long_beach).query("subject == 'math' and grade <= 8")
    schools = math.groupby(["year", "school"])["dfs"].mean()
    district_dfs = math.groupby("year")["dfs"].mean()
    assert schools[2022].idxmin() == school
    below_2022 = schools[(2022, school)] - district_dfs[2022]
    below_2025 = schools[(2025, school)] - district_dfs[2025]
    assert below_2025 >= below_2022 + 15


@pytest.mark.parametrize("district", ["fresno", "long_beach"])
def test_students_with_disabilities_gain_less(district, fresno, long_beach):
    """Planted: 6 points a year less growth for students with disabilities.  Their one-year DFS gain
    (both subjects, 2022-23 to 2024-25) is at least 3 points below the other students'."""
    gains = one_year_gains(sbac_scores(district, fresno, long_beach))
    mean_gain = gains.groupby("swd")["gain"].mean()
    assert mean_gain[True] <= mean_gain[False] - 3


def test_planted_growth_moves_only_the_smarter_balanced_scores_from_2022_23(tmp_path: Path, monkeypatch):
    """The growth effects come from their own random stream: with them set to 0 every file is the same
    except the SBAC scale scores and levels of 2022-23 on (and 2021-22's are the same with or without)."""
    with_growth = write_sample(tmp_path / "with", scale=0.005, seed=3)
    monkeypatch.setattr(sample_years, "_growth_effects",
                        lambda profile, schools, zones, seed: np.zeros((2, 3, len(schools))))
    without = write_sample(tmp_path / "without", scale=0.005, seed=3)
    score_columns = {"fresno": ["ELA_SS", "ELA_PL", "MATH_SS", "MATH_PL"],
                     "long_beach": ["scale_score", "performance_level"]}
    changed = set()
    for grown, plain in zip(with_growth, without):
        for path in sorted(plain.glob("*.csv")):
            if path.read_bytes() == (grown / path.name).read_bytes():
                continue
            changed.add(f"{plain.name}/{path.name}")
            encoding = "cp1252" if plain.name == "fresno" else "utf-8"
            before = pd.read_csv(path, dtype=str, encoding=encoding, keep_default_na=False)
            after = pd.read_csv(grown / path.name, dtype=str, encoding=encoding, keep_default_na=False)
            columns = score_columns[plain.name]
            pd.testing.assert_frame_equal(before.drop(columns=columns), after.drop(columns=columns))
            if plain.name == "long_beach":
                elpac_or_first_year = (before["test"] == "ELPAC Summative") | (before["school_year"] == "2022")
                pd.testing.assert_frame_equal(before[elpac_or_first_year], after[elpac_or_first_year])
    assert changed == {"fresno/assessments_2022-23.csv", "fresno/assessments_2023-24.csv",
                       "fresno/assessments_2024-25.csv", "long_beach/test_results.csv"}
