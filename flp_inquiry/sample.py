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
_REFERENCE = Path(__file__).parent / "data"
_NO_YEAR = 9999  # "never" for reclassification years

PENASCO = "Sample Peñasco Middle"
HARBOR = "Sample Harbor High"

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
]


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
                 profile: _DistrictProfile, schools: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Smarter Balanced ELA and math scores (NaN = not tested) and levels for tested grades."""
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
    rows = _sbac_scores(rows, students, rows["elpac_proficiency"].to_numpy(), profile, schools, rng)
    rows = _math_courses(rows, students, rng)
    cohort = _cohort_outcomes(rows, students, schools, rng)
    return _SimulatedDistrict(schools, students, rows, proficiency, cohort)


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
            frame.to_csv(folder / name, index=False, encoding=encoding, lineterminator=line_ending,
                         float_format="%.1f")
        folders.append(folder)
    return folders
