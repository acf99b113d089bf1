"""The state's reference tables: Smarter Balanced Level 3 minimums and the ELPI split points.

Read once from ``flp_inquiry/data/`` (``sbac_thresholds.csv``, ``elpac_ranges.csv``), so a corrected
cut score is a data change.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

import pandas as pd


def _read_reference(name: str) -> pd.DataFrame:
    with resources.files("flp_inquiry").joinpath("data", name).open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle)


@lru_cache(maxsize=None)
def level3_minimums() -> pd.DataFrame:
    """Smarter Balanced Level 3 (Standard Met) minimum scale score by subject and grade.

    >>> minimums = level3_minimums()
    >>> int(minimums.query("subject == 'ela' and grade == 3")["level3_min"].iloc[0])
    2432
    """
    return _read_reference("sbac_thresholds.csv")[["subject", "grade", "level3_min"]]


@lru_cache(maxsize=None)
def level3_minimum_by_grade(subject: str) -> dict[int, int]:
    """:func:`level3_minimums` of one subject as ``{grade: minimum}`` (a lookup for every scored row).

    >>> level3_minimum_by_grade("math")[8]
    2586
    """
    minimums = level3_minimums()
    minimums = minimums[minimums["subject"] == subject]
    return dict(zip(minimums["grade"].astype(int), minimums["level3_min"].astype(int)))


def distance_to_level3(scored: pd.DataFrame, subject: str) -> pd.Series:
    """Each scored row's scale score minus the Level 3 minimum of the grade it was tested in (points)."""
    minimum = scored["grade_tested"].map(level3_minimum_by_grade(subject)).astype(float)
    return scored["scale_score"].astype(float) - minimum


@lru_cache(maxsize=None)
def elpi_split_points() -> pd.DataFrame:
    """Lowest scale score of each ELPI level above 1, by grade, from ``elpac_ranges.csv``.

    The High half of ELPAC levels 2 and 3 starts at
    floor((lowest score of the level + lowest score of the next level) / 2).

    >>> row = elpi_split_points().set_index("grade").loc[3]
    >>> row.tolist()  # 2L, 2H, 3L, 3H, 4
    [1448, 1468, 1488, 1511, 1535]
    """
    ranges = _read_reference("elpac_ranges.csv")
    ranges["grade"] = ranges["grades"].astype(str).str.split(";")
    ranges = ranges.explode("grade").astype({"grade": int})
    return pd.DataFrame({
        "grade": ranges["grade"],
        "2L": ranges["level2_min"],
        "2H": (ranges["level2_min"] + ranges["level3_min"]) // 2,
        "3L": ranges["level3_min"],
        "3H": (ranges["level3_min"] + ranges["level4_min"]) // 2,
        "4": ranges["level4_min"],
    }).reset_index(drop=True)
