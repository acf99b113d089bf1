"""One job of a meeting pack as plain data: what a worker needs to run it, and what it hands back.

Plain dataclasses, so a job travels to another process or machine, and so the process that starts
a run (:mod:`flp_inquiry.packs.executors`) and the workers (:mod:`flp_inquiry.packs.jobs`) share them
without importing each other.
"""
from __future__ import annotations

from dataclasses import dataclass, field

#: Seconds a kernel may take to start before its job fails.
KERNEL_START_SECONDS = 60


@dataclass(frozen=True)
class JobSpec:
    """What a worker needs to run one job; plain data, so it travels to another process or machine.

    ``header`` is the report header (see :class:`flp_inquiry.packs.report.ReportHeader`),
    or ``None`` for no report.  ``environment`` holds variables the job's kernel finds
    in its environment besides the worker's own (the folder of the run's partner extracts).
    """

    key: str
    notebook_name: str
    parameters: dict
    kernel_name: str = "flp-inquiry"
    timeout: float = 600.0
    cwd: str | None = None
    header: dict | None = None
    environment: dict = field(default_factory=dict)


@dataclass
class JobOutcome:
    """What a worker hands back: the status and the files' contents, not yet written anywhere."""

    key: str
    status: str
    seconds: float
    error: str = ""
    executed: str | None = None
    log: str = ""
    report_html: str | None = None
