"""What a report's scope has to show: the grades each measure is counted in, and what a school lacks.

A high school has nothing to show for chronic absence (grades K-8), an elementary school for
graduation: a report says so plainly rather than "too few students".  A district whose data has
nothing for a measure (no attendance in the state's score files) says that instead
(:mod:`flp_inquiry.inquiry.findings.held`).
"""
from __future__ import annotations

from typing import Sequence

import pandas as pd

from flp_inquiry.inquiry import labels
from flp_inquiry.inquiry.findings.held import describe_data_missing
from flp_inquiry.inquiry.findings.words import shown_rows

#: Topics the state counts in some grades only: the grades, and the words that say so.
GRADES_COUNTED = {
    "chronic_absence": (tuple(range(0, 9)), "Chronic absence is counted in grades K-8 only"),
    "graduation": (tuple(range(9, 13)), "Graduation and a-g completion are counted for high-school students (grades 9-12) only"),
    "matched_growth": (tuple(range(4, 9)), "The same students can be followed from last year's test to this year's "
                                          "in grades 4-8 only"),
    "math_courses": (tuple(range(6, 13)), "Algebra 1 / Integrated 1 and math course marks are counted in grades 6-12 only"),
    "algebra_by_8": ((8,), "Algebra 1 / Integrated 1 by grade 8 is counted for grade 8 students only"),
    "long_term_english_learners": (tuple(range(6, 13)), "Long-term English learners are counted in grades 6-12 only"),
    "state_tests": ((3, 4, 5, 6, 7, 8, 11), "The state tests (Smarter Balanced) are taken in grades 3-8 and 11 only"),
}


def grades_words(grades: Sequence[int]) -> str:
    """Grades in words, runs joined: ``grades K-8``, ``grade 8``, ``grades 3-8 and 11``.

    >>> grades_words(range(0, 9)), grades_words([8]), grades_words([3, 4, 5, 6, 7, 8, 11])
    ('grades K-8', 'grade 8', 'grades 3-8 and 11')
    """
    runs: list[list[int]] = []
    for grade in sorted(grades):
        if runs and grade == runs[-1][-1] + 1:
            runs[-1].append(grade)
        else:
            runs.append([grade])
    name = {-1: "TK", 0: "K"}
    words = [name.get(run[0], str(run[0])) + (f"-{run[-1]}" if len(run) > 1 else "") for run in runs]
    many = len(runs) > 1 or len(runs[0]) > 1
    return ("grades " if many else "grade ") + labels.join_words(words)


def counted_here(inquiry, topic: str) -> bool:
    """Whether the inquiry's scope has students, this school year, in the grades ``topic`` is counted in.

    District-wide always True.  See :data:`GRADES_COUNTED`.

    >>> from flp_inquiry.measures.metrics import _example
    >>> from flp_inquiry.inquiry.session import Inquiry
    >>> from flp_inquiry.ingest.store import DistrictData
    >>> _, enrollment = _example()
    >>> data = DistrictData("fresno", enrollment, pd.DataFrame(), pd.DataFrame(), pd.DataFrame())
    >>> counted_here(Inquiry("fresno", 2024, "A", data), "graduation"), counted_here(Inquiry("fresno", 2024, "B", data), "algebra_by_8")
    (False, True)
    """
    if inquiry.whole_district:
        return True
    enrolled = inquiry.enrollment
    enrolled = enrolled[(enrolled["school_year"] == inquiry.school_year) & enrolled["primary"].astype(bool)
                        & enrolled["grade"].isin(GRADES_COUNTED[topic][0])]
    return not enrolled.empty


def describe_grades_not_counted(inquiry, topic: str) -> str:
    """One sentence when the inquiry's school has no students in the grades ``topic`` is counted in; else ``""``.

    A high school has nothing to show for chronic absence (grades K-8), an
    elementary school for graduation: a report says so plainly rather than
    "too few students".  District-wide the sentence is always ``""``.

    >>> from flp_inquiry.measures.metrics import _example
    >>> from flp_inquiry.inquiry.session import Inquiry
    >>> from flp_inquiry.ingest.store import DistrictData
    >>> _, enrollment = _example()
    >>> data = DistrictData("fresno", enrollment, pd.DataFrame(), pd.DataFrame(), pd.DataFrame())
    >>> describe_grades_not_counted(Inquiry("fresno", 2024, "A", data), "graduation")
    'Graduation and a-g completion are counted for high-school students (grades 9-12) only, and A has no students in those grades in 2023-24: there is nothing to show here.'
    >>> describe_grades_not_counted(Inquiry("fresno", 2024, "B", data), "graduation")
    ''
    """
    if counted_here(inquiry, topic):
        return ""
    words = GRADES_COUNTED[topic][1]
    return (f"{words}, and {inquiry.school} has no students in those grades in {inquiry.year_label}: "
            "there is nothing to show here.")


def where_counted(inquiry, topic: str, sentences: Sequence[str], *, again: bool = False) -> list[str]:
    """``sentences``, or only :func:`describe_grades_not_counted`'s sentence when the school has none of the grades.

    ``again`` for a later section of the same report: a short pointer instead of the
    whole sentence a second time.  When the district's data has nothing for ``topic`` (no
    attendance, courses or graduation outcomes: :func:`~flp_inquiry.inquiry.findings.held.describe_data_missing`),
    that is the one sentence, district-wide too.

    >>> from flp_inquiry.measures.metrics import _example
    >>> from flp_inquiry.inquiry.session import Inquiry
    >>> from flp_inquiry.ingest.store import DistrictData
    >>> where_counted(Inquiry("fresno", 2025, "all", None), "chronic_absence", ["Chronic absence rose."])
    ['Chronic absence rose.']
    >>> _, enrollment = _example()
    >>> elementary = Inquiry("fresno", 2024, "A", DistrictData("fresno", enrollment, pd.DataFrame(), pd.DataFrame(), pd.DataFrame()))
    >>> where_counted(elementary, "graduation", ["Graduation rose."], again=True)
    ['Not counted at A either (see above).']
    """
    missing = describe_data_missing(inquiry, topic, again=again)
    if missing:
        return [missing]
    note = describe_grades_not_counted(inquiry, topic)
    if note and again:
        return [f"Not counted at {inquiry.school} either (see above)."]
    return [note] if note else list(sentences)


def describe_nothing_drawn(table: pd.DataFrame, *, what: str, chart=None) -> str:
    """A sentence when a chart of ``table`` is not drawn; else ``""``.

    No row of the table has 11 or more students, or the chart function hid every part (``chart`` a
    :class:`flp_inquiry.inquiry.charts.NothingToDraw`, whose description says how many and why).

    >>> t = pd.DataFrame({"grade": [3, 4], "level": [2, 3], "n": [4, 9], "value": [40.0, 60.0]})
    >>> describe_nothing_drawn(t, what="English learners by ELPAC level")
    'No group has 11 or more students to draw English learners by ELPAC level.'
    >>> describe_nothing_drawn(t.assign(n=[4, 12]), what="English learners by ELPAC level")
    ''
    >>> class NothingToDraw:  # (as flp_inquiry.inquiry.charts gives it)
    ...     description = ("Stacked bar chart of the share of students by Grade. 1 group with fewer than 11 students is "
    ...                    "not shown. 1 more is hidden so that a smaller group beside it cannot be worked out. "
    ...                    "No group has enough students to show.")
    >>> describe_nothing_drawn(t.assign(n=[4, 12]), what="English learners by ELPAC level", chart=NothingToDraw())
    'No chart of English learners by ELPAC level can be drawn: 1 group with fewer than 11 students is not shown. 1 more is hidden so that a smaller group beside it cannot be worked out.'
    """
    if not len(shown_rows(table)):
        return f"No group has 11 or more students to draw {what}."
    description = getattr(chart, "description", None)
    if chart is None or description is None or type(chart).__name__ != "NothingToDraw":
        return ""
    why = description.split(". ", 1)[1] if ". " in description else ""
    why = why.replace("No group has enough students to show.", "").strip()
    return f"No chart of {what} can be drawn" + (f": {why}" if why else ".")


def scope_grades(inquiry, grades: Sequence[int] | None = None) -> list[int]:
    """The grades (of ``grades``, default all) the inquiry's scope has students in, this school year.

    >>> from flp_inquiry.measures.metrics import _example
    >>> from flp_inquiry.inquiry.session import Inquiry
    >>> from flp_inquiry.ingest.store import DistrictData
    >>> _, enrollment = _example()
    >>> data = DistrictData("fresno", enrollment, pd.DataFrame(), pd.DataFrame(), pd.DataFrame())
    >>> scope_grades(Inquiry("fresno", 2024, "A", data)), scope_grades(Inquiry("fresno", 2024, "B", data), range(3, 9))
    ([4, 5], [5, 8])
    """
    enrolled = inquiry.enrollment
    enrolled = enrolled[(enrolled["school_year"] == inquiry.school_year) & enrolled["primary"].astype(bool)]
    have = {int(grade) for grade in enrolled["grade"].unique()}
    return sorted(have if grades is None else have & {int(grade) for grade in grades})


def grades_in_scope_words(inquiry, grades: Sequence[int] | None = None) -> str:
    """:func:`scope_grades` in words (``grades K-5``, ``grade 11``), or ``no grades`` when there are none.

    >>> from flp_inquiry.measures.metrics import _example
    >>> from flp_inquiry.inquiry.session import Inquiry
    >>> from flp_inquiry.ingest.store import DistrictData
    >>> _, enrollment = _example()
    >>> grades_in_scope_words(Inquiry("fresno", 2024, "A", DistrictData("fresno", enrollment, pd.DataFrame(), pd.DataFrame(), pd.DataFrame())))
    'grades 4-5'
    """
    have = scope_grades(inquiry, grades)
    return grades_words(have) if have else "no grades"
