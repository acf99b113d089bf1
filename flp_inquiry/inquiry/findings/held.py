"""What a district's data holds: a measure its data has nothing for says so, rather than showing 0% or failing.

A district harmonised from the state's own score files (TOMS: CAASPP and Summative ELPAC) has
test results and the files' CALPADS snapshot, but no attendance, no math courses and no
graduation outcomes unless it adds its own exports.  Its reports say, once, what its data
lacks, and each section that needs it says why it has nothing to show.
"""
from __future__ import annotations

import pandas as pd

from flp_inquiry.inquiry import labels

#: What a report's topics need (a topic of :data:`flp_inquiry.inquiry.findings.scope.GRADES_COUNTED`),
#: in words: what is missing, and what cannot be shown without it.
DATA_NEEDED = {
    "attendance": ("attendance (days enrolled and absent)", "chronic absence"),
    "courses": ("math course records", "Algebra 1 / Integrated 1 and math course marks"),
    "outcomes": ("graduation outcomes", "graduation and a-g completion"),
}
TOPIC_DATA = {"chronic_absence": "attendance", "math_courses": "courses", "algebra_by_8": "courses",
              "graduation": "outcomes"}
#: The common indicators (``flp_inquiry.inquiry.findings.glance``) by the data each needs.
METRIC_DATA = {"chronic_absence": "attendance", "algebra_by_8": "courses", "grad_rate": "outcomes",
               "ag_rate": "outcomes"}


def _frame(inquiry, table: str) -> pd.DataFrame | None:
    data = getattr(inquiry, "data", None)
    return None if data is None else getattr(data, table, None)


def lacks(inquiry, data: str) -> bool:
    """Whether the district's data (all of it, not the school's) has none of ``data`` (a key of :data:`DATA_NEEDED`).

    Courses and outcomes by the harmonised folder's manifest (its row counts), attendance by the
    enrollment's days; data not loaded, or with no manifest, is not judged (nothing is said).

    >>> from flp_inquiry.ingest.store import DistrictData
    >>> from flp_inquiry.inquiry.session import Inquiry
    >>> enrollment = pd.DataFrame({"days_enrolled": pd.array([None], dtype="Int64"), "days_absent": [float("nan")]})
    >>> scores_only = DistrictData("toms_valley", enrollment, pd.DataFrame(), pd.DataFrame(), pd.DataFrame(),
    ...                            manifest={"tables": {"math_courses": 0, "outcomes": 0}})
    >>> [lacks(Inquiry("toms_valley", 2025, "all", scores_only), data) for data in DATA_NEEDED]
    [True, True, True]
    """
    if data == "attendance":
        enrollment = _frame(inquiry, "enrollment")
        if enrollment is None or enrollment.empty or "days_enrolled" not in enrollment:
            return False
        return not enrollment["days_enrolled"].notna().any()
    counts = (getattr(getattr(inquiry, "data", None), "manifest", None) or {}).get("tables", {})
    return counts.get("math_courses" if data == "courses" else "outcomes") == 0


def from_state_files(inquiry) -> bool:
    """Whether the district's data was harmonised from the state's score files (its manifest says so)."""
    data = getattr(inquiry, "data", None)
    sources = (getattr(data, "manifest", None) or {}).get("sources", [])
    return any(entry.get("kind") == "toms" for entry in sources)


def describe_data_missing(inquiry, topic: str, *, again: bool = False) -> str:
    """One sentence when the district's data lacks what ``topic`` needs; else ``""``.

    ``again`` for a later section of the same report: a short pointer.

    >>> from flp_inquiry.ingest.store import DistrictData
    >>> from flp_inquiry.inquiry.session import Inquiry
    >>> data = DistrictData("toms_valley", pd.DataFrame({"days_enrolled": pd.array([None], dtype="Int64")}),
    ...                     pd.DataFrame(), pd.DataFrame(), pd.DataFrame())
    >>> describe_data_missing(Inquiry("toms_valley", 2025, "all", data), "chronic_absence")
    "Sample Toms Valley Unified's data holds no attendance (days enrolled and absent): chronic absence cannot be shown."
    >>> describe_data_missing(Inquiry("toms_valley", 2025, "all", data), "chronic_absence", again=True)
    'No attendance in the data here either (see above).'
    >>> describe_data_missing(Inquiry("toms_valley", 2025, "all", data), "state_tests")
    ''
    """
    data = TOPIC_DATA.get(topic)
    if data is None or not lacks(inquiry, data):
        return ""
    missing, what = DATA_NEEDED[data]
    if again:
        return f"No {missing.split(' (')[0]} in the data here either (see above)."
    source = ", from the state's test score files," if from_state_files(inquiry) else ""
    return f"{labels.district_label(inquiry.district)}'s data{source} holds no {missing}: {what} cannot be shown."


def describe_data_held(inquiry) -> str:
    """What the district's data lacks, in one sentence for the top of a report; ``""`` when it has it all.

    >>> from flp_inquiry.ingest.store import DistrictData
    >>> from flp_inquiry.inquiry.session import Inquiry
    >>> data = DistrictData("toms_valley", pd.DataFrame({"days_enrolled": pd.array([None], dtype="Int64")}),
    ...                     pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), manifest={"tables": {"math_courses": 0, "outcomes": 0}})
    >>> describe_data_held(Inquiry("toms_valley", 2025, "all", data))
    "Sample Toms Valley Unified's data has no attendance, math course records or graduation outcomes: what needs them is not shown."
    """
    missing = [DATA_NEEDED[data][0].split(" (")[0] for data in DATA_NEEDED if lacks(inquiry, data)]
    if not missing:
        return ""
    district = labels.district_label(inquiry.district)
    if from_state_files(inquiry):
        return (f"{district}'s data comes from the state's test score files (CAASPP and Summative ELPAC), so its "
                f"students are those with a test record (the tested grades and English learners) and it has no "
                f"{labels.join_words(missing, 'or')}: what needs them is not shown.")
    return f"{district}'s data has no {labels.join_words(missing, 'or')}: what needs them is not shown."
