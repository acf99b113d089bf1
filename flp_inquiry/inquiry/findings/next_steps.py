"""Questions for the meeting, tied to what the report found: its hypotheses' verdicts and its own scope.

A question follows from a verdict (a supported hypothesis asks what to do about it; a hypothesis the
figures do not support asks what else it could be; "can't tell" asks what data would tell), and
names only the grades and groups the school has.
"""
from __future__ import annotations

from typing import Sequence

from flp_inquiry.inquiry.claims import CANT_TELL, NOT_SUPPORTED, SUPPORTED, Hypothesis
from flp_inquiry.inquiry.findings.held import lacks
from flp_inquiry.inquiry.findings.scope import counted_here


def _by_verdict(hypothesis: Hypothesis, supported: str, not_supported: str, cant_tell: str) -> str:
    return {SUPPORTED: supported, NOT_SUPPORTED: not_supported, CANT_TELL: cant_tell}[hypothesis.verdict]


def attendance_questions(inquiry, hypotheses: Sequence[Hypothesis]) -> list[str]:
    """Questions for the attendance report, from its two hypotheses."""
    if lacks(inquiry, "attendance"):
        return [f"The data holds no attendance: what do {inquiry.scope_label}'s own attendance records show, and who "
                "reaches the families of students who miss the most school?"]
    if not counted_here(inquiry, "chronic_absence"):
        return [f"The state counts chronic absence in grades K-8 only: how does {inquiry.school} follow its students' "
                "attendance, and who reaches the families of students who miss the most school?"]
    achievement, local = hypotheses
    unit = "school" if inquiry.whole_district else "grade"
    return [
        _by_verdict(achievement,
                    "Chronically absent students score lower here: which of them are known by name to a staff member "
                    "who checks in with their family?",
                    "Chronically absent students do not score lower here: what else sets apart the students who "
                    "score lowest?",
                    "The figures cannot yet tell whether absence goes with lower results here: what would the "
                    "students' attendance records and course grades over the year show?"),
        _by_verdict(local,
                    f"Chronic absence moved far more in one {unit} and group: what changed there this year "
                    "(transport, schedules, families moving, staffing)?",
                    f"No {unit} stands out: is chronic absence something to work on across {inquiry.scope_label}?",
                    "There are too few groups to see where chronic absence moved: which classes do staff see it in?"),
        "Does missing school show first in math, where lessons build on each other?",
    ]


def college_career_questions(inquiry, hypotheses: Sequence[Hypothesis]) -> list[str]:
    """Questions for the college and career report, from its hypotheses."""
    if lacks(inquiry, "outcomes"):
        return [f"The data holds no graduation outcomes: which of {inquiry.scope_label}'s students are on track to "
                "graduate with a-g, and how do we know?"]
    if not counted_here(inquiry, "graduation"):
        return [f"Which of {inquiry.school}'s students are on track for Algebra 1 / Integrated 1 by grade 8 or 9, and "
                "how do we know?",
                "What do families hear from us about a-g courses and college before high school?"]
    pathway, gap = hypotheses
    return [
        _by_verdict(pathway,
                    "Graduates with algebra by grade 9 complete a-g far more often: who is placed in algebra by "
                    "grade 9, and who decides?",
                    "Algebra by grade 9 does not go with a-g here: which courses do graduates miss a-g by?",
                    "The figures cannot yet tell whether the pathway goes with a-g: which cohorts would show it?"),
        _by_verdict(gap,
                    "Socioeconomically disadvantaged students graduate less often"
                    + (" at one school" if inquiry.whole_district else "") + ": what do counsellors see in grades 9 "
                    "and 10?",
                    "The graduation gap by socioeconomic status is not beyond chance here: is that true in every "
                    "cohort and group?",
                    "Too few students to tell whether the gap is real: what do the school's own records show?"),
        f"How many graduates of {inquiry.scope_label} missed a-g by one or two courses?",
    ]


def english_learner_questions(inquiry, hypotheses: Sequence[Hypothesis]) -> list[str]:
    """Questions for the English learners report, from its hypotheses."""
    stall, criteria, build_up = hypotheses
    unit = "schools" if inquiry.whole_district else "classes"
    return [
        _by_verdict(stall,
                    "Most English learners at ELPAC level 3 stay there: what does their instruction look like, and "
                    "what would move them to level 4?",
                    "Most English learners at level 3 move on: which ones do not, and why?",
                    "Too few students to tell whether English learners stall at level 3: what do teachers see?"),
        _by_verdict(criteria,
                    "Most English learners who reached level 4 are still English learners: which of the district's "
                    "other criteria holds each of them back?",
                    "Most English learners who reached level 4 were reclassified: are they keeping up in ELA and math?",
                    "Too few students to tell whether the criteria hold level-4 English learners back: who are they?"),
        _by_verdict(build_up,
                    "The share rises with grade: which students are at risk now, and are they known to their "
                    "teachers by name?",
                    "The share does not rise with grade: what keeps it level?",
                    f"Which {unit} have the students who have been English learners longest?"),
    ]
