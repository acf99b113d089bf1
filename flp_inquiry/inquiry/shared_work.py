"""What every school report of a district works out alike, worked out once: in a pack's kernel template.

A school's report sets its figures beside its whole district's (the common metrics and each
question's headline figures, :func:`flp_inquiry.inquiry.findings.context.district_figures`) and the
partner's (its aggregate extract, read and checked), and its projected Dashboard is cut from tables
of every school of the district (:func:`flp_inquiry.measures.dashboard_projection.projected_dashboard`).
Those are the same for every school of the district: a per-school pack of 100 schools would work
each out 100 times.  The school's own common indicators, too, are one table of every school worked
out from the district's rows (:func:`flp_inquiry.inquiry.findings.glance.every_school_indicator`),
the same figures as from the school's students' rows, from which a report alone works them out.

A pack's kernel template (:mod:`flp_inquiry.packs.kernels`) reads the districts into memory and then
calls :func:`work_out_shared` for each of them and the pack's questions, before it forks a kernel
per job.  The results are remembered by the tables' identity (:mod:`flp_inquiry.memo`, kept apart
from the latest few), and each forked kernel's ``start_inquiry`` gets those very tables
(:func:`flp_inquiry.ingest.store.read_ahead`), so its report finds them instead of working them
out.  Nothing else changes: a kernel is still its own process, whatever its report does stays in
it, and a kernel started the usual way (no template) works everything out for itself, with the
same figures.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Callable, Iterable

from flp_inquiry import memo
from flp_inquiry.inquiry.session import ALL_SCHOOLS, Inquiry, start_inquiry


def district_rows(inquiry: Inquiry) -> None:
    """The district's rows every metric starts from: primary enrollments, Dashboard groups, scored tests, absences.

    Each is remembered by the district's tables, so a metric of the whole district grouped by school
    (a funnel across schools, a school's projected Dashboard) starts from them in every report.
    """
    from flp_inquiry.codes import SUBJECTS
    from flp_inquiry.measures.assessment import percent_met
    from flp_inquiry.measures.dashboard_groups import dashboard_groups
    from flp_inquiry.measures.outcomes import chronic_absenteeism
    from flp_inquiry.measures.students import primary_enrollment

    data = inquiry.data
    primary_enrollment(data.enrollment)
    dashboard_groups(data.enrollment)
    for subject in SUBJECTS:
        percent_met(data.assessments, data.enrollment, subject, by=["school"])
    chronic_absenteeism(data.enrollment, by=["school"])


def district_indicators(inquiry: Inquiry) -> None:
    """The district's figure of every common indicator, every grade span a school may show, every year."""
    from flp_inquiry.inquiry.findings.glance import COMMON_INDICATORS, indicator_rows

    for metric, subject, grade_span, _, _ in COMMON_INDICATORS:
        # a high school shows grade 11's distance from standard beside the district's grade 11
        spans = (None, "3-8", "11") if metric == "dfs" else (grade_span,)
        for span in spans:
            indicator_rows(inquiry, metric, subject, span)


def school_indicators(inquiry: Inquiry) -> None:
    """Every school's figure of every common indicator, worked out at once from the district's rows."""
    from flp_inquiry.inquiry.findings.glance import COMMON_INDICATORS, every_school_indicator

    for metric, subject, _, _, _ in COMMON_INDICATORS:
        # a school's report asks for its grade spans (3-8, or 11 at a high school) and for the indicator whole
        for span in ((None, "3-8", "11") if metric == "dfs" else (None,)):
            every_school_indicator(inquiry, metric, subject, span)


def school_projections(inquiry: Inquiry) -> None:
    """The by-school tables each school's projected Dashboard of the inquiry's year is cut from."""
    from flp_inquiry.measures.dashboard_projection import work_out_by_school

    work_out_by_school(inquiry.data, inquiry.school_year)


def partner_extract(inquiry: Inquiry) -> None:
    """The partner's aggregate extract read and checked, where a report would find it (never worked out here)."""
    from flp_inquiry.measures.extract import read_extracts
    from flp_inquiry.measures.extract_files import extract_folders, is_current

    for folder in extract_folders(inquiry.data_dir, inquiry.extracts_dir):
        if is_current(inquiry.partner, inquiry.school_year, inquiry.data_dir, folder):
            read_extracts(folder)
            return


#: What each question's school reports share.  A question not named here (a new one) has the headline
#: figures beside its district's and the partner's (:func:`flp_inquiry.inquiry.findings.context.headline_context`).
HEADLINE = (district_rows, district_indicators, school_indicators, partner_extract)
SHARED: dict[str, tuple[Callable[[Inquiry], None], ...]] = {
    "common_metrics": (district_rows, district_indicators, school_indicators, school_projections, partner_extract),
    # its district-wide work (the funnel across schools) follows each school's pattern: the rows it starts from
    "root_cause_explorer": (district_rows,),
}


def work_out_shared(district: str, school_year: int, questions: Iterable[str], data_dir: str | Path,
                    extracts_dir: str | Path | None = None) -> list[str]:
    """Work out, and keep, what the school reports of ``questions`` in ``district`` share.

    ``extracts_dir`` is the folder the pack writes the partners' extracts to (its jobs' ``extracts_dir``).
    Returns the names of the steps done, in order (each at most once).  A district or year the
    data does not have raises the report's own :class:`~flp_inquiry.errors.ParameterError`.

    >>> work_out_shared("fresno", 2025, ["common_metrics"], "/nonexistent")
    Traceback (most recent call last):
    ...
    flp_inquiry.errors.FlpInquiryError: district 'fresno' has not been harmonised into /nonexistent: run flp-inquiry harmonise --district fresno --source <export folder> --out /nonexistent
    """
    inquiry = start_inquiry(district, school_year, ALL_SCHOOLS, str(data_dir))
    if extracts_dir is not None:
        inquiry = dataclasses.replace(inquiry, extracts_dir=Path(extracts_dir))
    steps: list[Callable[[Inquiry], None]] = []
    for question in questions:
        for step in SHARED.get(question, HEADLINE):
            if step not in steps:
                steps.append(step)
    with memo.keeping():
        for step in steps:
            step(inquiry)
    return [step.__name__ for step in steps]


def read_and_work_ahead(districts: Iterable[tuple[str, str]], school_year: int | None = None,
                        questions: Iterable[str] = (), extracts_dir: str | None = None) -> None:
    """What a pack's kernel template does before it forks: each district read into memory, then what
    the reports of ``questions`` share worked out (:func:`work_out_shared`).

    ``districts`` are ``(district, data folder)`` pairs.  Without ``school_year`` nothing is worked out
    (the pack turned it off).  A district that cannot be read or worked out is left to the reports,
    which meet the problem where they can show it.

    >>> read_and_work_ahead([("fresno", "/nonexistent")], 2025, ["common_metrics"])
    """
    from flp_inquiry.ingest import store

    districts, questions = list(districts), list(questions)
    for district, data in districts:
        try:
            store.read_ahead(district, Path(data))
        except Exception:  # the report reads the files itself
            pass
    if school_year is None:
        return
    for district, data in districts:
        try:
            work_out_shared(district, int(school_year), questions, data, extracts_dir)
        except Exception:  # each report works it out itself
            pass
