"""A meeting pack's index page: every report by district, school and question, and how each job ended.
"""
from __future__ import annotations

import os
import re
from collections import Counter
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
#: Job statuses a pack's index shows, and the words it shows them in (text, not colour).  ``stale``: the
#: latest run did not make the report again (it failed, or was stopped), and the last good one is kept.
JOB_STATUSES = {"ok": "OK", "failed": "Failed", "skipped-unchanged": "Unchanged (not re-run)",
                "stale": "Stale: the latest run failed"}
@dataclass(frozen=True)
class JobRecord:
    """One job of a meeting pack, as its index shows it.

    ``report`` is the report's path relative to the index (``None`` when no
    report was written); ``status`` is one of :data:`JOB_STATUSES`.  A school is
    told apart by ``school_code`` (its CDS code) where the data gives it: two
    schools of one name are two rows.  ``made`` is when a ``stale`` report was made.

    >>> JobRecord("fresno", None, "Math pathways", "ok", 12.5, "fresno/all/math.html").school_label
    'All schools'
    >>> JobRecord("fresno", None, "Math pathways", "done")
    Traceback (most recent call last):
    ...
    flp_inquiry.errors.ParameterError: status = 'done' is not allowed. Allowed values: ok, failed, skipped-unchanged, stale
    """

    district: str
    school: str | None
    question: str
    status: str
    seconds: float | None = None
    report: str | None = None
    error: str = ""
    school_code: str | None = None
    made: str | None = None

    def __post_init__(self):
        if self.status not in JOB_STATUSES:
            raise ParameterError("status", self.status, list(JOB_STATUSES))

    @property
    def school_label(self) -> str:
        """The school's name, or "All schools" for a district-wide job."""
        return self.school or ALL_SCHOOLS


def render_index(jobs: Iterable[JobRecord | Mapping], out_html: str | os.PathLike, title: str, *,
                 school_year: int | None = None, made: datetime | str | None = None,
                 privacy: Mapping | None = None) -> Path:
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
    privacy
        The pack's privacy audit (:func:`flp_inquiry.packs.audit_pack.privacy_note`): its ``sentence`` is shown.

    Returns
    -------
    Path
        ``out_html``.

    Examples
    --------
    >>> import tempfile
    >>> jobs = [JobRecord("fresno", None, "Math", "ok", 3.25, "fresno/all/math.html"),
    ...         JobRecord("fresno", "Sample Oak", "Math", "failed", 1.0, None, "KeyError: 'school'"),
    ...         JobRecord("fresno", "Sample Elm", "Math", "stale", 1.0, "fresno/math/sample-elm.html",
    ...                   "ValueError: no", made="2025-03-01T17:00:00+00:00")]
    >>> text = render_index(jobs, Path(tempfile.mkdtemp()) / "index.html", "March pack").read_text()
    >>> '<a href="fresno/all/math.html">' in text, "3.2 s" in text, "Failed" in text
    (True, True, True)
    >>> "Made March 1, 2025, 9:00 AM PST; the latest run did not make it again: ValueError: no" in text
    True
    """
    records = [job if isinstance(job, JobRecord) else JobRecord(**job) for job in jobs]
    for job in records:
        if job.report and (Path(job.report).is_absolute() or re.match(r"^[a-z][a-z0-9+.-]*:", job.report, re.IGNORECASE)):
            raise ReportError(f"the index must link reports by relative path, not {job.report!r}")
    questions = list(dict.fromkeys(job.question for job in records))
    districts = []
    for district in dict.fromkeys(job.district for job in records):
        # a row per school, by its code where known: two schools of one name are two rows
        cells = {(_school_key(job), job.question): job for job in records if job.district == district}
        labels = _row_labels([job for job in records if job.district == district])
        schools = sorted({school for school, _ in cells}, key=lambda key: (key != (ALL_SCHOOLS, None), labels[key], key))
        rows = [{"school": labels[school], "cells": [_index_cell(cells.get((school, q))) for q in questions]}
                for school in schools]
        districts.append({"name": DISTRICTS.get(district, {}).get("name", district), "rows": rows})
    counts = [(label, sum(job.status == status for job in records)) for status, label in JOB_STATUSES.items()]
    counts = [(label, count) for label, count in counts if count or label != JOB_STATUSES["stale"]]  # (rare: only when there are)
    environment = Environment(loader=FileSystemLoader(TEMPLATES / REPORT_TEMPLATE), autoescape=True)
    html = environment.get_template(INDEX_TEMPLATE).render(
        title=title, school_year=None if school_year is None else school_year_label(school_year),
        jobs=records, questions=questions, districts=districts, counts=counts,
        status_labels=JOB_STATUSES, made=format_time(made or datetime.now(timezone.utc)), version=__version__,
        privacy=privacy,
    )
    _refuse_external_references(html, "index")
    return write_atomic(out_html, html)


def _school_key(job: JobRecord) -> tuple[str, str | None]:
    return job.school_label, job.school_code


def _row_labels(records: list[JobRecord]) -> dict[tuple[str, str | None], str]:
    """Each school row's name; a name two schools share is followed by each one's school code.

    >>> _row_labels([JobRecord("f", "Lincoln", "Q", "ok", school_code="10621660801234"),
    ...              JobRecord("f", "Lincoln", "Q", "ok", school_code="10621660805678")])
    {('Lincoln', '10621660801234'): 'Lincoln (school 0801234)', ('Lincoln', '10621660805678'): 'Lincoln (school 0805678)'}
    """
    keys = list(dict.fromkeys(_school_key(job) for job in records))
    named = Counter(label for label, _ in keys)
    return {(label, code): f"{label} (school {code[-7:]})" if named[label] > 1 and code else label
            for label, code in keys}


def _index_cell(job: JobRecord | None) -> dict | None:
    if job is None:
        return None
    error = job.error.strip().splitlines()[0][:160] if job.error.strip() else ""
    if job.status == "stale":
        made = format_time(job.made) if job.made else "at an earlier run"
        error = f"Made {made}; the latest run did not make it again" + (f": {error}" if error else "")
    return {**asdict(job), "error": error, "report": Path(job.report).as_posix() if job.report else None}
