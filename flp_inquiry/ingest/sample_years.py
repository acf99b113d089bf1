"""Each synthetic student's school years: days, language status, scores, courses and outcomes.

Follows from a latent achievement and attendance propensity plus group effects, with the planted
patterns of :data:`flp_inquiry.ingest.sample.PLANTED_PATTERNS` added on top (the planted growth:
:mod:`flp_inquiry.ingest.sample_growth`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from flp_inquiry.ingest.sample_growth import _accumulated_growth, _growth_effects
from flp_inquiry.ingest.sample_students import (
    CHRONIC_ABSENCE_SHARE,
    HARBOR,
    MARK_LETTERS,
    PENASCO,
    PROFILES,
    SBAC_GRADES,
    SCHOOL_YEARS,
    SUBJECTS,
    _add_student_traits,
    _calendar_day,
    _categorical,
    _dates_in_window,
    _DistrictProfile,
    _make_schools,
    _make_zones,
    _sbac_thresholds,
    _simulate_english_learners,
    _simulate_membership,
    _Zones,
)


# --------------------------------------------------------------------------- student-years
def _expand_to_years(students: pd.DataFrame, zones: _Zones, rng: np.random.Generator) -> pd.DataFrame:
    """One row per student per year enrolled, with grade, zone (movers change) and school."""
    years_enrolled = (students["last_year"] - students["first_year"] + 1).to_numpy()
    student = np.repeat(np.arange(len(students)), years_enrolled)
    offsets = np.arange(len(student)) - np.repeat(np.cumsum(years_enrolled) - years_enrolled, years_enrolled)
    year = students["first_year"].to_numpy()[student] + offsets
    grade = students["first_grade"].to_numpy()[student] + offsets
    # Families move within the district: a new zone from the second year on, 4% a year.
    zone_by_year = np.tile(students["zone"].to_numpy()[:, None], (1, len(SCHOOL_YEARS)))
    for column in range(1, len(SCHOOL_YEARS)):
        moves = rng.random(len(students)) < 0.04
        new_zone = rng.choice(len(zones.share), size=len(students), p=zones.share)
        zone_by_year[:, column] = np.where(moves, new_zone, zone_by_year[:, column - 1])
    zone = zone_by_year[student, year - SCHOOL_YEARS[0]]
    band = np.digitize(grade, [6, 9])
    return pd.DataFrame({"student": student, "year": year, "grade": grade,
                         "school": zones.school_by_band[band, zone]})


def _add_days(rows: pd.DataFrame, students: pd.DataFrame, schools: pd.DataFrame,
              rng: np.random.Generator) -> pd.DataFrame:
    """Days enrolled at the counted school, a rare second school that year, and the absence rate.

    Days are mostly 170-180, fewer for mid-year arrivals and leavers.  About 3% of
    students attended a second school of the same level for 10-60 days earlier in the
    year (Fresno's export lists it as a second row); those days are not counted here.
    """
    rows = rows.copy()
    n = len(rows)
    s = rows["student"].to_numpy()
    first_year = students["first_year"].to_numpy()[s]
    exit_reason = students["exit"].to_numpy()[s]
    leaves_after = (rows["year"].to_numpy() == students["last_year"].to_numpy()[s]) & np.isin(
        exit_reason, ["transfer", "dropout"])
    arrival_share = np.where(first_year == SCHOOL_YEARS[0], 0.04, 0.3)
    partial = ((rows["year"].to_numpy() == first_year) & (rng.random(n) < arrival_share)) | (
        leaves_after & (rng.random(n) < 0.35))
    days = np.where(partial, rng.integers(5, 170, n), 180 - rng.integers(0, 11, n))

    levels = schools["level"].to_numpy()
    band_schools = [np.flatnonzero(np.isin(levels, band)) for band in (["ES", "K8"], ["MS", "K8"], ["HS"])]
    band = np.digitize(rows["grade"].to_numpy(), [6, 9])
    two_schools = (rng.random(n) < 0.03) & (days >= 120)
    shift = rng.integers(1, 1_000_000, n)
    second_school = np.full(n, -1)
    for b, candidates in enumerate(band_schools):
        chosen = two_schools & (band == b)
        position = np.searchsorted(candidates, rows["school"].to_numpy()[chosen])
        second_school[chosen] = candidates[(position + shift[chosen] % (len(candidates) - 1) + 1) % len(candidates)]
    second_days = np.where(two_schools, rng.integers(10, 61, n), 0)

    propensity = students["absence_propensity"].to_numpy()[s]
    grade = rows["grade"].to_numpy()
    log_rate = -3.3 + 0.7 * propensity + 0.45 * rng.standard_normal(n) + np.select(
        [grade <= 0, grade >= 9], [0.25, 0.35], 0.0)
    is_penasco = schools["name"].to_numpy()[rows["school"].to_numpy()] == PENASCO
    is_el = rows["el_status"].to_numpy() == "EL"
    # Planted: chronic absence among Peñasco's English learners rises in 2024-25.
    log_rate = log_rate + np.where(is_penasco & is_el & (rows["year"].to_numpy() == 2025), 1.5, 0.0)
    rows["absence_rate"] = np.minimum(np.exp(log_rate), 0.7)
    rows["days_enrolled"] = days - second_days
    rows["second_school"] = second_school
    rows["second_days"] = second_days
    return rows


def _absent_days(rate: np.ndarray, days: np.ndarray, rng: np.random.Generator, half_days: bool) -> np.ndarray:
    """Days absent for a rate and days enrolled; Fresno records half days, Long Beach whole days."""
    whole = np.floor(rate * days)
    if not half_days:
        return np.minimum(np.round(rate * days), days).astype(int)
    return np.minimum(whole + 0.5 * (rng.random(len(days)) < 0.15), days)


def _add_language_status(rows: pd.DataFrame, students: pd.DataFrame, reclassified_year: np.ndarray,
                         rng: np.random.Generator) -> pd.DataFrame:
    """EL status, EL start date and RFEP date as of each year's export."""
    rows = rows.copy()
    s = rows["student"].to_numpy()
    year = rows["year"].to_numpy()
    ever_el = students["ever_el"].to_numpy()
    entry_year = students["entry_year"].to_numpy()
    starts_in_fall = (students["entry_grade"].to_numpy() <= 0) | (students["first_year"].to_numpy() == SCHOOL_YEARS[0])
    start_date = np.where(starts_in_fall,
                          _dates_in_window(rng, _calendar_day(entry_year - 1, 8, 10), 27),
                          _dates_in_window(rng, _calendar_day(entry_year - 1, 8, 15), 250))
    rfep_date = _dates_in_window(rng, _calendar_day(np.minimum(reclassified_year, 2100), 1, 15), 91)
    status = np.select(
        [students["newcomer_tbd"].to_numpy()[s] & (year == students["first_year"].to_numpy()[s]),
         ever_el[s] & (reclassified_year[s] <= year), ever_el[s], students["ifep"].to_numpy()[s]],
        ["TBD", "RFEP", "EL", "IFEP"], "EO")
    rows["el_status"] = status
    rows["el_start_date"] = np.where(np.isin(status, ["EL", "RFEP"]), start_date[s], np.datetime64("NaT"))
    rows["rfep_date"] = np.where(status == "RFEP", rfep_date[s], np.datetime64("NaT"))
    return rows


def _sbac_scores(rows: pd.DataFrame, students: pd.DataFrame, proficiency: np.ndarray,
                 profile: _DistrictProfile, schools: pd.DataFrame, rng: np.random.Generator,
                 growth: np.ndarray) -> pd.DataFrame:
    """Smarter Balanced ELA and math scores (NaN = not tested) and levels for tested grades.

    ``growth`` is each row's planted growth so far, [row, subject]
    (:func:`flp_inquiry.ingest.sample_growth._accumulated_growth`).
    """
    thresholds = _sbac_thresholds()
    rows = rows.copy()
    n = len(rows)
    s = rows["student"].to_numpy()
    grade = rows["grade"].to_numpy()
    in_tested_grade = np.isin(grade, SBAC_GRADES)
    g = np.where(in_tested_grade, grade, 3)
    ability = students["ability"].to_numpy()[s]
    status = rows["el_status"].to_numpy()
    el_effect = np.where(status == "EL", -10.0 - 22.0 * (4.5 - np.nan_to_num(proficiency, nan=2.5)), 0.0)
    el_effect = el_effect + np.where(status == "RFEP", 12.0, 0.0)
    chronic = rows["chronic"].to_numpy()
    year_trend = np.array([-6.0, 0.0, 3.0, 6.0])[rows["year"].to_numpy() - SCHOOL_YEARS[0]]
    missing_test = rng.random(n) < 0.015 + 0.25 * rows["absence_rate"].to_numpy() + 0.05 * (grade == 11)
    is_penasco = schools["name"].to_numpy()[rows["school"].to_numpy()] == PENASCO
    planted_fall = is_penasco & (rows["year"].to_numpy() == 2025) & (grade == 7) & (status == "EL") & chronic
    for index, subject in enumerate(SUBJECTS):
        subject_ability = 0.85 * ability + 0.5 * rng.standard_normal(len(students))[s]
        score = (thresholds["level3_min"][index, g] + profile.sbac_offset[index] + 85.0 * subject_ability
                 + 25.0 * rng.standard_normal(n) + el_effect + year_trend
                 - 120.0 * rows["absence_rate"].to_numpy() - 30.0 * students["swd"].to_numpy()[s])
        if subject == "math":
            score = score - 120.0 * planted_fall  # planted: Peñasco grade 7 EL chronic absentees, 2025
        score = score + growth[:, index]  # planted: school and group growth, from 2022-23 on
        score = np.clip(np.round(score), thresholds["lowest_score"][index, g], thresholds["highest_score"][index, g])
        level = 1 + sum((score >= thresholds[f"level{k}_min"][index, g]).astype(int) for k in (2, 3, 4))
        untested = ~in_tested_grade | missing_test
        rows[f"{subject}_score"] = np.where(untested, np.nan, score)
        rows[f"{subject}_level"] = np.where(untested, np.nan, level)
    return rows


def _math_courses(rows: pd.DataFrame, students: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Course sequence step (0 grade level ... 4 beyond, -1 none) and mark for grades 6-12."""
    rows = rows.copy()
    n = len(rows)
    s = rows["student"].to_numpy()
    grade = rows["grade"].to_numpy()
    algebra_grade = students["algebra_grade"].to_numpy()[s]
    repeat = students["algebra_repeat"].to_numpy()[s]
    step = grade - algebra_grade + 1 - (repeat & (grade > algebra_grade))
    no_math = (grade < 6) | ((grade == 12) & ~students["takes_math_in_12"].to_numpy()[s])
    rows["course_step"] = np.where(no_math, -1, np.clip(step, 0, 6))
    ability = students["ability"].to_numpy()[s]
    mark_score = 0.9 * ability + 0.55 * rng.standard_normal(n) - 2.5 * rows["absence_rate"].to_numpy() + 0.3
    mark = np.digitize(-mark_score, [-1.0, -0.2, 0.6, 1.2])  # 0 A ... 4 F
    first_algebra = grade == algebra_grade
    mark = np.where(first_algebra & repeat, np.maximum(mark, 3), mark)
    mark = np.where(first_algebra & ~repeat, np.minimum(mark, 2), mark)
    rows["mark"] = np.where(no_math | (rows["days_enrolled"].to_numpy() < 31), "", MARK_LETTERS[mark])
    rows["course_choice"] = rng.random(n)
    return rows


def _course_titles(rows: pd.DataFrame, students: pd.DataFrame, district: str) -> np.ndarray:
    """Each district's local course title for a row's course step ('' = no math course)."""
    step = rows["course_step"].to_numpy()
    grade = rows["grade"].to_numpy()
    ability = students["ability"].to_numpy()[rows["student"].to_numpy()]
    choice = rows["course_choice"].to_numpy()
    honors = (ability > 1.0) | ((grade <= 8) & (choice < 0.5))
    beyond_second = step >= 5
    if district == "fresno":
        grade_level = np.char.add("MATH ", np.clip(grade, 6, 8).astype(str))
        algebra = np.where(honors, "ALG 1 HON", "ALGEBRA 1")
        beyond = np.where(beyond_second & (ability > 0.5), "AP CALC AB",
                          np.where(ability > 0.3, "PRE-CALC", "STATISTICS"))
        by_step = [grade_level, algebra, "GEOMETRY", "ALGEBRA 2", beyond]
    else:
        grade_level = np.char.add(np.char.add("Math ", np.clip(grade, 6, 8).astype(str)), " CC")
        algebra = np.where(honors, "Integrated Math I Honors",
                           np.where(choice > 0.92, "Algebra I", "Integrated Math I"))
        beyond = np.where(beyond_second & (ability > 0.5), "AP Calculus AB",
                          np.where(ability > 0.3, "Pre-Calculus", "AP Statistics"))
        by_step = [grade_level, algebra, "Integrated Math II", "Integrated Math III", beyond]
    return np.select([step == k for k in range(4)] + [step >= 4], by_step, "")


def _cohort_outcomes(rows: pd.DataFrame, students: pd.DataFrame, schools: pd.DataFrame,
                     rng: np.random.Generator) -> pd.DataFrame:
    """Four-year cohorts ending each year: that year's 12th graders plus earlier dropouts."""
    twelfth = rows[rows["grade"] == 12]
    s = twelfth["student"].to_numpy()
    ability = students["ability"].to_numpy()
    sed = students["sed"].to_numpy()
    at_harbor = schools["name"].to_numpy()[twelfth["school"].to_numpy()] == HARBOR
    # Planted: SED students at Sample Harbor High graduate far less often.
    graduation_logit = (3.0 + 0.6 * ability[s] - 5.0 * twelfth["absence_rate"].to_numpy()
                        - 0.15 * sed[s] - 1.1 * (at_harbor & sed[s]))
    graduates = rng.random(len(s)) < 1 / (1 + np.exp(-graduation_logit))
    other_outcome = np.array(["DROP", "CONT", "OTHR"])[_categorical(rng, np.tile([0.45, 0.35, 0.2], (len(s), 1)))]
    outcome = np.where(graduates, "GRAD", other_outcome)
    last_grade = students["first_grade"] + students["last_year"] - students["first_year"]
    cohort_of_dropout = students["last_year"] + (12 - last_grade)
    dropouts = np.flatnonzero((students["exit"] == "dropout").to_numpy()
                              & (cohort_of_dropout <= SCHOOL_YEARS[-1]).to_numpy())
    cohort = pd.DataFrame({
        "student": np.concatenate([s, dropouts]),
        "cohort_year": np.concatenate([twelfth["year"].to_numpy(), cohort_of_dropout.to_numpy()[dropouts]]),
        "outcome": np.concatenate([outcome, np.full(len(dropouts), "DROP")]),
    })
    c = cohort["student"].to_numpy()
    algebra_grade = students["algebra_grade"].to_numpy()[c]
    algebra_by_9 = (algebra_grade <= 9) & ~students["algebra_repeat"].to_numpy()[c]
    ag_logit = -1.0 + 1.1 * (algebra_grade <= 8) + 1.3 * algebra_by_9 + 0.6 * ability[c] - 0.2 * sed[c]
    cohort["ag_met"] = (cohort["outcome"] == "GRAD") & (rng.random(len(c)) < 1 / (1 + np.exp(-ag_logit)))
    return cohort


@dataclass(frozen=True)
class _SimulatedDistrict:
    schools: pd.DataFrame
    students: pd.DataFrame
    rows: pd.DataFrame  # primary enrollment, one per student-year
    elpac_proficiency: np.ndarray  # students x SCHOOL_YEARS
    cohort: pd.DataFrame


def _simulate_district(profile: _DistrictProfile, scale: float, seed: int) -> _SimulatedDistrict:
    rng = np.random.default_rng([seed, list(PROFILES).index(profile.district)])
    schools = _make_schools(profile, scale, rng)
    zones = _make_zones(schools, rng)
    students = _simulate_membership(profile, scale, rng)
    students = _add_student_traits(students, profile, zones, rng)
    proficiency, reclassified_year = _simulate_english_learners(students, profile, rng)
    rows = _expand_to_years(students, zones, rng)
    rows = _add_language_status(rows, students, reclassified_year, rng)
    rows = _add_days(rows, students, schools, rng)
    year_column = rows["year"].to_numpy() - SCHOOL_YEARS[0]
    rows["elpac_proficiency"] = proficiency[rows["student"].to_numpy(), year_column]
    rows["elpac_proficiency"] = rows["elpac_proficiency"].where(rows["el_status"] == "EL")
    half_days = profile.district == "fresno"
    rows["days_absent"] = _absent_days(rows["absence_rate"].to_numpy(), rows["days_enrolled"].to_numpy(),
                                       rng, half_days)
    rows["chronic"] = (rows["days_enrolled"] >= 31) & (rows["days_absent"] >= CHRONIC_ABSENCE_SHARE * rows["days_enrolled"])
    growth = _accumulated_growth(rows, students, _growth_effects(profile, schools, zones, seed))
    rows = _sbac_scores(rows, students, rows["elpac_proficiency"].to_numpy(), profile, schools, rng, growth)
    rows = _math_courses(rows, students, rng)
    cohort = _cohort_outcomes(rows, students, schools, rng)
    return _SimulatedDistrict(schools, students, rows, proficiency, cohort)
