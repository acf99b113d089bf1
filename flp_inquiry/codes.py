"""The partnership's codes: districts, student groups, tests, grades and the canonical tables' names.

Plain constants, apart from the pandera models in :mod:`flp_inquiry.ingest.schema` that
check them, so that code reading harmonised data (notebooks, reports, the
batch runner) does not import pandera.
"""
from __future__ import annotations

DISTRICTS = {
    "fresno": {"name": "Fresno Unified", "cds": "10621660000000"},
    "long_beach": {"name": "Long Beach Unified", "cds": "19647250000000"},
}

GENDERS = ["F", "M", "X"]
ETHNICITIES = ["HI", "AA", "AS", "FI", "PI", "AI", "WH", "MR", "NR"]
EL_STATUSES = ["EO", "IFEP", "EL", "RFEP", "TBD"]
TESTS = ["ela", "math", "elpac"]
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
