"""The synthetic districts' schools, attendance zones and students (see :mod:`flp_inquiry.ingest.sample`).

Each student lives in an attendance zone (one per elementary or K-8 school) that feeds a middle
and a high school; zones differ in poverty, which shapes ethnicity, SED and home language.
English learners' Summative ELPAC proficiency is simulated from their first US school year.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

SCHOOL_YEARS = (2022, 2023, 2024, 2025)
GRADES = np.arange(-1, 13)
#: Relative size of each grade TK, K, 1 ... 12 (TK is a partial grade).
GRADE_WEIGHTS = np.array([0.6] + [1.0] * 12 + [0.96])
SBAC_GRADES = (3, 4, 5, 6, 7, 8, 11)
SUBJECTS = ("ela", "math")
CHRONIC_ABSENCE_SHARE = 0.10
ETHNICITY_CODES = ("HI", "AA", "AS", "FI", "PI", "AI", "WH", "MR", "NR")
MARK_LETTERS = np.array(["A", "B", "C", "D", "F"])
_REFERENCE = Path(__file__).parent.parent / "data"
_NO_YEAR = 9999  # "never" for reclassification years

PENASCO = "Sample Peñasco Middle"
HARBOR = "Sample Harbor High"
@dataclass(frozen=True)
class _DistrictProfile:
    """What makes one synthetic district look like itself (full-size numbers)."""

    district: str
    county_district: str
    students_per_year: int
    schools: int
    has_k8: bool
    ethnicity_shares: tuple[float, ...]  # in ETHNICITY_CODES order
    sed_share: float
    swd_share: float
    other_language: tuple[float, ...]  # P(home language other than English) by ethnicity
    algebra_by_grade_8_share: float
    sbac_offset: tuple[float, float]  # ELA, math: district mean distance from Level 3
    level3_growth: float  # mean yearly ELPAC growth inside level 3 (the bottleneck)
    school_words: dict[str, tuple[str, ...]]


_FRESNO = _DistrictProfile(
    district="fresno",
    county_district="1062166",
    students_per_year=70_000,
    schools=90,
    has_k8=False,
    ethnicity_shares=(0.68, 0.075, 0.10, 0.006, 0.002, 0.004, 0.09, 0.025, 0.018),
    sed_share=0.85,
    swd_share=0.13,
    other_language=(0.34, 0.03, 0.40, 0.20, 0.25, 0.05, 0.05, 0.06, 0.15),
    algebra_by_grade_8_share=0.10,
    sbac_offset=(5.0, -30.0),
    level3_growth=0.2,
    school_words={
        "ES": ("Cañada", "Almendro", "Vineyard", "Olivo", "Manzanita", "Sauce", "Quail Run",
               "Fig Garden Row", "Granada", "Laurel", "Raisin Gate", "Sunflower"),
        "MS": ("Peñasco", "Mirador", "Arroyo", "Cottonwood", "Piedra", "Ridgeline"),
        "HS": ("Río Vista", "Orchard", "Valle Alto", "Harvest"),
    },
)
_LONG_BEACH = _DistrictProfile(
    district="long_beach",
    county_district="1964725",
    students_per_year=65_000,
    schools=85,
    has_k8=True,
    ethnicity_shares=(0.57, 0.12, 0.075, 0.03, 0.01, 0.002, 0.12, 0.055, 0.018),
    sed_share=0.70,
    swd_share=0.14,
    other_language=(0.31, 0.03, 0.36, 0.20, 0.30, 0.05, 0.04, 0.06, 0.12),
    algebra_by_grade_8_share=0.34,
    sbac_offset=(30.0, -10.0),
    level3_growth=0.24,
    school_words={
        "ES": ("Tidewater", "Seabright", "Kelp Forest", "Sandpiper", "Pelican", "Coral",
               "Breakwater", "Jetty", "Pier Point", "Starfish", "Heron", "Gull"),
        "K8": ("Marina Vista", "Sea Glass", "Tidepool"),
        "MS": ("Driftwood", "Anchor", "Compass", "Lantern Bay"),
        "HS": ("Harbor", "Lighthouse", "Wavecrest", "Mariner"),
    },
)
PROFILES = {"fresno": _FRESNO, "long_beach": _LONG_BEACH}
_LEVEL_SUFFIX = {"ES": "Elementary", "K8": "K-8", "MS": "Middle", "HS": "High"}
_NAME_QUALIFIERS = ("Park", "Hills", "Creek", "Grove", "Ranch", "Meadows", "Gardens", "Heights",
                    "Crossing", "Springs", "Terrace", "Commons", "Landing", "Knolls", "Fields")


# --------------------------------------------------------------------------- reference data
def _sbac_thresholds() -> dict[str, np.ndarray]:
    """Level 2/3/4 minimums and score range, as arrays indexed [subject, grade]."""
    table = pd.read_csv(_REFERENCE / "sbac_thresholds.csv")
    arrays = {column: np.zeros((2, 13)) for column in
              ("level2_min", "level3_min", "level4_min", "lowest_score", "highest_score")}
    subject_index = table["subject"].map({s: i for i, s in enumerate(SUBJECTS)}).to_numpy()
    for column, array in arrays.items():
        array[subject_index, table["grade"].to_numpy()] = table[column].to_numpy()
    return arrays


def _elpac_ranges() -> tuple[np.ndarray, np.ndarray]:
    """Level 1-4 minimums (grade x 4) and highest score (grade) for grades K-12."""
    table = pd.read_csv(_REFERENCE / "elpac_ranges.csv", dtype={"grades": str})
    table["grade"] = table["grades"].str.split(";")
    table = table.explode("grade").astype({"grade": int}).sort_values("grade")
    minimums = table[["level1_min", "level2_min", "level3_min", "level4_min"]].to_numpy()
    return minimums, table["highest_score"].to_numpy()


# --------------------------------------------------------------------------- small helpers
def _categorical(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """One draw per row from the row's category probabilities (rows need not sum to 1)."""
    cumulative = np.cumsum(probabilities, axis=1)
    draws = rng.random(len(probabilities)) * cumulative[:, -1]
    return (draws[:, None] >= cumulative).sum(axis=1)


def _top_share(score: np.ndarray, share: float) -> np.ndarray:
    """True for the ``share`` of rows with the highest score (hits a target share exactly)."""
    if len(score) == 0:
        return np.zeros(0, dtype=bool)
    return score > np.quantile(score, 1.0 - share)


def _dates_in_window(rng: np.random.Generator, start: np.ndarray, days: int) -> np.ndarray:
    """A random day in ``[start, start + days)`` for each start date (datetime64[D])."""
    return start + rng.integers(0, days, len(start)).astype("timedelta64[D]")


def _calendar_day(year: np.ndarray, month: int, day: int) -> np.ndarray:
    """``year-month-day`` as datetime64[D] for an array of calendar years."""
    months = (np.asarray(year) - 1970) * 12 + (month - 1)
    return months.astype("datetime64[M]").astype("datetime64[D]") + np.timedelta64(day - 1, "D")


# --------------------------------------------------------------------------- schools
def _make_schools(profile: _DistrictProfile, scale: float, rng: np.random.Generator) -> pd.DataFrame:
    """The district's schools: level, invented codes and names, and the zones they serve."""
    total = max(7, round(profile.schools * scale))
    high = max(2, round(0.14 * total))
    middle = max(2, round(0.16 * total))
    k8 = max(1, round(0.08 * total)) if profile.has_k8 else 0
    elementary = total - high - middle - k8
    levels = np.repeat(["ES", "K8", "MS", "HS"], [elementary, k8, middle, high])
    names = []
    for level, count in (("ES", elementary), ("K8", k8), ("MS", middle), ("HS", high)):
        words = profile.school_words.get(level, ())
        for i in range(count):
            word = words[i % len(words)]
            if i >= len(words):
                word = f"{word} {_NAME_QUALIFIERS[i // len(words) - 1]}"
            names.append(f"Sample {word} {_LEVEL_SUFFIX[level]}")
    # Codes from 08xxxxx: no real Fresno or Long Beach school code starts with 08.
    codes = 800_000 + rng.choice(100_000, size=total, replace=False)
    site_ids = 100 + rng.choice(900, size=total, replace=False)
    return pd.DataFrame({
        "level": levels,
        "name": names,
        "code": [f"{c:07d}" for c in codes],
        "site_id": site_ids,
    })


@dataclass(frozen=True)
class _Zones:
    """Attendance zones (one per ES/K-8 school) and the schools each feeds, by grade band."""

    share: np.ndarray  # share of students living in each zone
    poverty: np.ndarray  # standardised zone poverty index
    school_by_band: np.ndarray  # [band (0 TK-5, 1 6-8, 2 9-12), zone] -> school row


def _make_zones(schools: pd.DataFrame, rng: np.random.Generator) -> _Zones:
    levels = schools["level"].to_numpy()
    zone_school = np.flatnonzero(np.isin(levels, ["ES", "K8"]))
    middle = np.flatnonzero(levels == "MS")
    high = np.flatnonzero(levels == "HS")
    count = len(zone_school)
    size = rng.uniform(0.7, 1.3, count)
    # Evenly spread poverty, so even the 7-school sample has clearly poorer and richer zones.
    poverty = rng.permutation(np.linspace(-1.5, 1.5, count))
    # Neighbouring zones of similar poverty feed the same schools: the poorest block of zones
    # feeds the first middle school (Peñasco in Fresno) and the first high school (Harbor).
    rank = np.empty(count, dtype=int)
    rank[np.argsort(-poverty, kind="stable")] = np.arange(count)
    is_k8 = levels[zone_school] == "K8"
    middle_of_zone = np.where(is_k8, zone_school, middle[rank * len(middle) // count])
    high_of_zone = high[rank * len(high) // count]
    return _Zones(size / size.sum(), poverty, np.vstack([zone_school, middle_of_zone, high_of_zone]))


# --------------------------------------------------------------------------- students
def _simulate_membership(profile: _DistrictProfile, scale: float, rng: np.random.Generator) -> pd.DataFrame:
    """Who is enrolled when: first year and grade, last year, and why each student left.

    One row per student.  ``exit`` is ``"stay"`` (enrolled in the last year),
    ``"complete"`` (finished grade 12), ``"transfer"`` or ``"dropout"``.
    """
    targets = profile.students_per_year * scale / GRADE_WEIGHTS.sum() * GRADE_WEIGHTS
    first_grade = np.repeat(GRADES, rng.poisson(targets))
    first_year = np.full(len(first_grade), SCHOOL_YEARS[0])
    persistence = rng.standard_normal(len(first_grade))
    last_year = first_year.copy()
    exit_reason = np.full(len(first_grade), "stay", dtype=object)
    for year in SCHOOL_YEARS[1:]:
        grade_before = first_grade + (year - 1 - first_year)
        enrolled_before = last_year == year - 1
        exit_reason[enrolled_before & (grade_before == 12)] = "complete"
        continuing = enrolled_before & (grade_before < 12)
        transfer = rng.random(len(first_grade)) < np.where(grade_before >= 9, 0.05, 0.06)
        dropout_risk = 0.012 * np.exp(-0.6 * persistence)
        dropout = (grade_before >= 9) & ~transfer & (rng.random(len(first_grade)) < dropout_risk)
        stays = continuing & ~transfer & ~dropout
        exit_reason[continuing & transfer] = "transfer"
        exit_reason[continuing & dropout] = "dropout"
        last_year[stays] = year
        survivors = np.bincount(grade_before[stays] + 2, minlength=len(GRADES))[: len(GRADES)]
        arrivals = np.maximum(0, rng.poisson(targets) - survivors)
        new_grades = np.repeat(GRADES, arrivals)
        first_grade = np.concatenate([first_grade, new_grades])
        first_year = np.concatenate([first_year, np.full(len(new_grades), year)])
        last_year = np.concatenate([last_year, np.full(len(new_grades), year)])
        persistence = np.concatenate([persistence, rng.standard_normal(len(new_grades))])
        exit_reason = np.concatenate([exit_reason, np.full(len(new_grades), "stay", dtype=object)])
    final_grade = first_grade + (last_year - first_year)
    exit_reason[(last_year == SCHOOL_YEARS[-1]) & (final_grade == 12)] = "complete"
    return pd.DataFrame({
        "first_year": first_year, "first_grade": first_grade, "last_year": last_year,
        "exit": exit_reason.astype(str), "persistence": persistence,
    })


def _add_student_traits(students: pd.DataFrame, profile: _DistrictProfile, zones: _Zones,
                        rng: np.random.Generator) -> pd.DataFrame:
    """Zone, demographics, home language, achievement and attendance propensities, math pathway."""
    n = len(students)
    students = students.copy()
    zone = rng.choice(len(zones.share), size=n, p=zones.share)
    poverty = zones.poverty[zone]
    shares = np.tile(np.array(profile.ethnicity_shares), (n, 1))
    # Poorer zones are more Hispanic, fewer White students.
    shares[:, 0] *= np.exp(0.35 * poverty)
    shares[:, 6] *= np.exp(-0.6 * poverty)
    ethnicity = _categorical(rng, shares)
    ethnicity_effect = np.array([0.0, -0.3, 0.35, 0.3, -0.1, -0.2, 0.35, 0.15, 0.1])[ethnicity]
    sed = _top_share(0.8 * poverty - 1.2 * ethnicity_effect + rng.logistic(size=n), profile.sed_share)
    swd = rng.random(n) < profile.swd_share
    ability = (0.5 * students["persistence"].to_numpy() + 0.8 * rng.standard_normal(n)
               + ethnicity_effect - 0.3 * sed - 0.55 * swd)
    # Entry to a US school: most in TK/K, some arrive later from abroad (newcomers).
    first_grade = students["first_grade"].to_numpy()
    later_entry = (first_grade >= 1) & (rng.random(n) < np.where(students["first_year"] > SCHOOL_YEARS[0], 0.3, 0.15))
    entry_grade = np.where(later_entry, np.ceil(rng.random(n) * np.maximum(first_grade, 1)).astype(int),
                           np.minimum(first_grade, 0))
    entry_grade = np.where(later_entry & (students["first_year"] > SCHOOL_YEARS[0]), first_grade, entry_grade)
    other_language_probability = np.array(profile.other_language)[ethnicity] * np.exp(0.8 * poverty - 0.25)
    other_language_probability = np.where(later_entry, np.maximum(other_language_probability, 0.8),
                                          other_language_probability)
    other_language = rng.random(n) < np.minimum(other_language_probability, 0.95)
    ifep = other_language & (rng.random(n) < 0.12)
    students["zone"] = zone
    students["gender"] = _categorical(rng, np.tile([0.49, 0.507, 0.003], (n, 1)))
    students["ethnicity"] = ethnicity
    students["sed"] = sed
    students["swd"] = swd
    students["ability"] = ability
    students["absence_propensity"] = (rng.standard_normal(n) + 0.35 * sed + 0.25 * swd
                                      + np.array([0.1, 0.35, -0.35, -0.2, 0.4, 0.5, -0.1, 0.0, 0.0])[ethnicity])
    students["entry_year"] = students["first_year"] - (first_grade - entry_grade)
    students["entry_grade"] = entry_grade
    students["ever_el"] = other_language & ~ifep
    students["ifep"] = ifep
    students["newcomer_tbd"] = later_entry & (students["first_year"] > SCHOOL_YEARS[0]) & (rng.random(n) < 0.15)
    # Math pathway: the grade of the first Algebra 1 / Integrated Math I, and a D/F first try.
    readiness = ability + 0.6 * rng.standard_normal(n)
    algebra_grade = np.where(_top_share(readiness, profile.algebra_by_grade_8_share), 8, 9)
    algebra_grade[_top_share(readiness, 0.015)] = 7
    repeat_probability = np.where(algebra_grade == 9, 1 / (1 + np.exp(1.7 + 1.1 * ability)), 0.03)
    students["algebra_grade"] = algebra_grade
    students["algebra_repeat"] = rng.random(n) < repeat_probability
    students["takes_math_in_12"] = rng.random(n) < np.where(algebra_grade <= 8, 0.9, 0.7)
    return students


def _simulate_english_learners(students: pd.DataFrame, profile: _DistrictProfile,
                               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """ELPAC proficiency per student and school year, and the year each EL reclassified.

    Proficiency is on a continuous 1-5 scale whose integer part is the ELPAC level.
    It grows fast through levels 1 and 2 and slowly inside level 3 (the planted
    bottleneck); a student reclassifies the year after scoring level 4 (mostly).
    Returns ``proficiency`` (students x SCHOOL_YEARS, NaN when not tested) and
    ``reclassified_year`` (``_NO_YEAR`` when never).
    """
    n = len(students)
    ever_el = students["ever_el"].to_numpy()
    entry_year = students["entry_year"].to_numpy()
    first_year = students["first_year"].to_numpy()
    first_grade = students["first_grade"].to_numpy()
    ability = students["ability"].to_numpy()
    entry_grade = students["entry_grade"].to_numpy()
    aptitude = 0.5 * ability + 0.85 * rng.standard_normal(n)
    proficiency = np.where(entry_grade >= 1, rng.normal(1.5, 0.5, n), rng.normal(2.5, 0.5, n)).clip(1.0, 3.3)
    reclassified_year = np.full(n, _NO_YEAR)
    level_last_year = np.zeros(n, dtype=int)
    tested_proficiency = np.full((n, len(SCHOOL_YEARS)), np.nan)
    start = int(entry_year[ever_el].min()) if ever_el.any() else SCHOOL_YEARS[0]
    for year in range(start, SCHOOL_YEARS[-1] + 1):
        grade = first_grade + (year - first_year)
        is_el = ever_el & (entry_year <= year) & (reclassified_year == _NO_YEAR)
        growing = is_el & (entry_year < year)
        inside = np.floor(proficiency)
        mean_growth = np.select([inside < 2, inside < 3, inside < 4], [0.8, 0.55, profile.level3_growth], 0.0)
        # Inside level 3 progress depends much more on the student: the quick ones reclassify,
        # the rest stay at level 3 for years (without losing much) and become long-term ELs.
        # Young children still pass level 3 fairly quickly; from grade 4 on it is the bottleneck.
        level3_growth = np.maximum(mean_growth + 0.25 * (grade <= 3) + 0.45 * aptitude, -0.05)
        growth = np.where(inside == 3, level3_growth, mean_growth + 0.12 * ability) + rng.normal(0.0, 0.15, n)
        proficiency = np.where(growing, np.clip(proficiency + growth, 1.0, 4.95), proficiency)
        reclassify_chance = np.select([level_last_year == 4, level_last_year == 3], [0.85, 0.03], 0.0)
        reclassify = growing & (rng.random(n) < reclassify_chance)
        reclassified_year[reclassify] = year
        tested = is_el & ~reclassify & (grade >= 0)
        level_last_year = np.where(tested, np.floor(proficiency).astype(int), 0)
        if year >= SCHOOL_YEARS[0]:
            took_test = tested & (rng.random(n) >= 0.02)
            tested_proficiency[took_test, year - SCHOOL_YEARS[0]] = proficiency[took_test]
    return tested_proficiency, reclassified_year


def _elpac_scores(proficiency: np.ndarray, grade: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ELPAC overall scale score and level from continuous proficiency, by the state's ranges."""
    minimums, highest = _elpac_ranges()
    level = np.floor(proficiency).astype(int)
    band = np.clip(grade, 0, 12)
    bottom = minimums[band, level - 1]
    bottom = np.where(level == 1, np.maximum(minimums[band, 1] - 160, 1150), bottom)
    top = np.where(level == 4, minimums[band, 3] + 0.45 * (highest[band] - minimums[band, 3]),
                   minimums[band, np.minimum(level, 3)])
    score = np.floor(bottom + (proficiency - level) * (top - bottom)).astype(int)
    level_from_score = (score[:, None] >= minimums[band]).sum(axis=1)
    return score, level_from_score
