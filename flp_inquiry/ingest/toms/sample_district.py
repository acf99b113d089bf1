"""The fictional district behind the synthetic TOMS files: its schools, its students, and each one's years.

Students K-12 are followed over the years: each has the school year they are (or were) in
kindergarten, so they move up a grade a year, from an elementary school to the middle and the
high school of its zone; some join the district in a later grade (a few from abroad: English
learners in their first US school year), and every year's students are those in grades K-12
that year.  A student's Smarter Balanced scores come from a lasting ability, the year's noise and
the state's cut scores for the grade; English learners' Summative ELPAC scores grow with their
years in the district, and most are reclassified some years after they arrive.  Each year draws
its own events from its own random stream (``seed``, year), so a year is the same whichever years
are written, and a record's prior-year scores (ScaleScoreMinus1..3) are exactly that student's
scores in those years.

What each year has, by the state's codes: condition codes PGE, NTE and NT (Include Indicator N),
NEL for English learners in their first US school year (E, ELA only), LOSS (T, the lowest
obtainable score) and invalidated records (Score Status I, Include Indicator R); CAA instead of
Smarter Balanced for about one student with disabilities in ten (and the Alternate ELPAC for
those who are English learners); CAST in grades 5, 8 and 12; the California Spanish Assessment
for some Hispanic English learners; movers (tested at one school, in CALPADS at another by the
end of the window); students placed in a nonpublic school, who count at the district only.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from flp_inquiry.codes import DISTRICTS
from flp_inquiry.ingest.toms.values import elpac_cuts, smarter_balanced_cuts

DISTRICT = "toms_valley"
DISTRICT_NAME = DISTRICTS[DISTRICT]["name"]
#: County 99 (California's 58 counties are 01-58), district 00001: no real district has it.
DISTRICT_CDS = DISTRICTS[DISTRICT]["cds"]
COUNTY_DISTRICT = DISTRICT_CDS[:7]
#: A nonpublic school outside the district (county 99, district 00002), where a few students are placed.
NPS_CDS = "99000020999001"
NPS_NAME = "Sample Bridges Nonpublic School"
SMARTER_BALANCED_GRADES = (3, 4, 5, 6, 7, 8, 11)
CAST_GRADES = (5, 8, 12)
#: CAST level 2/3/4 minimums and range by grade (12 = high school), from the 2021-22 layout.
CAST_CUTS = {5: (179, 214, 231, 150, 250), 8: (378, 415, 433, 350, 450), 12: (576, 615, 636, 550, 650)}
ETHNICITY_CODES = np.array(["500", "700", "200", "600", "400", "800", "300", "100"])
ETHNICITY_SHARES = np.array([0.55, 0.20, 0.10, 0.06, 0.03, 0.04, 0.01, 0.01])
#: Shares of the condition codes of a Smarter Balanced record (the rest are scored, Y).
CONDITION_SHARES = {"PGE": 0.012, "NTE": 0.003, "NT": 0.020, "LOSS": 0.010, "invalidated": 0.005}
MOVER_SHARE = 0.04
#: Years of prior scores the state's files carry (ScaleScoreMinus1..3).
PRIOR_YEARS = 3
_LEVELS = ("ES", "MS", "HS")


@dataclass(frozen=True)
class SampleDistrict:
    """The district's schools and every student it has in any year simulated."""

    schools: pd.DataFrame
    students: pd.DataFrame
    seed: int


def simulate_district(students_per_year: int, years: tuple[int, ...], seed: int) -> SampleDistrict:
    """The schools and students of the years written and the :data:`PRIOR_YEARS` before them.

    >>> district = simulate_district(600, (2024, 2025), seed=1)
    >>> sorted(district.schools["level"].unique()), 500 < len(year_rows(district, 2025)) < 700
    (['ES', 'HS', 'MS'], True)
    """
    rng = np.random.default_rng([seed, 0])
    first, last = min(years) - PRIOR_YEARS, max(years)
    schools = _schools(students_per_year)
    n = students_per_year * (13 + last - first) // 13
    kindergarten = rng.integers(first - 12, last + 1, n)       # the school year each is (or was) in K
    joined_later = rng.random(n) < 0.25
    arrival = kindergarten + np.where(joined_later, rng.integers(1, 13, n), 0)
    from_abroad = joined_later & (rng.random(n) < 0.35)
    ever_el = np.where(from_abroad, rng.random(n) < 0.9, rng.random(n) < 0.28)
    reclassified = ever_el & (rng.random(n) < 0.7)
    rfep_year = np.where(reclassified, arrival + rng.integers(3, 9, n), 9999)
    swd = rng.random(n) < 0.12
    alternate = swd & (rng.random(n) < 0.1)                      # CAA and Alternate ELPAC takers
    sed = rng.random(n) < 0.6
    ethnicity = ETHNICITY_CODES[rng.choice(len(ETHNICITY_CODES), n, p=ETHNICITY_SHARES)]
    # distinct 10-digit ids: a multiplier coprime to 9e7 makes index -> id one-to-one
    offset = int(rng.integers(0, 90_000_000))
    ssid = (10_000_000 + (np.arange(n, dtype=np.int64) * 7_919_993 + offset) % 90_000_000).astype(str)
    students = pd.DataFrame({
        "index": np.arange(n), "ssid": np.char.zfill(ssid, 10),
        "local_id": np.char.add("T", np.char.zfill(np.arange(1, n + 1).astype(str), 7)),
        "kindergarten": kindergarten, "arrival": arrival, "from_abroad": from_abroad,
        "ever_el": ever_el, "rfep_year": rfep_year,
        "other_status": np.where(rng.random(n) < 0.12, "IFEP", "EO"),
        "zone": rng.integers(0, (schools["level"] == "ES").sum(), n),
        "gender": rng.choice(np.array(["F", "M", "X"]), n, p=[0.49, 0.49, 0.02]),
        "ethnicity": ethnicity, "hispanic": ethnicity == "500", "sed": sed, "swd": swd, "alternate": alternate,
        "nps": swd & ~alternate & (rng.random(n) < 0.05),
        "ability": rng.normal(0, 1, n) - 0.3 * sed - 0.5 * ever_el - 0.7 * swd,
        "proficiency": rng.normal(0, 1, n),
    })
    return SampleDistrict(schools, students, seed)


def _schools(students_per_year: int) -> pd.DataFrame:
    counts = {"ES": max(3, students_per_year // 600), "MS": max(2, students_per_year // 1800),
              "HS": max(2, students_per_year // 3000)}
    words = {"ES": ("Mesa", "Willow", "Juniper", "Canyon", "Ocotillo", "Sage", "Cedar", "Yucca", "Aspen", "Piñon"),
             "MS": ("Ridge", "Arroyo", "Bluff", "Summit"), "HS": ("Toms Valley", "Red Rock")}
    suffix = {"ES": "Elementary", "MS": "Middle", "HS": "High"}
    rows, number = [], 1
    for level, count in counts.items():
        for i in range(count):
            word = words[level][i % len(words[level])]
            word += f" {i // len(words[level]) + 1}" if i >= len(words[level]) else ""
            code = f"60{number:05d}"
            rows.append({"level": level, "code": code, "cds": COUNTY_DISTRICT + code, "name": f"Sample {word} {suffix[level]}"})
            number += 1
    return pd.DataFrame(rows)


def year_rows(district: SampleDistrict, year: int) -> pd.DataFrame:
    """Every student of ``year`` (grades K-12) with that year's school, grade, status, scores and events.

    The year's draws are made for every student of the district in a fixed order, then the
    year's students are kept: a student's year does not depend on who else is there.
    """
    students, schools = district.students, district.schools
    rng = np.random.default_rng([district.seed, year])
    n = len(students)
    draws = {name: rng.random(n) for name in ("mover", "ela_condition", "math_condition", "science_condition",
                                               "elpac_condition", "elpac_partial", "csa", "mover_pick")}
    noise = {name: rng.normal(0, 1, n) for name in ("ela", "math", "science", "elpac")}
    grade = year - students["kindergarten"].to_numpy()
    present = (grade >= 0) & (grade <= 12) & (students["arrival"].to_numpy() <= year)
    level = np.where(grade <= 5, "ES", np.where(grade <= 8, "MS", "HS"))
    home = np.empty(n, dtype=object)
    moved_to = np.empty(n, dtype=object)
    for name in _LEVELS:
        codes = schools.loc[schools["level"] == name, "cds"].to_numpy()
        mine = level == name
        pick = students["zone"].to_numpy()[mine] % len(codes)
        other = (pick + 1 + (draws["mover_pick"][mine] * (len(codes) - 1)).astype(int)) % len(codes)
        home[mine], moved_to[mine] = codes[pick], codes[other]
    mover = draws["mover"] < MOVER_SHARE
    ever_el = students["ever_el"].to_numpy()
    rfep_year = students["rfep_year"].to_numpy()
    el_status = np.where(ever_el & (year < rfep_year), "EL", np.where(ever_el, "RFEP", students["other_status"]))
    years_here = year - students["arrival"].to_numpy()
    rows = students.assign(
        year=year, grade=grade, tested_school=home, calpads_school=np.where(mover, moved_to, home),
        el_status=el_status,
        el_entry=pd.to_datetime((students["arrival"] - 1).astype(str) + "-08-20").where(ever_el),
        rfep_date=pd.to_datetime((rfep_year.clip(max=2100) - 1).astype(str) + "-10-01").where(el_status == "RFEP"),
        recent_arrival=students["from_abroad"].to_numpy() & (years_here == 0) & (el_status == "EL"),
        **{f"{name}_draw": draw for name, draw in draws.items()}, **{f"{name}_noise": z for name, z in noise.items()},
        elpac_proficiency=students["proficiency"].to_numpy() + 0.45 * years_here + 0.25 * noise["elpac"],
    )
    rows = rows[present].reset_index(drop=True)
    for subject in ("ela", "math"):
        score, level_reached = smarter_balanced_score(subject, rows, year)
        rows[f"{subject}_score"], rows[f"{subject}_level"] = score, level_reached
        rows[f"{subject}_include"], rows[f"{subject}_condition"] = include_indicator(rows, subject)
    return rows


def smarter_balanced_score(subject: str, rows: pd.DataFrame, year: int) -> tuple[np.ndarray, np.ndarray]:
    """Scale scores and levels of ``rows`` (by the state's cuts for each grade; 0 where the grade has no test)."""
    grade = np.where(np.isin(rows["grade"], SMARTER_BALANCED_GRADES), rows["grade"], 3).astype(float)
    cuts = smarter_balanced_cuts().reindex(pd.MultiIndex.from_arrays([np.full(len(rows), subject), grade]))
    raw = cuts["level3_min"].to_numpy() + 70 * rows["ability"].to_numpy() + 25 * rows[f"{subject}_noise"].to_numpy() \
        + 15 + 3 * (year - 2023)
    score = np.clip(np.round(raw), cuts["lowest"].to_numpy() + 1, cuts["highest"].to_numpy()).astype(int)
    level = 1 + (score >= cuts["level2_min"].to_numpy()) + (score >= cuts["level3_min"].to_numpy()) \
        + (score >= cuts["level4_min"].to_numpy())
    tested_grade = np.isin(rows["grade"], SMARTER_BALANCED_GRADES)
    return np.where(tested_grade, score, 0), np.where(tested_grade, level, 0).astype(int)


def include_indicator(rows: pd.DataFrame, subject: str) -> tuple[np.ndarray, np.ndarray]:
    """The Include Indicator of each row's Smarter Balanced ``subject`` record, and its condition code.

    ``invalidated`` is not a condition code: an invalidated record has Score Status I and no code.
    """
    draw = rows[f"{subject}_condition_draw"].to_numpy()
    bounds = np.cumsum(list(CONDITION_SHARES.values()))
    condition = np.select([draw < b for b in bounds], list(CONDITION_SHARES), default="")
    if subject == "ela":
        condition = np.where(rows["recent_arrival"], "NEL", condition)
    include = np.select([condition == "NEL", np.isin(condition, ["PGE", "NTE", "NT"]), condition == "LOSS",
                         condition == "invalidated"], ["E", "N", "T", "R"], default="Y")
    return include.astype(object), condition.astype(object)


def elpac_score(rows: pd.DataFrame, grade: np.ndarray | None = None,
                proficiency: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Summative ELPAC overall scale scores and levels (by the state's ranges for the grade)."""
    grade = rows["grade"].to_numpy() if grade is None else grade
    proficiency = rows["elpac_proficiency"].to_numpy() if proficiency is None else proficiency
    cuts = elpac_cuts().reindex(grade.astype(float))
    raw = cuts["level3_min"].to_numpy() + 40 * proficiency - 60
    score = np.clip(np.round(raw), cuts["lowest"].to_numpy(), cuts["highest"].to_numpy()).astype(int)
    level = 1 + (score >= cuts["level2_min"].to_numpy()) + (score >= cuts["level3_min"].to_numpy()) \
        + (score >= cuts["level4_min"].to_numpy())
    return score, level.astype(int)
