"""Each question's hypotheses, tested on the tables its report shows (:mod:`flp_inquiry.inquiry.findings.verdicts`).

A function per question takes the inquiry and the (unsuppressed) tables the notebook shows, and
returns :class:`~flp_inquiry.inquiry.claims.Hypothesis` objects, each with its verdict and the
figures behind it; :func:`show_hypotheses` shows them.  A hypothesis about grades or groups the
school does not have is not asked: another one that fits the school is, or the report says why
none can be.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import pandas as pd

from flp_inquiry.inquiry import labels
from flp_inquiry.inquiry.claims import CANT_TELL, Hypothesis
from flp_inquiry.inquiry.findings.held import describe_data_missing, lacks
from flp_inquiry.inquiry.findings.scope import counted_here, grades_in_scope_words, scope_grades
from flp_inquiry.inquiry.findings.verdicts import (
    gap_at_one_unit,
    group_against_group,
    one_change_stands_out,
    rises_with_grade,
    share_beyond,
)
from flp_inquiry.inquiry.prose import Prose, bullets

#: What a verdict about a difference can and cannot say (the reports never claim a cause).
NOT_A_CAUSE = "A verdict describes the figures; it does not show what caused them."


def show_hypotheses(hypotheses: Sequence[Hypothesis], none: str = "") -> Prose:
    """The hypotheses as bullets, each ending with its verdict and evidence; ``none`` (a sentence) when there are none."""
    return bullets([hypothesis.claim() for hypothesis in hypotheses] or [none])


def attendance_hypotheses(inquiry, achievement: pd.DataFrame, by_unit_group: pd.DataFrame, *,
                          sources: Mapping[str, object] = {}) -> list[Hypothesis]:
    """Does chronic absence go with lower math results, and is a rise in it local?

    ``achievement`` is :func:`flp_inquiry.inquiry.per_student.achievement_by_chronic_absence` in math
    (by ``school_year``, with intervals); ``by_unit_group`` chronic absence by the inquiry's unit and
    EL status, every year.
    """
    if not counted_here(inquiry, "chronic_absence") or lacks(inquiry, "attendance"):  # (no_hypotheses says why)
        return []
    unit_words = labels.GROUP_TYPE_LABELS[inquiry.unit_column].lower()
    return [
        group_against_group(
            achievement, "attendance", "Chronically absent", "Not chronically absent", year=inquiry.school_year,
            expect_lower=True, unit="points", condition="If chronic absence goes with lower results",
            expectation="chronically absent students score below their classmates in math",
            test="Following the same students as their attendance changes would test whether it is absence itself.",
            what="math distance from standard", focus_words="chronically absent students",
            reference_words="those not chronically absent", source=sources.get("achievement")),
        one_change_stands_out(
            by_unit_group, [inquiry.unit_column, "el_status"], inquiry.school_year, what="chronic absence", unit="%",
            condition="If a rise in chronic absence is local",
            expectation=f"one {unit_words} and group's rate moved far more than the others' since last year",
            test="Asking families and staff what changed there (transport, schedules, moves) would test it.",
            source=sources.get("by_unit_group")),
    ]


def college_career_hypotheses(inquiry, pathway: pd.DataFrame, by_sed: pd.DataFrame, *,
                              sources: Mapping[str, object] = {}) -> list[Hypothesis]:
    """Does the math pathway go with a-g, and is the SED graduation gap larger here than elsewhere?

    ``pathway`` is :func:`flp_inquiry.inquiry.per_student.a_g_by_algebra` by ``school_year``;
    ``by_sed`` the graduation rate by ``sed`` (and ``school`` district-wide), by ``school_year``.
    """
    if not counted_here(inquiry, "graduation") or lacks(inquiry, "outcomes"):  # (no_hypotheses says why)
        return []
    hypotheses = [group_against_group(
        pathway, "pathway", "No algebra by grade 9", "Algebra 1 by grade 9 (C or better)", year=inquiry.school_year,
        expect_lower=True, unit="%", condition="If the math pathway goes with a-g",
        expectation="graduates without algebra by grade 9 complete a-g less often than those with it",
        test="Following one cohort from grade 8, with their grade 8 results beside their placement, would show "
             "whether the pathway or the students' earlier results make the difference.",
        what="a-g completion", focus_words="graduates without algebra by grade 9",
        reference_words="graduates with Algebra 1 by grade 9 (C or better)", source=sources.get("pathway"))]
    if inquiry.whole_district:
        hypotheses.append(gap_at_one_unit(
            by_sed, "school", "sed", True, False, year=inquiry.school_year, unit="%",
            condition="If one school's graduation gap between socioeconomically disadvantaged students and their "
                      "classmates is larger than elsewhere",
            expectation="at one school their rate is below their classmates' beyond chance, and not at the others",
            test="Looking at which supports these students used in grades 9-10 at that school would say more.",
            what="the four-year graduation rate", focus_words="socioeconomically disadvantaged students",
            source=sources.get("by_sed")))
    else:
        hypotheses.append(group_against_group(
            by_sed, "sed", True, False, year=inquiry.school_year, expect_lower=True, unit="%",
            condition=f"If socioeconomically disadvantaged students graduate less often at {inquiry.school}",
            expectation="their four-year graduation rate is below their classmates'",
            test="Looking at which supports these students used in grades 9-10 would say more.",
            what="the four-year graduation rate", focus_words="socioeconomically disadvantaged students",
            reference_words="their classmates", source=sources.get("by_sed")))
    return hypotheses


def english_learner_hypotheses(inquiry, bottleneck: pd.DataFrame, after_level4: pd.DataFrame,
                               long_term_by_grade: pd.DataFrame, *, sources: Mapping[str, object] = {}) -> list[Hypothesis]:
    """Do ELs stall at level 3, do criteria hold level-4 ELs back, and does EL status build up with grade?

    ``bottleneck`` is :func:`flp_inquiry.inquiry.per_student.level3_bottleneck`, ``after_level4``
    :func:`flp_inquiry.inquiry.per_student.reclassification_after_level4` (both by ``school_year``),
    ``long_term_by_grade`` :func:`flp_inquiry.measures.english_learners.long_term_english_learners`
    by ``grade`` and ``school_year``.
    """
    year = inquiry.school_year
    hypotheses = [
        share_beyond(bottleneck, year=year, threshold=50, condition="If English learners stall at ELPAC level 3",
                     expectation="most of those at level 3 last year are at level 3 again", words="were still at level 3",
                     count_words="English learners at level 3 last year",
                     test="Their four domain scores (listening, speaking, reading, writing) would show where they stall.",
                     source=sources.get("bottleneck")),
        share_beyond(after_level4.assign(value=after_level4["still_el"]), year=year, threshold=50,
                     condition="If reclassification criteria, not language growth, hold students back",
                     expectation="most English learners who reached ELPAC level 4 last year are still English learners",
                     words="were still English learners at the end of this year",
                     count_words="English learners at ELPAC level 4 last year",
                     test="The district's other criteria (teacher evaluation, a basic-skills test, parents' views) "
                          "for these students would show which one holds them back.",
                     source=sources.get("after_level4")),
    ]
    long_term_grades = scope_grades(inquiry, range(6, 9))
    at_risk_grades = scope_grades(inquiry, range(3, 6))
    if len(long_term_grades) >= 2:
        hypotheses.append(rises_with_grade(
            long_term_by_grade, year=year, grades=long_term_grades, what="share of English learners who are long-term ELs",
            condition="If long-term English learner status builds up in middle school",
            expectation=f"the long-term share rises from {labels.grade_label(long_term_grades[0])} to "
                        f"{labels.grade_label(long_term_grades[-1])}",
            test="Following the same students from grade 5 would separate build-up from who arrives.",
            source=sources.get("long_term_by_grade")))
    elif len(at_risk_grades) >= 2:
        hypotheses.append(rises_with_grade(
            long_term_by_grade.assign(value=long_term_by_grade["at_risk_percent"]), year=year, grades=at_risk_grades,
            what="share of English learners at risk of becoming long-term ELs",
            condition="If time as an English learner builds up before middle school",
            expectation=f"the share at risk (4-5 years as an EL) rises from {labels.grade_label(at_risk_grades[0])} "
                        f"to {labels.grade_label(at_risk_grades[-1])}",
            test="Following the same students from grade 3 would separate build-up from who arrives.",
            source=sources.get("long_term_by_grade")))
    else:
        hypotheses.append(Hypothesis(
            "If English learner status builds up from grade to grade", "the share of long-term ELs rises with grade",
            CANT_TELL, f"{inquiry.scope_label} has fewer than two of grades 3-8 ({grades_in_scope_words(inquiry)} "
                       f"here), so the shares cannot be compared across grades.", ""))
    return hypotheses


def no_hypotheses(inquiry, topic: str) -> str:
    """Why a report tests no hypothesis at this school: its measures are counted in grades it has none of.

    >>> from flp_inquiry.inquiry.session import Inquiry
    >>> no_hypotheses(Inquiry("fresno", 2025, "all", None), "graduation")
    ''
    """
    missing = describe_data_missing(inquiry, topic)
    if missing:  # the district's data has none of it (the state's score files): not a matter of grades
        return f"{missing} No hypothesis about it can be tested."
    if inquiry.whole_district or counted_here(inquiry, topic):
        return ""
    what = {"chronic_absence": "chronic absence (counted in grades K-8)",
            "graduation": "graduation and a-g (counted for grades 9-12; the high schools' reports test them)"}[topic]
    return (f"No hypothesis about {what} can be tested at {inquiry.school}, which has {grades_in_scope_words(inquiry)} "
            f"in {inquiry.year_label}.")
