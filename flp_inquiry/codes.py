"""The partnership's codes: districts, student groups, tests, grades and the canonical tables' names.

Plain constants, apart from the pandera models in :mod:`flp_inquiry.ingest.schema` that
check them, so that code reading harmonised data (notebooks, reports, the
batch runner) does not import pandera.
"""
from __future__ import annotations

DISTRICTS = {
    "fresno": {"name": "Fresno Unified", "cds": "10621660000000"},
    "long_beach": {"name": "Long Beach Unified", "cds": "19647250000000"},
    # fictional: the synthetic district of the state's own score files (``flp-inquiry sample --format toms``).
    # County 99 does not exist (California's 58 counties are 01-58), so no real district has this code.
    "toms_valley": {"name": "Sample Toms Valley Unified", "cds": "99000010000000"},
}
#: The two districts of the partnership, each other's partner (the others compare with the first).
PARTNERSHIP = ("fresno", "long_beach")

GENDERS = ["F", "M", "X"]
ETHNICITIES = ["HI", "AA", "AS", "FI", "PI", "AI", "WH", "MR", "NR"]
EL_STATUSES = ["EO", "IFEP", "EL", "RFEP", "TBD"]
TESTS = ["ela", "math", "elpac"]
#: The state's other tests, kept apart from the results above (``other_tests``): the California Alternate
#: Assessments, the science test, the Spanish assessment and the Summative Alternate ELPAC.
OTHER_TESTS = ["caa_ela", "caa_math", "caa_science", "cast", "csa", "alternate_elpac"]
#: The state's Include Indicator of a test record (its score files): Y valid score, T tested without one
#: (LOSS, attemptedness P), R invalidated, N not tested (PGE, medical, one part only), E exempt (EL < 12 months).
INCLUDE_INDICATORS = ["Y", "T", "R", "N", "E"]
#: Include Indicators of a student who took the test (the state's "number tested").
TESTED_INDICATORS = ("Y", "T", "R")
COURSE_LEVELS = ["grade_level", "algebra_1", "geometry", "algebra_2", "beyond"]
MARKS = ["A", "B", "C", "D", "F"]
GRADES = list(range(-1, 13))
SBAC_GRADES = [3, 4, 5, 6, 7, 8, 11]

#: The California School Dashboard's student groups the package works out (``dashboard_group``), in the
#: Dashboard's order, in words a principal reads (flp_inquiry.measures.dashboard_groups says who is in each
#: and which Dashboard groups are left out: foster and homeless youth, LTEL).
DASHBOARD_GROUP_LABELS: dict[str, str] = {
    "ALL": "All students",
    "EL": "English learners (the Dashboard's group: in ELA and mathematics also students reclassified within four years)",
    "ELO": "English learners only (current English learners)",
    "RFP": "Reclassified fluent English proficient within four years (RFEP)",
    "EO": "English only",
    "SED": "Socioeconomically disadvantaged",
    "SWD": "Students with disabilities",
    "AA": "African American",
    "AI": "American Indian or Alaska Native",
    "AS": "Asian",
    "FI": "Filipino",
    "HI": "Hispanic",
    "PI": "Pacific Islander",
    "WH": "White",
    "MR": "Two or more races",
}

TABLES = ("enrollment", "assessments", "math_courses", "outcomes")
#: Rows of these tables belong to an enrolled student: their (student_key, school_year)
#: must be a row of enrollment.  Outcomes are not among them (a dropout is not enrolled).
ENROLLED_TABLES = ("assessments", "math_courses")
ENROLLED_BY = ("student_key", "school_year")

#: The root-cause explorer's subjects, measures and groupings, and the grades each measure counts:
#: plain lists, so a meeting pack checks a question's values before anything runs without pandas
#: (:func:`flp_inquiry.inquiry.questions.question_choices`).
SUBJECTS = ("ela", "math")
#: Grades chronic absence is counted in (the Dashboard's measure: K-8).
CHRONIC_ABSENCE_GRADES = tuple(range(0, 9))
EXPLORER_METRIC_GRADES = {"dfs": tuple(SBAC_GRADES), "percent_met": tuple(SBAC_GRADES),
                          "chronic_absence": CHRONIC_ABSENCE_GRADES}
#: Each grouping a pattern's students can come from, and its groups as the canonical tables hold them.
GROUP_CODES = {"el_status": tuple(EL_STATUSES), "ethnicity": tuple(ETHNICITIES), "sed": (True, False),
               "swd": (True, False), "gender": tuple(GENDERS)}


def partner_of(district: str) -> str:
    """The partnership's other district: the one whose figures a report sets beside ``district``'s.

    >>> partner_of("fresno"), partner_of("long_beach"), partner_of("toms_valley")
    ('long_beach', 'fresno', 'fresno')
    """
    return next(name for name in PARTNERSHIP if name != district)
