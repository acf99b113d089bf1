"""Words a principal reads: school years, district and group names, metric titles.

Kept in one place so every chart, table and heading says the same thing.
"""
from __future__ import annotations

from flp_inquiry.codes import DASHBOARD_GROUP_LABELS, DISTRICTS

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
    "dashboard_group": "Dashboard student group",
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
    # the Dashboard's groups, whose "English learners" are not the el_status breakdown's
    "dashboard_group": DASHBOARD_GROUP_LABELS,
}

#: Groups as people, in the middle of a sentence (``for reclassified (RFEP) students``); other groups'
#: labels already name people (``English learners``, ``Students with disabilities``).
PEOPLE_LABELS = {
    "el_status": {
        "EO": "English-only students", "IFEP": "initially fluent (IFEP) students", "EL": "English learners",
        "RFEP": "reclassified (RFEP) students", "TBD": "students whose language status is to be determined",
    },
    "ethnicity": {
        **{code: f"{name} students" for code, name in GROUP_LABELS["ethnicity"].items() if code not in ("MR", "NR")},
        "MR": "students of two or more races", "NR": "students whose race/ethnicity is not reported",
    },
    "gender": {"F": "female students", "M": "male students", "X": "nonbinary students"},
    "sed": {True: "socioeconomically disadvantaged students", False: "students not socioeconomically disadvantaged"},
    "swd": {True: "students with disabilities", False: "students without disabilities"},
    "attendance": {"Chronically absent": "chronically absent students",
                   "Not chronically absent": "students not chronically absent"},
    "pathway": {"Algebra 1 by grade 9 (C or better)": "graduates with Algebra 1 by grade 9 (C or better)",
                "No algebra by grade 9": "graduates without algebra by grade 9"},
}

SUBJECT_LABELS = {"ela": "English language arts", "math": "Mathematics"}


def school_year_label(year: int) -> str:
    """The school year ending in ``year`` as people write it.

    >>> school_year_label(2025)
    '2024-25'
    """
    return f"{int(year) - 1}-{int(year) % 100:02d}"


def district_label(district: str) -> str:
    """The district's public name; a district harmonised without one in the project's list, by its own name.

    >>> district_label("long_beach"), district_label("sacramento_city")
    ('Long Beach Unified', 'Sacramento City')
    """
    known = DISTRICTS.get(district)
    return known["name"] if known else district.replace("_", " ").title()


def grade_label(grade: int | str) -> str:
    """A grade as a school says it; a span of grades (``"3-8"``) as ``Grades 3-8``.

    >>> [grade_label(g) for g in (-1, 0, 7, "11", "3-8", "0-8")]
    ['TK', 'K', 'Grade 7', 'Grade 11', 'Grades 3-8', 'Grades K-8']
    """
    if isinstance(grade, str) and "-" in grade.strip("-"):
        first, last = grade.split("-", 1)
        return f"Grades {grade_label(first).removeprefix('Grade ')}-{grade_label(last).removeprefix('Grade ')}"
    return {-1: "TK", 0: "K"}.get(int(grade), f"Grade {int(grade)}")


def grade_words(grade: int | str) -> str:
    """A grade as it reads in a sentence ("students in kindergarten"); :func:`grade_label` is for tables and axes.

    >>> [grade_words(g) for g in (-1, 0, 7, "3-8")]
    ['transitional kindergarten', 'kindergarten', 'Grade 7', 'Grades 3-8']
    """
    label = grade_label(grade)
    return {"TK": "transitional kindergarten", "K": "kindergarten"}.get(label, label)


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


def people_label(group_type: str, value: object) -> str:
    """A group as people, as it reads in the middle of a sentence (``RFEP`` -> ``reclassified (RFEP) students``).

    Groups without people words (a school, an indicator) keep their :func:`group_label`.

    >>> people_label("el_status", "RFEP"), people_label("ethnicity", "HI"), people_label("sed", False)
    ('reclassified (RFEP) students', 'Hispanic or Latino students', 'students not socioeconomically disadvantaged')
    >>> people_label("el_status", "EL"), people_label("school", "Sample Oak")
    ('English learners', 'Sample Oak')
    """
    people = PEOPLE_LABELS.get(group_type, {})
    return people[value] if value in people else group_label(group_type, value)


def join_words(words: list[str], last: str = "and") -> str:
    """Words as a list reads in a sentence (``last``: the word before the last one).

    >>> join_words(["ELA"]), join_words(["ELA", "math"]), join_words(["Grade 3", "Grade 4", "Grade 5"])
    ('ELA', 'ELA and math', 'Grade 3, Grade 4 and Grade 5')
    >>> join_words(["attendance", "courses"], "or")
    'attendance or courses'
    """
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {last} {words[-1]}"


def sentence_start(words: str) -> str:
    """``words`` with a capital first letter, to begin a sentence (``a-g`` is always written so).

    >>> sentence_start("reclassified (RFEP) students in Grade 11"), sentence_start("a-g completion")
    ('Reclassified (RFEP) students in Grade 11', 'a-g completion')
    """
    return words if words.startswith("a-g") else words[:1].upper() + words[1:]
