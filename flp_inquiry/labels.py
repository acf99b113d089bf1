"""Words a principal reads: school years, district and group names, metric titles.

Kept in one place so every chart, table and heading says the same thing.
"""
from __future__ import annotations

from flp_inquiry.codes import DISTRICTS

GROUP_TYPE_LABELS = {
    "school": "School",
    "grade": "Grade",
    "el_status": "English language status",
    "ethnicity": "Race/ethnicity",
    "sed": "Socioeconomically disadvantaged",
    "swd": "Students with disabilities",
    "gender": "Gender",
    "school_year": "School year",
    "years_as_el": "Years as an English learner",
}

GROUP_LABELS = {
    "el_status": {
        "EO": "English only", "IFEP": "Initially fluent (IFEP)", "EL": "English learners",
        "RFEP": "Reclassified (RFEP)", "TBD": "To be determined",
    },
    "ethnicity": {
        "HI": "Hispanic or Latino", "AA": "Black or African American", "AS": "Asian",
        "FI": "Filipino", "PI": "Pacific Islander", "AI": "American Indian or Alaska Native",
        "WH": "White", "MR": "Two or more races", "NR": "Not reported",
    },
    "gender": {"F": "Female", "M": "Male", "X": "Nonbinary"},
    "years_as_el": {
        "0-3 years": "Ever-ELs, 0-3 years since first identified", "4-5 years": "Ever-ELs, 4-5 years since first identified",
        "6+ years": "Ever-ELs, 6+ years since first identified", "never EL": "Never English learners",
        "start date unknown": "Ever-ELs, start date unknown",
    },
    "sed": {True: "Socioeconomically disadvantaged", False: "Not socioeconomically disadvantaged"},
    "swd": {True: "Students with disabilities", False: "Students without disabilities"},
}

SUBJECT_LABELS = {"ela": "English language arts", "math": "Mathematics"}


def school_year_label(year: int) -> str:
    """The school year ending in ``year`` as people write it.

    >>> school_year_label(2025)
    '2024-25'
    """
    return f"{int(year) - 1}-{int(year) % 100:02d}"


def district_label(district: str) -> str:
    """The district's public name.

    >>> district_label("long_beach")
    'Long Beach Unified'
    """
    return DISTRICTS[district]["name"]


def grade_label(grade: int) -> str:
    """A grade as a school says it.

    >>> [grade_label(g) for g in (-1, 0, 7)]
    ['TK', 'K', 'Grade 7']
    """
    return {-1: "TK", 0: "K"}.get(int(grade), f"Grade {int(grade)}")


def group_label(group_type: str, value: object) -> str:
    """A group value in words (``el_status`` ``EL`` -> ``English learners``).

    >>> group_label("el_status", "EL"), group_label("grade", 8), group_label("school", "Sample Oak")
    ('English learners', 'Grade 8', 'Sample Oak')
    """
    if group_type == "grade":
        return grade_label(value)
    if group_type == "school_year":
        return school_year_label(value)
    return str(GROUP_LABELS.get(group_type, {}).get(value, value))
