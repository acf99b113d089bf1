"""The synthetic sample's planted growth: school and group effects that add up year after year.

Without them a synthetic student's Smarter Balanced achievement is the same every year (their
distance from the standard moves only with noise, absences and English learning), so a growth
measure would have nothing to find.  From :data:`FIRST_GROWTH_YEAR` (2022-23) on, each school
year adds to the student's achievement in ELA and math the effect of the school the student is
counted at that year, in the student's grade band (:func:`planted_growth_effects`), and
:data:`SWD_GROWTH` for a student with a disability; the sum carries into every later year,
wherever the student is then, as real learning does.  The 2021-22 scores carry none.

The schools' effects come from a random stream of their own (``[seed, district, 2]``; the ids use
``[seed, district, 1]``), so every other draw of the simulation, and so every other column and
file, is the same as without them.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from flp_inquiry.ingest.sample_students import (
    PROFILES,
    SUBJECTS,
    _DistrictProfile,
    _make_schools,
    _make_zones,
    _Zones,
)

#: Standard deviation of schools' planted growth effects (scale-score points a year).
GROWTH_EFFECT_SD = 6.0
#: Correlation of a school's ELA and math growth effects.
GROWTH_SUBJECT_CORRELATION = 0.5
#: Planted growth of the school serving the poorest attendance zone (points a year, both subjects).
POOREST_ZONE_GROWTH = 10.0
#: Planted growth of students with disabilities against similar students (points a year, both subjects).
SWD_GROWTH = -6.0
#: The first school year whose growth is planted (2022-23): the 2021-22 scores carry none.
FIRST_GROWTH_YEAR = 2023
#: The grade bands a school can serve, as :func:`flp_inquiry.ingest.sample_years._expand_to_years`
#: assigns schools (grades below 6, 6-8, 9 and above).
GRADE_BANDS = ("TK-5", "6-8", "9-12")


def _band_weights(schools: pd.DataFrame, zones: _Zones) -> np.ndarray:
    """Share of each grade band's students living in zones served by each school, [band, school]."""
    weights = np.zeros((len(GRADE_BANDS), len(schools)))
    for band in range(len(GRADE_BANDS)):
        np.add.at(weights[band], zones.school_by_band[band], zones.share)
    return weights


def _poorest_zone_school(zones: _Zones) -> int:
    """The elementary (or K-8) school of the poorest attendance zone."""
    return int(zones.school_by_band[0, np.argmax(zones.poverty)])


def _growth_effects(profile: _DistrictProfile, schools: pd.DataFrame, zones: _Zones, seed: int) -> np.ndarray:
    """Planted growth effect of each school in each grade band, points a year: [subject, band, school].

    One effect per school and subject, ELA and math correlated :data:`GROWTH_SUBJECT_CORRELATION`,
    spread :data:`GROWTH_EFFECT_SD`; the school serving the poorest zone gets
    :data:`POOREST_ZONE_GROWTH`.  In each grade band the drawn effects are then shifted together
    so that the band's student-weighted average is 0: a growth measure fitted grade by grade sees
    a school only against the schools serving the same grades, so the planted figure is the one it
    should find (a K-8 school's two bands can differ a little by that shift).
    """
    rng = np.random.default_rng([seed, list(PROFILES).index(profile.district), 2])
    common = rng.standard_normal(len(schools))
    own = rng.standard_normal((len(SUBJECTS), len(schools)))
    shared = np.sqrt(GROWTH_SUBJECT_CORRELATION)  # corr(shared c + r o, shared c + r o') = shared^2
    drawn_effects = GROWTH_EFFECT_SD * (shared * common + np.sqrt(1 - shared**2) * own)
    poorest = _poorest_zone_school(zones)
    drawn = np.ones(len(schools), dtype=bool)
    drawn_effects[:, poorest], drawn[poorest] = POOREST_ZONE_GROWTH, False
    effects = np.repeat(drawn_effects[:, None, :], len(GRADE_BANDS), axis=1)
    for band, band_weights in enumerate(_band_weights(schools, zones)):
        shiftable = drawn & (band_weights > 0)
        if shiftable.any():
            # the shift that brings the band's weighted mean (the fixed +10 included) to 0
            shift = (drawn_effects @ band_weights) / band_weights[shiftable].sum()
            effects[:, band, shiftable] -= shift[:, None]
    return effects


def planted_growth_effects(district: str, scale: float = 0.02, seed: int = 2008) -> pd.DataFrame:
    """The growth effect planted at each school of a simulated district (points a year from 2022-23).

    Quick: only the schools and zones are simulated (the first draws of the simulation).

    Parameters
    ----------
    district : str
        ``"fresno"`` or ``"long_beach"``.
    scale, seed : float, int
        As :func:`flp_inquiry.ingest.sample.write_sample`.

    Returns
    -------
    DataFrame
        ``school_name, school_code, level, grades, poorest_zone, subject, effect``: one row per
        school, grade band it serves (``TK-5``, ``6-8``, ``9-12``; a K-8 school has two) and
        subject.  The effect is added to the achievement of every student counted at the school in
        those grades, each year from 2022-23 on; students with disabilities also get
        :data:`SWD_GROWTH`.  Each band's effects average 0 over its students.

    Examples
    --------
    >>> effects = planted_growth_effects("fresno", scale=0.02, seed=2008)
    >>> effects.query("poorest_zone")[["school_name", "grades", "subject", "effect"]]
                      school_name grades subject  effect
    0  Sample Almendro Elementary   TK-5     ela    10.0
    1  Sample Almendro Elementary   TK-5    math    10.0
    """
    if district not in PROFILES:
        raise ValueError(f"district must be one of {', '.join(PROFILES)}, not {district!r}")
    if not scale > 0:
        raise ValueError(f"scale must be positive, not {scale!r}")
    profile = PROFILES[district]
    rng = np.random.default_rng([seed, list(PROFILES).index(profile.district)])
    schools = _make_schools(profile, scale, rng)
    zones = _make_zones(schools, rng)
    effects = _growth_effects(profile, schools, zones, seed)
    serves = np.repeat((_band_weights(schools, zones) > 0)[None, :, :], len(SUBJECTS), axis=0)
    subject, band, school = np.nonzero(serves)
    table = pd.DataFrame({
        "school_name": schools["name"].to_numpy()[school], "school_code": schools["code"].to_numpy()[school],
        "level": schools["level"].to_numpy()[school], "grades": np.array(GRADE_BANDS)[band],
        "poorest_zone": school == _poorest_zone_school(zones),
        "subject": np.array(SUBJECTS)[subject], "effect": effects[subject, band, school],
    })
    return table.sort_values(["school_name", "grades", "subject"], kind="stable").reset_index(drop=True)


def _accumulated_growth(rows: pd.DataFrame, students: pd.DataFrame, effects: np.ndarray) -> np.ndarray:
    """Growth planted up to and including each student-year row's year, points: [row, subject].

    Each school year from :data:`FIRST_GROWTH_YEAR` on adds the effect of the school the student is
    counted at that year, in the student's grade band (and :data:`SWD_GROWTH` for a student with a
    disability); the running sum carries into every later year of the student.
    """
    year = rows["year"].to_numpy()
    student = rows["student"].to_numpy()
    band = np.digitize(rows["grade"].to_numpy(), [6, 9])
    this_year = effects[:, band, rows["school"].to_numpy()].T + SWD_GROWTH * students["swd"].to_numpy()[student, None]
    this_year = np.where((year >= FIRST_GROWTH_YEAR)[:, None], this_year, 0.0)
    order = np.lexsort((year, student))  # each student's rows, year by year
    accumulated = np.empty_like(this_year)
    accumulated[order] = pd.DataFrame(this_year[order]).groupby(student[order], sort=False).cumsum().to_numpy()
    return accumulated
