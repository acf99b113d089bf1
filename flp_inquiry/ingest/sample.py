"""Deterministic synthetic exports of both partner districts, in their own file formats.

:func:`write_sample` writes ``<out>/fresno/`` (Windows-1252 CSVs, CRLF, one file per
school year and kind) and ``<out>/long_beach/`` (UTF-8 CSVs, LF, one long file per
kind) exactly as ``specs/district-exports.md`` describes them, for the school years
2021-22 to 2024-25.  Every student, school and id is invented; school names start
with ``"Sample "``.

How the data are made
---------------------
A student panel is simulated with numpy, one array per attribute: students persist
across years and move up a grade, some leave (transfers, high-school dropouts), new
ones arrive in TK/K and in other grades.  Each student lives in an attendance zone
(one per elementary or K-8 school) that feeds a middle and a high school; zones
differ in poverty, which shapes ethnicity, SED and home language.  English
learners' Summative ELPAC proficiency is simulated from their first US school year,
with a bottleneck at level 3, and they reclassify mostly after reaching level 4.
Test scores, absences, math courses, marks and graduation outcomes follow from a
latent achievement and attendance propensity plus group effects, and the planted
patterns of :data:`PLANTED_PATTERNS` are added on top.  The same ``scale`` and
``seed`` give byte-identical files.

Growth
------
A student's Smarter Balanced achievement is otherwise the same every year (their
distance from the standard only moves with noise, absences and English learning).
From 2022-23 on, each school year adds a planted *growth effect* to it, and the
sum carries into every later year, wherever the student is then, as real learning
does: the school's effect for the school the student is counted at that year
(:func:`planted_growth_effects`), plus the effect of the student's group
(:data:`SWD_GROWTH`).  Schools' effects are drawn from their own random stream
(``[seed, district, 2]``), so every other draw, and so every other column and
file, is as without them; the 2021-22 scores are unchanged too
(:mod:`flp_inquiry.ingest.sample_growth`).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from flp_inquiry.ingest.sample_growth import (  # noqa: F401  (planted_growth_effects re-exported)
    GROWTH_EFFECT_SD,
    GROWTH_SUBJECT_CORRELATION,
    POOREST_ZONE_GROWTH,
    SWD_GROWTH,
    planted_growth_effects,
)
from flp_inquiry.ingest.sample_students import (
    ETHNICITY_CODES,
    HARBOR,
    PENASCO,
    PROFILES,
    SBAC_GRADES,
    SCHOOL_YEARS,
    _DistrictProfile,
    _elpac_scores,
)
from flp_inquiry.ingest.sample_years import (
    _absent_days,
    _course_titles,
    _simulate_district,
    _SimulatedDistrict,
)
from flp_inquiry.spreadsheet import spreadsheet_csv

PLANTED_PATTERNS: list[dict] = [
    {
        "name": "penasco_grade7_el_math",
        "district": "fresno",
        "school": PENASCO,
        "years": [2025],
        "description": (
            "Grade 7 math falls in 2024-25 for English learners who are chronically absent "
            "(120 scale-score points taken off; the observed drop is well over 40 DFS points "
            "against the school's other years and other middle schools), and chronic absence "
            "among the school's English learners rises that year (from about 15% to about 75%)."
        ),
    },
    {
        "name": "elpac_level3_bottleneck",
        "district": "fresno",
        "school": None,
        "years": list(SCHOOL_YEARS),
        "description": (
            "Reclassification bottleneck: English learners at Summative ELPAC level 3 mostly stay "
            "at level 3 the next year (few reach level 4), so reclassification stalls and "
            "long-term English learners pile up in grades 6-12."
        ),
    },
    {
        "name": "elpac_level3_bottleneck",
        "district": "long_beach",
        "school": None,
        "years": list(SCHOOL_YEARS),
        "description": (
            "Reclassification bottleneck at ELPAC level 3, as in Fresno (slightly less severe)."
        ),
    },
    {
        "name": "early_algebra_pathway",
        "district": "long_beach",
        "school": None,
        "years": list(SCHOOL_YEARS),
        "description": (
            "About a third of Long Beach 8th graders take Integrated Math I / Algebra I (about one "
            "in ten in Fresno), so far more complete it with C or better by grade 8; in both "
            "districts a-g completion is much higher for graduates who completed algebra by grade 9."
        ),
    },
    {
        "name": "harbor_sed_graduation_gap",
        "district": "long_beach",
        "school": HARBOR,
        "years": list(SCHOOL_YEARS),
        "description": (
            "Four-year graduation gap by socioeconomic status at one high school: SED students at "
            "Sample Harbor High graduate about 20 points below their non-SED classmates, against a "
            "gap of a few points at the other high schools."
        ),
    },
    {
        "name": "school_growth_effects",
        "district": "fresno",
        "school": None,
        "years": list(SCHOOL_YEARS[1:]),
        "description": (
            "Every school adds its own growth effect to its students' ELA and math achievement each year from "
            f"2022-23 on (about {GROWTH_EFFECT_SD:.0f} points a year either way, ELA and math correlated "
            f"{GROWTH_SUBJECT_CORRELATION}, averaging 0 over the students of each grade band; "
            "flp_inquiry.ingest.sample.planted_growth_effects lists them), and the gains carry into later years."
        ),
    },
    {
        "name": "school_growth_effects",
        "district": "long_beach",
        "school": None,
        "years": list(SCHOOL_YEARS[1:]),
        "description": "School growth effects, as in Fresno.",
    },
    {
        "name": "poorest_zone_school_grows_fast",
        "district": "fresno",
        "school": None,
        "years": list(SCHOOL_YEARS[1:]),
        "description": (
            "The elementary school serving the poorest attendance zone starts with the lowest status (2021-22) "
            f"but has a growth effect of +{POOREST_ZONE_GROWTH:.0f} points a year in ELA and math from 2022-23 on: "
            "a school others can learn from. Its status catches up with the district's by 2024-25."
        ),
    },
    {
        "name": "poorest_zone_school_grows_fast",
        "district": "long_beach",
        "school": None,
        "years": list(SCHOOL_YEARS[1:]),
        "description": (f"The school (elementary or K-8) serving the poorest zone grows +{POOREST_ZONE_GROWTH:.0f} "
                        "points a year, as in Fresno."),
    },
    {
        "name": "swd_slower_growth",
        "district": "fresno",
        "school": None,
        "years": list(SCHOOL_YEARS[1:]),
        "description": (
            f"Students with disabilities grow {-SWD_GROWTH:.0f} points a year less than similar students in ELA "
            "and math, at every school, from 2022-23 on."
        ),
    },
    {
        "name": "swd_slower_growth",
        "district": "long_beach",
        "school": None,
        "years": list(SCHOOL_YEARS[1:]),
        "description": f"Students with disabilities grow {-SWD_GROWTH:.0f} points a year less, as in Fresno.",
    },
]


# --------------------------------------------------------------------------- export formats
def _format_dates(dates: pd.Series, pattern: str) -> pd.Series:
    return pd.to_datetime(dates).dt.strftime(pattern)


def _nullable_int(values: pd.Series) -> pd.Series:
    return pd.Series(values, dtype="Float64").astype("Int64")


def _fresno_exports(district: _SimulatedDistrict, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """Fresno's files: per-year enrollment (with second schools), wide assessments, outcomes."""
    schools, students, rows = district.schools, district.students, district.rows
    student_ids = rng.choice(400_000_000, size=len(students), replace=False)  # a quarter start with 0
    grade_codes = np.array(["TK", "KN"] + [f"{g:02d}" for g in range(1, 13)])
    s = rows["student"].to_numpy()
    primary = pd.DataFrame({
        "year": rows["year"].to_numpy(),
        "StudentID": pd.Series(student_ids[s]).astype(str).str.zfill(9).to_numpy(),
        "school": rows["school"].to_numpy(),
        "grade": rows["grade"].to_numpy(),
        "Grade": grade_codes[rows["grade"].to_numpy() + 1],
        "Gender": np.array(["F", "M", "X"])[students["gender"].to_numpy()[s]],
        "Ethnicity": np.array(ETHNICITY_CODES)[students["ethnicity"].to_numpy()[s]],
        "ELAS": rows["el_status"].to_numpy(),
        "ELStartDate": _format_dates(rows["el_start_date"], "%m/%d/%Y").to_numpy(),
        "RFEPDate": _format_dates(rows["rfep_date"], "%m/%d/%Y").to_numpy(),
        "SED": np.where(students["sed"].to_numpy()[s], "Y", "N"),
        "SWD": np.where(students["swd"].to_numpy()[s], "Y", "N"),
        "DaysEnrolled": rows["days_enrolled"].to_numpy(),
        "DaysAbsent": rows["days_absent"].to_numpy().astype(float),
        "PrimaryEnrollment": "Y",
        "MathCourse": _course_titles(rows, students, "fresno"),
        "MathMark": rows["mark"].to_numpy(),
    })
    # A second, shorter enrollment earlier in the year: PrimaryEnrollment N, no final mark.
    second = np.flatnonzero(rows["second_school"].to_numpy() >= 0)
    secondary = primary.iloc[second].copy()
    secondary["school"] = rows["second_school"].to_numpy()[second]
    secondary["DaysEnrolled"] = rows["second_days"].to_numpy()[second]
    secondary["DaysAbsent"] = _absent_days(rows["absence_rate"].to_numpy()[second],
                                           secondary["DaysEnrolled"].to_numpy(), rng, half_days=True)
    secondary["PrimaryEnrollment"] = "N"
    secondary["MathMark"] = ""
    enrollment = pd.concat([primary, secondary], ignore_index=True)
    enrollment.insert(2, "SchoolCode", schools["code"].to_numpy()[enrollment["school"].to_numpy()])
    enrollment.insert(3, "SchoolName", schools["name"].to_numpy()[enrollment["school"].to_numpy()])
    enrollment = enrollment.sort_values(["year", "SchoolCode", "grade", "StudentID"], kind="stable")

    # Assessments: everyone in an SBAC grade, and every EL (ELPAC is given in K-12).
    status = rows["el_status"].to_numpy()
    grade = rows["grade"].to_numpy()
    on_file = np.isin(grade, SBAC_GRADES) | ((status == "EL") & (grade >= 0))
    elpac_score, elpac_level = _elpac_scores(rows["elpac_proficiency"].fillna(1.0).to_numpy(), grade)
    has_elpac = rows["elpac_proficiency"].notna().to_numpy()
    assessments = pd.DataFrame({
        "year": rows["year"].to_numpy(),
        "StudentID": primary["StudentID"].to_numpy(),
        "GradeTested": grade_codes[grade + 1],
        "ELA_SS": _nullable_int(rows["ela_score"]), "ELA_PL": _nullable_int(rows["ela_level"]),
        "MATH_SS": _nullable_int(rows["math_score"]), "MATH_PL": _nullable_int(rows["math_level"]),
        "ELPAC_SS": _nullable_int(pd.Series(np.where(has_elpac, elpac_score, np.nan))),
        "ELPAC_PL": _nullable_int(pd.Series(np.where(has_elpac, elpac_level, np.nan))),
    })[on_file].sort_values(["year", "StudentID"], kind="stable")

    cohort = district.cohort
    outcomes = pd.DataFrame({
        "year": cohort["cohort_year"].to_numpy(),
        "StudentID": pd.Series(student_ids[cohort["student"].to_numpy()]).astype(str).str.zfill(9).to_numpy(),
        "Outcome": cohort["outcome"].to_numpy(),
        "AGMet": np.where(cohort["ag_met"], "Y", "N"),
    }).sort_values(["year", "StudentID"], kind="stable")

    files = {}
    for year in SCHOOL_YEARS:
        label = f"{year - 1}-{year % 100:02d}"
        for kind, table in (("enrollment", enrollment), ("assessments", assessments), ("outcomes", outcomes)):
            files[f"{kind}_{label}.csv"] = table[table["year"] == year].drop(columns=["year", "school", "grade"], errors="ignore")
    return files


def _long_beach_exports(district: _SimulatedDistrict, profile: _DistrictProfile,
                        rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """Long Beach's files: sites, students, long test results, math courses, cohort outcomes."""
    schools, students, rows = district.schools, district.students, district.rows
    student_numbers = 1_000_000 + rng.choice(9_000_000, size=len(students), replace=False)
    s = rows["student"].to_numpy()
    number = student_numbers[s]
    race_labels = np.array(["Hispanic or Latino", "Black or African American", "Asian", "Filipino",
                            "Native Hawaiian or Pacific Islander", "American Indian or Alaska Native",
                            "White", "Two or More Races", "Declined to State"])
    fluency_labels = {"EO": "English Only", "IFEP": "Initially Fluent English Proficient",
                      "EL": "English Learner", "RFEP": "Reclassified Fluent English Proficient",
                      "TBD": "To Be Determined"}
    sites = pd.DataFrame({
        "site_id": schools["site_id"].to_numpy(),
        "cds_code": profile.county_district + schools["code"],
        "site_name": schools["name"].to_numpy(),
        "site_type": schools["level"].to_numpy(),
    }).sort_values("site_id", kind="stable")
    students_file = pd.DataFrame({
        "student_number": number,
        "school_year": rows["year"].to_numpy(),
        "site_id": schools["site_id"].to_numpy()[rows["school"].to_numpy()],
        "grade_level": rows["grade"].to_numpy(),
        "gender": np.array(["Female", "Male", "Nonbinary"])[students["gender"].to_numpy()[s]],
        "race_ethnicity": race_labels[students["ethnicity"].to_numpy()[s]],
        "language_fluency": rows["el_status"].map(fluency_labels).to_numpy(),
        "el_entry_date": _format_dates(rows["el_start_date"], "%Y-%m-%d").to_numpy(),
        "reclassification_date": _format_dates(rows["rfep_date"], "%Y-%m-%d").to_numpy(),
        "low_income": students["sed"].to_numpy()[s].astype(int),
        "iep": np.where(students["swd"].to_numpy()[s], "TRUE", "FALSE"),
        "days_enrolled": rows["days_enrolled"].to_numpy(),
        "days_absent": rows["days_absent"].to_numpy().astype(int),
    }).sort_values(["school_year", "student_number"], kind="stable")

    grade = rows["grade"].to_numpy()
    sbac_labels = np.array(["Standard Not Met", "Standard Nearly Met", "Standard Met", "Standard Exceeded"])
    elpac_labels = np.array(["Minimally Developed", "Somewhat Developed", "Moderately Developed", "Well Developed"])
    parts = []
    in_sbac_grade = np.isin(grade, SBAC_GRADES)
    for subject, test in (("ela", "SBAC ELA"), ("math", "SBAC Math")):
        score = rows[f"{subject}_score"].to_numpy()
        level = np.nan_to_num(rows[f"{subject}_level"].to_numpy(), nan=1).astype(int)
        parts.append(pd.DataFrame({
            "student_number": number, "school_year": rows["year"].to_numpy(), "test": test,
            "grade_tested": grade, "scale_score": _nullable_int(pd.Series(score)),
            "performance_level": np.where(np.isnan(score), "Not Tested", sbac_labels[level - 1]),
        })[in_sbac_grade])
    elpac_score, elpac_level = _elpac_scores(rows["elpac_proficiency"].fillna(1.0).to_numpy(), grade)
    has_elpac = rows["elpac_proficiency"].notna().to_numpy()
    takes_elpac = (rows["el_status"].to_numpy() == "EL") & (grade >= 0)
    parts.append(pd.DataFrame({
        "student_number": number, "school_year": rows["year"].to_numpy(), "test": "ELPAC Summative",
        "grade_tested": grade, "scale_score": _nullable_int(pd.Series(np.where(has_elpac, elpac_score, np.nan))),
        "performance_level": np.where(has_elpac, elpac_labels[elpac_level - 1], "Not Tested"),
    })[takes_elpac])
    test_results = pd.concat(parts, ignore_index=True).sort_values(
        ["school_year", "student_number", "test"], kind="stable")

    titles = _course_titles(rows, students, "long_beach")
    has_course = titles != ""
    math_courses = pd.DataFrame({
        "student_number": number[has_course], "school_year": rows["year"].to_numpy()[has_course],
        "course_title": titles[has_course], "mark": rows["mark"].to_numpy()[has_course],
    }).sort_values(["school_year", "student_number"], kind="stable")

    cohort = district.cohort
    outcome = cohort["outcome"].to_numpy()
    cohort_outcomes = pd.DataFrame({
        "student_number": student_numbers[cohort["student"].to_numpy()],
        "cohort_year": cohort["cohort_year"].to_numpy(),
        "graduated": np.where(outcome == "GRAD", "Y", "N"),
        "dropped_out": np.where(outcome == "DROP", "Y", "N"),
        "ag_complete": np.where(cohort["ag_met"], "Y", "N"),
    }).sort_values(["cohort_year", "student_number"], kind="stable")
    return {"sites.csv": sites, "students.csv": students_file, "test_results.csv": test_results,
            "math_courses.csv": math_courses, "cohort_outcomes.csv": cohort_outcomes}


#: How each district's files are written: encoding and line ending.
FILE_FORMATS = {"fresno": ("cp1252", "\r\n"), "long_beach": ("utf-8", "\n")}


def district_exports(district: str, scale: float = 0.02, seed: int = 2008) -> dict[str, pd.DataFrame]:
    """Simulate one district and return its export files as frames, by file name.

    Parameters
    ----------
    district : str
        ``"fresno"`` or ``"long_beach"``.
    scale : float
        1.0 = a full-size district (about 70,000 / 65,000 students a year).
    seed : int
        Seed of the random generator; the same seed gives the same data.

    Returns
    -------
    dict of str to pandas.DataFrame
        The files of the district's export format, in the district's own columns.

    Examples
    --------
    >>> files = district_exports("long_beach", scale=0.005, seed=1)
    >>> sorted(files)
    ['cohort_outcomes.csv', 'math_courses.csv', 'sites.csv', 'students.csv', 'test_results.csv']
    >>> sorted(files["sites.csv"]["site_type"].unique())
    ['ES', 'HS', 'K8', 'MS']
    """
    if district not in PROFILES:
        raise ValueError(f"district must be one of {', '.join(PROFILES)}, not {district!r}")
    if not scale > 0:
        raise ValueError(f"scale must be positive, not {scale!r}")
    profile = PROFILES[district]
    simulated = _simulate_district(profile, scale, seed)
    id_rng = np.random.default_rng([seed, list(PROFILES).index(district), 1])
    if district == "fresno":
        return _fresno_exports(simulated, id_rng)
    return _long_beach_exports(simulated, profile, id_rng)


def write_sample(out: str | Path, scale: float = 0.02, seed: int = 2008) -> list[Path]:
    """Write synthetic exports of both districts into ``out/fresno`` and ``out/long_beach``.

    Parameters
    ----------
    out : str or Path
        Folder to write into (created if needed); existing files of the same names are replaced.
    scale : float
        1.0 = full-size districts; the committed sample uses 0.02.
    seed : int
        Seed of the random generator: the same ``scale`` and ``seed`` give byte-identical files.

    Returns
    -------
    list of Path
        The two district folders written.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     written = write_sample(folder, scale=0.005, seed=1)
    ...     [path.name for path in written], len(list(written[0].glob("*.csv")))
    (['fresno', 'long_beach'], 12)
    """
    folders = []
    for district in PROFILES:
        folder = Path(out) / district
        folder.mkdir(parents=True, exist_ok=True)
        encoding, line_ending = FILE_FORMATS[district]
        for name, frame in district_exports(district, scale=scale, seed=seed).items():
            text = spreadsheet_csv(frame, lineterminator=line_ending, float_format="%.1f")
            (folder / name).write_bytes(text.encode(encoding))
        folders.append(folder)
    return folders
