"""A meeting pack's index page: every report by district, school and question, and how each job ended.
"""
from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Mapping

from jinja2 import Environment, FileSystemLoader

from flp_inquiry import TEMPLATES, __version__
from flp_inquiry.codes import DISTRICTS
from flp_inquiry.errors import ParameterError
from flp_inquiry.files import write_atomic
from flp_inquiry.inquiry.labels import school_year_label
from flp_inquiry.packs.figures import ReportError, _refuse_external_references
from flp_inquiry.packs.report import ALL_SCHOOLS, REPORT_TEMPLATE, format_time

INDEX_TEMPLATE = "pack_index.html.j2"
#: Job statuses a pack's index shows, and the words it shows them in (text, not colour).
JOB_STATUSES = {"ok": "OK", "failed": "Failed", "skipped-unchanged": "Unchanged (not re-run)"}
@dataclass(frozen=True)
class JobRecord:
    """One job of a meeting pack, as its index shows it.

    ``report`` is the report's path relative to the index (``None`` when no
    report was written); ``status`` is one of :data:`JOB_STATUSES`.

    >>> JobRecord("fresno", None, "Math pathways", "ok", 12.5, "fresno/all/math.html").school_label
    'All schools'
    >>> JobRecord("fresno", None, "Math pathways", "done")
    Traceback (most recent call last):
    ...
    flp_inquiry.errors.ParameterError: status = 'done' is not allowed. Allowed values: ok, failed, skipped-unchanged
    """

    district: str
    school: str | None
    question: str
    status: str
    seconds: float | None = None
    report: str | None = None
    error: str = ""

    def __post_init__(self):
        if self.status not in JOB_STATUSES:
            raise ParameterError("status", self.status, list(JOB_STATUSES))

    @property
    def school_label(self) -> str:
        """The school's name, or "All schools" for a district-wide job."""
        return self.school or ALL_SCHOOLS


def render_index(jobs: Iterable[JobRecord | Mapping], out_html: str | os.PathLike, title: str, *,
                 school_year: int | None = None, made: datetime | str | None = None) -> Path:
    """Write a meeting pack's index page: every report by district, school and question.

    Parameters
    ----------
    jobs
        :class:`JobRecord` objects (or mappings of their fields); ``report`` paths relative to the index.
    out_html
        Where to write the index; written atomically.
    title
        The page's heading (the pack's name).
    school_year
        The pack's school year (``2025`` is shown as 2024-25), if it has one.
    made
        When the pack was run (default: now).

    Returns
    -------
    Path
        ``out_html``.

    Examples
    --------
    >>> import tempfile
    >>> jobs = [JobRecord("fresno", None, "Math", "ok", 3.25, "fresno/all/math.html"),
    ...         JobRecord("fresno", "Sample Oak", "Math", "failed", 1.0, None, "KeyError: 'school'")]
    >>> text = render_index(jobs, Path(tempfile.mkdtemp()) / "index.html", "March pack").read_text()
    >>> '<a href="fresno/all/math.html">' in text, "3.2 s" in text, "Failed" in text
    (True, True, True)
    """
    records = [job if isinstance(job, JobRecord) else JobRecord(**job) for job in jobs]
    for job in records:
        if job.report and (Path(job.report).is_absolute() or re.match(r"^[a-z][a-z0-9+.-]*:", job.report, re.IGNORECASE)):
            raise ReportError(f"the index must link reports by relative path, not {job.report!r}")
    questions = list(dict.fromkeys(job.question for job in records))
    districts = []
    for district in dict.fromkeys(job.district for job in records):
        cells = {(job.school_label, job.question): job for job in records if job.district == district}
        schools = sorted({school for school, _ in cells}, key=lambda s: (s != ALL_SCHOOLS, s))
        rows = [{"school": school, "cells": [_index_cell(cells.get((school, q))) for q in questions]} for school in schools]
        districts.append({"name": DISTRICTS.get(district, {}).get("name", district), "rows": rows})
    counts = [(label, sum(job.status == status for job in records)) for status, label in JOB_STATUSES.items()]
    environment = Environment(loader=FileSystemLoader(TEMPLATES / REPORT_TEMPLATE), autoescape=True)
    html = environment.get_template(INDEX_TEMPLATE).render(
        title=title, school_year=None if school_year is None else school_year_label(school_year),
        jobs=records, questions=questions, districts=districts, counts=counts,
        status_labels=JOB_STATUSES, made=format_time(made or datetime.now(timezone.utc)), version=__version__,
    )
    _refuse_external_references(html, "index")
    return write_atomic(out_html, html)


def _index_cell(job: JobRecord | None) -> dict | None:
    if job is None:
        return None
    error = job.error.strip().splitlines()[0][:160] if job.error.strip() else ""
    return {**asdict(job), "error": error, "report": Path(job.report).as_posix() if job.report else None}
