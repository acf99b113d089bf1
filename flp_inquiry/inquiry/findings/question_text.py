"""Each report's question, in words that fit its scope: the district's, or one school's own grades.

A K-5 school's mathematics report does not ask about "the move from grade 6 to grade 8", and a high
school's attendance report says that chronic absence is counted in grades K-8 only.
"""
from __future__ import annotations

from flp_inquiry.codes import SBAC_GRADES
from flp_inquiry.inquiry import labels
from flp_inquiry.inquiry.findings.scope import grades_in_scope_words, scope_grades
from flp_inquiry.inquiry.prose import Prose, Strong, paragraph

#: The reports that have a question here (a notebook's name).
QUESTIONS = ("attendance", "college_career", "common_metrics", "english_learners", "mathematics", "root_cause_explorer")


def the_question(inquiry, question: str, pattern=None) -> Prose:
    """The report's question as a paragraph (``question`` is the notebook's name; ``pattern`` the explorer's).

    >>> from flp_inquiry.inquiry.session import Inquiry
    >>> print(the_question(Inquiry("fresno", 2025, "all", None), "mathematics"))
    The question. How are students doing in mathematics by grade, school and student group; what happens from grade 6 to grade 8; and who completes Algebra 1 / Integrated Math 1 by grade 8 and by grade 9?
    """
    if question not in QUESTIONS:
        raise ValueError(f"no question text for {question!r}: one of {', '.join(QUESTIONS)}")
    words = globals()[f"_{question}"](inquiry, pattern) if question == "root_cause_explorer" else globals()[f"_{question}"](inquiry)
    return paragraph(Strong("The question."), " ", words)


def _where(inquiry) -> str:
    return "" if inquiry.whole_district else f" at {inquiry.school} ({grades_in_scope_words(inquiry)})"


def _attendance(inquiry) -> str:
    if not inquiry.whole_district and not scope_grades(inquiry, range(0, 9)):
        return (f"Chronic absence (absent 10% or more of the days enrolled) is counted by the state in grades K-8 only, "
                f"and {inquiry.school} has {grades_in_scope_words(inquiry)}: what do the school's own attendance "
                "records show, and who follows up with families?")
    units = "schools" if inquiry.whole_district else "grades"
    return (f"Which {units} and student groups{_where(inquiry)} have the most chronic absence (absent 10% or more of "
            "the days enrolled, counted in grades K-8), how did it change, and how do chronically absent students do "
            "in ELA and math compared with their classmates?")


def _college_career(inquiry) -> str:
    if not inquiry.whole_district and not scope_grades(inquiry, range(9, 13)):
        by = [grade for grade in (8, 9) if grade in scope_grades(inquiry)]
        path = (f"the mathematics report follows Algebra 1 / Integrated 1 by grade {by[0]}, the first step on the way"
                if by else "the way there starts after its students leave, with the math pathway of grades 6-9")
        return (f"Graduation and a-g completion are counted for high-school students, and {inquiry.school} has "
                f"{grades_in_scope_words(inquiry)}: there is nothing to count here yet, and {path}.")
    return (f"How many students{_where(inquiry)} graduate in four years, how many graduates complete the UC/CSU a-g "
            "courses, and does the math pathway (Algebra 1 / Integrated 1 by grade 9) go with a-g?")


def _common_metrics(inquiry) -> str:
    partner = labels.district_label(inquiry.partner)
    if inquiry.whole_district:
        return ("Where does the district stand on the partnership's common metrics (mathematics, English learners, "
                f"college and career readiness, attendance), how did each move since last year, and how does {partner} "
                "compare?")
    return (f"Where does {inquiry.school} stand on the partnership's common metrics, in the grades it has "
            f"({grades_in_scope_words(inquiry)}), beside {inquiry.district_name} and {partner}, and how did each move "
            "since last year?")


def _english_learners(inquiry) -> str:
    long_term = scope_grades(inquiry, range(6, 13))
    at_risk = scope_grades(inquiry, range(3, 13))
    status = ("how many are long-term English learners or at risk of becoming one" if long_term
              else "how many are at risk of becoming long-term English learners" if at_risk
              else "how long they have been English learners")
    return (f"How are English learners{_where(inquiry)} spread across ELPAC levels, do they progress (ELPI) and "
            f"reclassify, {status}, how do English learners, reclassified and English-only students compare in ELA "
            "and math, and where do students get stuck?")


def _mathematics(inquiry) -> str:
    tested = scope_grades(inquiry, SBAC_GRADES) if not inquiry.whole_district else [6, 8]
    if not inquiry.whole_district and {6, 8} <= set(tested):
        tested = [6, 8]
    places = "grade, school and student group" if inquiry.whole_district else "grade and student group"
    if len(tested) >= 2:
        move = f"what happens from grade {tested[0]} to grade {tested[-1]}"
    elif tested:
        move = f"how grade {tested[0]} students do"
    else:
        move = "which grades are tested (the state tests grades 3-8 and 11)"
    algebra = [grade for grade in (8, 9) if inquiry.whole_district or grade in scope_grades(inquiry)]
    if algebra:
        by = " and by grade ".join(str(grade) for grade in algebra)
        return (f"How are students{_where(inquiry)} doing in mathematics by {places}; {move}; and who completes "
                f"Algebra 1 / Integrated Math 1 by grade {by}?")
    return f"How are students{_where(inquiry)} doing in mathematics by {places}, and {move}?"


def _root_cause_explorer(inquiry, pattern) -> str:
    what = f"{pattern.metric_words} of {pattern.group_words}" if pattern is not None else "a group's results"
    units = "schools" if inquiry.whole_district else "grades"
    return (f"A coach names a pattern, here {what}. Which {units} and groups make it up; is it who is enrolled "
            "(composition) or how students did (performance); is any school outside what chance explains; did the same "
            "students fall; and does chronic absence go with it?")  # (the dropdowns say what they do, where they are live)
