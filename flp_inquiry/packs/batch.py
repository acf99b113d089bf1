"""Running a meeting pack: every job in parallel, only when something changed, and its index.

A pack (:mod:`flp_inquiry.packs.pack`) expands to one job per district x question x school.  A job
is skipped when its notebook, parameters, harmonised data (every district's ``manifest.json``:
reports set the partner beside) and the package (its version and the hash of its code and report
templates) are the same as at its last good run (kept in ``<output>/_state.json``).

Output layout::

    <output>/index.html
    <output>/<district>/<question>/<school slug, or "district">.html
    <output>/_executed/<district>/<question>/<slug>.ipynb   (failed jobs too, with the error)
    <output>/_logs/<district>/<question>/<slug>.log
    <output>/_cache/extracts/<partner>_<year>.csv   (the partners' aggregate extracts, made before the jobs)
    <output>/_state.json

A job that fails keeps the report of its last good run, if it has one: the index marks it
stale, says when it was made and that the latest run did not make it again.  The job runs
again next time.  Nothing a run writes is beside the data: the partners' extracts that
reports set beside a district are made under the output before any job runs, and the jobs
only read them (:func:`prepare_partner_extracts`).
"""
from __future__ import annotations

import hashlib
import importlib
import json
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Collection, Mapping

import flp_inquiry
from flp_inquiry.errors import FlpInquiryError
from flp_inquiry.inquiry.questions import ALL_SCHOOLS, question_title
from flp_inquiry.measures.extract_files import PACK_EXTRACTS_VARIABLE
from flp_inquiry.measures.state_context import STATE_FILES_VARIABLE
from flp_inquiry.packs.pack import Job, Pack, PackError, expand_pack, find_questions, inside, load_pack

STATE_FILE = "_state.json"
#: Where a run writes the partners' aggregate extracts its reports read (inside its output folder).
EXTRACTS_CACHE = "_cache/extracts"
#: ``0`` turns off the district-wide work a run's kernel template does once for all its school reports.
SHARED_WORK_VARIABLE = "FLP_INQUIRY_SHARED_WORK"
INDEX_FILE = "index.html"
#: Statuses that count as success.
GOOD_STATUSES = ("ok", "skipped-unchanged")
#: Seconds between saves of the run's state while jobs finish (always saved at the end).
_STATE_SAVE_SECONDS = 2.0

@dataclass
class JobResult:
    """How a job ended: ``ok``, ``failed``, ``skipped-unchanged`` or ``interrupted``."""

    job: Job
    status: str
    seconds: float = 0.0
    error: str = ""
    report: Path | None = None
    #: For a job that did not end well but kept the report of its last good run: when that was (ISO time).
    stale_report_made: str | None = None

    @property
    def ok(self) -> bool:
        """True for a job that ran well or did not need to run."""
        return self.status in GOOD_STATUSES


@dataclass
class PackSummary:
    """The outcome of :func:`run_pack`: one result per job, and problems with the run itself."""

    title: str
    output: Path
    results: list[JobResult]
    problems: list[str] = field(default_factory=list)
    interrupted: bool = False
    seconds: float = 0.0
    titles: Mapping = field(default_factory=dict, repr=False)
    #: The privacy audit of each district (:mod:`flp_inquiry.packs.audit_pack`), and its seconds.
    audits: list = field(default_factory=list)
    seconds_audit: float = 0.0
    #: Each round of the audit's protection: the jobs it ran again, and their seconds.
    protection_rounds: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every job ran well or was unchanged and the run finished."""
        return not self.interrupted and not self.problems and all(result.ok for result in self.results)

    def counts(self) -> dict[str, int]:
        """How many jobs ended with each status."""
        counts: dict[str, int] = {}
        for result in self.results:
            counts[result.status] = counts.get(result.status, 0) + 1
        return counts

    def table(self) -> str:
        """A plain-text table of every job, failures first, then the totals."""
        rows = sorted(self.results, key=lambda result: (result.ok, result.job.key))
        width = max([len(result.job.key) for result in rows] + [3])
        lines = [f"{'job':<{width}}  {'status':<17}  {'seconds':>7}  error"]
        for result in rows:
            error = result.error.strip().splitlines()[0][:100] if result.error.strip() else ""
            lines.append(f"{result.job.key:<{width}}  {result.status:<17}  {result.seconds:7.1f}  {error}")
        totals = ", ".join(f"{n} {status}" for status, n in sorted(self.counts().items()))
        lines.append(f"{len(self.results)} jobs ({totals}) in {self.seconds:.1f} s; reports in {self.output}")
        lines.extend(f"problem: {problem}" for problem in self.problems)
        if self.interrupted:
            lines.append("stopped before the end: run the same command again to finish the jobs not done")
        return "\n".join(lines)


def job_fingerprint(notebook_sha256: str, parameters: Mapping, data_sha256: str, kernel: str,
                    version: str = flp_inquiry.__version__) -> str:
    """The hash that says whether a job must run again: notebook, parameters, data, kernel, package version.

    >>> a = job_fingerprint("n1", {"district": "fresno"}, "d1", "flp-inquiry")
    >>> a == job_fingerprint("n1", {"district": "fresno"}, "d1", "flp-inquiry"), a == job_fingerprint("n2", {"district": "fresno"}, "d1", "flp-inquiry")
    (True, False)
    """
    text = json.dumps({"notebook": notebook_sha256, "parameters": dict(parameters), "data": data_sha256,
                       "kernel": kernel, "version": version}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def code_fingerprint() -> str:
    """The package version and a hash of the code and templates that make a report.

    A fix to a metric, a chart or the report template re-makes the reports it touches,
    even before the version number moves.

    >>> code_fingerprint().startswith(flp_inquiry.__version__ + "+")
    True
    """
    package = Path(flp_inquiry.__file__).parent
    files = sorted(p for p in [*package.rglob("*"), *(flp_inquiry.TEMPLATES / "report").rglob("*")]
                   if p.is_file() and p.suffix in {".py", ".yaml", ".csv", ".j2", ".css", ".json"})
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode("utf-8") + path.read_bytes())
    return f"{flp_inquiry.__version__}+{digest.hexdigest()[:16]}"


def longest_first(jobs: list[Job], state: Mapping) -> list[Job]:
    """The order to hand jobs to workers: the longest at their last good run first, new jobs before all.

    With the short jobs last, workers run out of work at nearly the same moment
    instead of one waiting on a long job that started late.

    >>> jobs = [Job("fresno", q, "all", "district", Path(f"{q}.ipynb"), {}) for q in ("a", "b", "c", "d")]
    >>> state = {"fresno/a/district": {"seconds": 0.5}, "fresno/b/district": {"seconds": 1.2},
    ...          "fresno/d/district": {"seconds": 0.5}}
    >>> [job.question for job in longest_first(jobs, state)]
    ['c', 'b', 'a', 'd']
    """
    def last_seconds(job: Job) -> float:
        seconds = (state.get(job.key) or {}).get("seconds")
        return float(seconds) if isinstance(seconds, (int, float)) else float("inf")

    return sorted(jobs, key=last_seconds, reverse=True)  # stable: equal times keep the pack's order


def read_state(output: Path) -> dict:
    """The last good run of each job (``{key: {"fingerprint": ..., ...}}``); empty if none or unreadable.

    A job whose latest run failed but whose last good report is kept has no
    fingerprint (it runs again), only when that report was made (``finished``).

    >>> read_state(Path("/nonexistent"))
    {}
    """
    try:
        state = json.loads((Path(output) / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state.get("jobs", {}) if isinstance(state, dict) else {}


def run_pack(pack: str | Path | Mapping | Pack, *, workers: int | None = None, force: bool = False,
             executor: str = "local", scheduler: str | None = None, progress: bool = True,
             allowed: Mapping[str, Mapping[str, Collection]] | None = None, audit: bool = True) -> PackSummary:
    """Run a meeting pack: check every job, skip unchanged ones, run the rest in parallel, write the reports.

    Parameters
    ----------
    pack
        A pack file, a mapping of its keys, or a :class:`Pack`.
    workers
        Local worker processes (default: one per core).
    force
        Run every job even when nothing changed since its last good run.
    executor, scheduler
        ``"local"``, or ``"dask"`` with the scheduler's address.
    progress
        Show a progress bar and a line per failed job on standard error.
    allowed
        Allowed parameter values by district, instead of reading them from the harmonised data.
    audit
        The privacy audit at the end (:mod:`flp_inquiry.packs.audit_run`); ``False`` only to measure
        a run without it (``benchmarks/bench_audit.py``): the index then says it was not run.

    Returns
    -------
    PackSummary
        ``.ok`` is False if any job failed, the run was stopped, or the index or state could not be written.

    Raises
    ------
    PackError, ParameterError
        The pack or a value in it is wrong (nothing has run), or the output folder cannot be written.
    """
    from flp_inquiry.packs.kernels import start_template_for

    started = time.monotonic()
    pack = pack if isinstance(pack, Pack) else load_pack(pack)
    # Local kernels are forked from a template that imports pandas, Altair and this package, and reads
    # the districts, once; it starts first, on another core, while this process imports the runner and
    # checks the jobs (flp_inquiry.packs.kernels).
    template = None
    if executor == "local":
        template = start_template_for(pack.kernel, [(d, os.path.abspath(pack.data)) for d in pack.districts],
                                      shared_work=_shared_work(pack))
    try:
        from flp_inquiry.packs.executors import check_executor

        check_executor(executor, scheduler)

        def run(force_keys: Collection[str] = (), before_jobs=None) -> PackSummary:
            return _run_loaded_pack(pack, started, workers=workers, force=force and not force_keys, executor=executor,
                                    scheduler=scheduler, progress=progress, allowed=allowed, template=template,
                                    force_keys=set(force_keys), before_jobs=before_jobs)
        if not audit:
            summary = run()
            _write_index(pack, summary.output, summary.results, summary.titles, summary.problems, [])
            return summary
        return _run_audited(pack, run)
    finally:
        if template is not None:
            template.close()


def _shared_work(pack: Pack) -> dict:
    """What the kernel template works out once for the pack's reports (:mod:`flp_inquiry.inquiry.shared_work`).

    Nothing with ``FLP_INQUIRY_SHARED_WORK=0`` (:data:`SHARED_WORK_VARIABLE`): each report then works out
    its district's figures itself, as before (the benchmark runs both).

    >>> pack = Pack("t", 2025, ("fresno",), ("common_metrics",), ["all"], Path("/packs/march"))
    >>> _shared_work(pack)["questions"], _shared_work(pack)["extracts_dir"]
    (['common_metrics'], '/packs/march/_cache/extracts')
    """
    if os.environ.get(SHARED_WORK_VARIABLE, "1") == "0":
        return {}
    try:
        questions = [path.stem for path in find_questions(pack)]
    except FlpInquiryError:  # the run says so as it checks the pack
        return {}
    return {"school_year": pack.school_year, "questions": questions,
            "extracts_dir": str(inside(Path(os.path.abspath(pack.output)), EXTRACTS_CACHE))}


def _run_loaded_pack(pack: Pack, started: float, *, workers, force, executor, scheduler, progress, allowed,
                     template, force_keys: Collection[str] = (), before_jobs=None) -> PackSummary:
    from tqdm import tqdm

    from flp_inquiry.packs.executors import run_jobs
    from flp_inquiry.packs.job_spec import JobSpec

    jobs = expand_pack(pack, allowed)
    output = Path(os.path.abspath(pack.output))
    _check_writable(output)
    state = read_state(output)
    manifests = {district: _manifest(pack.data, district) for district in pack.districts}
    notebook_hashes = {job.notebook: _sha256(job.notebook.read_bytes()) for job in jobs}
    # a report may set its district beside the partner's figures, so any district's new data re-runs it
    from flp_inquiry.ingest.catalog import harmonised_districts

    # (every district harmonised there, never a hidden .partial or .old folder a killed harmonise left)
    partnership = _sha256(("".join(_manifest(pack.data, name)[0] for name in harmonised_districts(Path(pack.data)))
                           + "".join(_sha256(Path(f).read_bytes()) for f in pack.state_files)).encode("utf-8"))
    code = code_fingerprint()
    fingerprints = {job.key: job_fingerprint(notebook_hashes[job.notebook], job.parameters,
                                             partnership, pack.kernel, version=code) for job in jobs}
    results: dict[str, JobResult] = {}
    to_run: list[Job] = []
    for job in jobs:
        if not force and job.key not in force_keys and _unchanged(job, output, state.get(job.key), fingerprints[job.key]):
            results[job.key] = JobResult(job, "skipped-unchanged", report=job.report_path(output))
        else:
            to_run.append(job)

    to_run = longest_first(to_run, state)
    if before_jobs is not None:  # (the pack is checked and its output writable: the audit keeps the last good run)
        before_jobs(output)
    titles = {job.notebook: question_title(job.notebook) for job in jobs}
    made = datetime.now(timezone.utc).isoformat(timespec="seconds")
    problems: list[str] = []
    environment = {}
    if to_run:  # (nothing to run: no extract is needed, and no pandas imported for it)
        environment[PACK_EXTRACTS_VARIABLE] = str(prepare_partner_extracts(pack, output, problems))
    if pack.state_files:  # California's figures, for the reports to set beside the districts'
        environment[STATE_FILES_VARIABLE] = os.pathsep.join(os.path.abspath(f) for f in pack.state_files)
    from flp_inquiry.packs.audit_pack import HIDE_VARIABLE, hidden_figures_path

    hidden_files = {district: hidden_figures_path(output, district) for district in pack.districts}
    specs = [JobSpec(job.key, job.notebook.name, job.parameters, pack.kernel, pack.timeout, os.getcwd(),
                     _header(job, titles[job.notebook], manifests[job.district][1], made),
                     # the figures the pack's privacy audit hides beyond the rule (flp_inquiry.packs.audit_pack)
                     {**environment, **({HIDE_VARIABLE: str(hidden_files[job.district])}
                                        if hidden_files[job.district].is_file() else {})})
             for job in to_run]
    sources = {job.notebook.name: job.notebook.read_text(encoding="utf-8") for job in to_run}
    by_key = {job.key: job for job in to_run}
    bar = tqdm(total=len(to_run), unit="job", disable=not progress or not to_run, desc=pack.title[:30])
    last_saved = time.monotonic()

    def record(outcome) -> None:
        nonlocal last_saved
        job = by_key[outcome.key]
        result = _store_outcome(job, outcome, output)
        if result.status == "ok":
            state[job.key] = {"fingerprint": fingerprints[job.key], "seconds": round(result.seconds, 2),
                              "finished": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        else:
            # no fingerprint: it runs again next time; its last good report stays, marked stale
            last_good = state.pop(job.key, None) or {}
            kept = _last_good_report(job, output, last_good)
            if kept is not None:
                state[job.key] = {**({"seconds": last_good["seconds"]} if "seconds" in last_good else {}),
                                  "finished": kept, "latest_failed": made}
                result.stale_report_made = kept
            if progress and result.status == "failed":
                bar.write(f"FAILED {job.key}: {result.error.strip().splitlines()[0] if result.error.strip() else ''}"
                          f" (log: {job.log_path(output)})")
        results[job.key] = result
        bar.update(1)
        if time.monotonic() - last_saved > _STATE_SAVE_SECONDS:
            _save_state(output, state, problems)
            last_saved = time.monotonic()

    interrupted = False
    # The index is written from the report module's templates: import it while the jobs run, not after.
    threading.Thread(target=importlib.import_module, args=("flp_inquiry.packs.report",), daemon=True).start()
    try:
        run_jobs(specs, sources, record, executor=executor, workers=workers, scheduler=scheduler, template=template)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.close()
        _save_state(output, state, problems)
        ordered = [results.get(job.key) or _not_run(job, output, state) for job in jobs]
        _write_index(pack, output, ordered, titles, problems)
    return PackSummary(pack.title, output, ordered, problems, interrupted, time.monotonic() - started, titles=titles)


def _run_audited(pack: Pack, run) -> PackSummary:
    """The run, then its privacy audit; a district whose audit fails gets its last good reports back (:mod:`audit_run`)."""
    from flp_inquiry.ingest.catalog import harmonised_districts
    from flp_inquiry.packs.audit_run import (
        PreviousReports,
        RunHooks,
        audit_and_protect,
        data_fingerprint,
        start_hidden_figures,
    )

    kept: dict = {}

    def keep_last_good_run(output: Path) -> None:
        fingerprint = data_fingerprint(Path(pack.data), harmonised_districts(Path(pack.data)), pack.state_files)
        start_hidden_figures(output, pack.districts, fingerprint)
        kept.update(state=read_state(output), previous=PreviousReports.keep(output, pack.districts),
                    fingerprint=fingerprint)

    try:
        summary = run(before_jobs=keep_last_good_run)
        if summary.interrupted:
            return summary
        output = summary.output
        hooks = RunHooks(
            rerun=run, prepare_extracts=lambda problems: prepare_partner_extracts(pack, output, problems),
            extract_year=lambda district: _extract_year(pack, district),
            withdraw=lambda last, keys, error, _: _withdraw(output, last, keys, error, kept["state"]),
            write_index=lambda last, audits: _write_index(pack, output, last.results, last.titles, last.problems, audits))
        return audit_and_protect(pack, summary, hooks, kept["previous"], kept["fingerprint"])
    finally:
        if "previous" in kept:
            kept["previous"].discard()


def _withdraw(output: Path, summary: PackSummary, keys: Collection[str], error: str, previous_state: Mapping) -> None:
    """These jobs failed (the audit of their district did not pass): their last good report kept, stale; run next time."""
    state = read_state(output)
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    for result in summary.results:
        if result.job.key not in keys:
            continue
        before = previous_state.get(result.job.key) or {}
        kept = before.get("finished") if result.job.report_path(output).is_file() else None
        state.pop(result.job.key, None)
        if kept is not None:
            state[result.job.key] = {**({"seconds": before["seconds"]} if "seconds" in before else {}),
                                     "finished": kept, "latest_failed": now}
        result.status, result.error, result.stale_report_made, result.report = "failed", error, kept, None
    _save_state(output, state, summary.problems)


def _extract_year(pack: Pack, district: str) -> int | None:
    """The year of the district's extract the pack publishes (its partner's reports read it), ``None`` if none."""
    from flp_inquiry.codes import partner_of

    return pack.school_year if partner_of(district) in pack.districts else None


def prepare_partner_extracts(pack: Pack, output: Path, problems: list[str]) -> Path:
    """Write, under the pack's output, the aggregate extracts its reports set beside each district.

    For each district's partner (:func:`flp_inquiry.codes.partner_of`) harmonised into the
    pack's data: unless an extract made from its data as it is now is already in the
    pack's cache or beside the data (:func:`flp_inquiry.measures.extract_files.extract_folders`),
    it is built and written to ``<output>/_cache/extracts``, before any job runs.  The
    jobs only read it, so a data folder whose parent is read-only still gives reports.
    A partner not harmonised here is left to an extract beside the data, if one was put
    there.  An extract that cannot be made is one of the run's problems; the reports
    that need it then work it out in memory, and fail with the same reason.

    Returns
    -------
    Path
        The cache folder (given to the jobs' kernels, :data:`flp_inquiry.measures.extract_files.PACK_EXTRACTS_VARIABLE`).
    """
    from flp_inquiry.codes import partner_of
    from flp_inquiry.ingest.catalog import MANIFEST
    from flp_inquiry.measures.extract_files import extract_folders, is_current

    cache = inside(output, EXTRACTS_CACHE)
    data = Path(os.path.abspath(pack.data))
    for partner in dict.fromkeys(partner_of(district) for district in pack.districts):
        if not (data / partner / MANIFEST).is_file():
            continue
        hidden = _extract_hidden_figures(output, partner)
        if hidden is None and any(is_current(partner, pack.school_year, data, folder)
                                  for folder in extract_folders(data, cache)):
            continue
        try:
            from flp_inquiry.measures.extract import ensure_extract, write_extract

            if hidden is not None:  # the pack's privacy audit hides some of its figures beyond the rule
                if not _extract_hides(cache, partner, pack.school_year, hidden) or not is_current(
                        partner, pack.school_year, data, cache):
                    write_extract(partner, pack.school_year, data=data, out=cache, hidden_figures=hidden)
                continue
            ensure_extract(partner, pack.school_year, data=data, out=cache)
        except (FlpInquiryError, OSError) as err:
            problems.append(f"could not write {partner}'s aggregate extract for {pack.school_year} in {cache}: {err}")
    return cache


def _extract_hidden_figures(output: Path, district: str) -> frozenset | None:
    """The figures the pack's privacy audit hides in a district's figures, ``None`` for none."""
    from flp_inquiry.packs.audit_pack import read_hidden_figures

    figures = frozenset(tuple(figure) for figure in read_hidden_figures(output, district))
    return figures or None


def _extract_hides(cache: Path, district: str, year: int, figures: frozenset) -> bool:
    """Whether the pack's cached extract of ``district`` was written with exactly ``figures`` hidden."""
    from flp_inquiry.measures.extract import hidden_figures_hash
    from flp_inquiry.measures.extract_files import extract_paths

    try:
        manifest = json.loads(extract_paths(district, year, cache)[1].read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("hidden_figures_sha256") == hidden_figures_hash(figures)


def _last_good_report(job: Job, output: Path, last_good: Mapping | None) -> str | None:
    """When the job's report from its last good run was made (ISO time), if that report is still there."""
    path = job.report_path(output)
    if not path.is_file():
        return None
    finished = (last_good or {}).get("finished")
    if isinstance(finished, str) and finished:
        return finished
    return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).isoformat(timespec="seconds")


def _not_run(job: Job, output: Path, state: Mapping) -> JobResult:
    """A job the run stopped before it handed out: its last good report stays, stale."""
    result = JobResult(job, "interrupted", error="not run: the run was stopped before this job")
    result.stale_report_made = _last_good_report(job, output, state.get(job.key))
    return result


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _manifest(data: Path, district: str) -> tuple[str, dict]:
    """The hash of a district's harmonised manifest (``"none"`` if missing) and the manifest itself."""
    try:
        raw = (data / district / "manifest.json").read_bytes()
    except OSError:
        return "none", {}
    try:
        return _sha256(raw), json.loads(raw)
    except ValueError:
        return _sha256(raw), {}


def _check_writable(output: Path) -> None:
    try:
        output.mkdir(parents=True, exist_ok=True)
        probe = output / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise PackError(f"cannot write to the output folder {output}: {err.strerror}") from err


def _unchanged(job: Job, output: Path, last_good: Mapping | None, fingerprint: str) -> bool:
    if not last_good or last_good.get("fingerprint") != fingerprint:
        return False
    # A deleted report or executed notebook is made again.
    return job.executed_path(output).is_file() and job.report_path(output).is_file()


def _header(job: Job, title: str, manifest: Mapping, made: str) -> dict:
    return {"district": job.district, "question": title, "school_year": job.parameters.get("school_year", ""),
            "data_as_of": manifest.get("created_utc") or made,
            "school": None if job.school == ALL_SCHOOLS else job.school, "made": made}


def _store_outcome(job: Job, outcome, output: Path) -> JobResult:
    """Write what a worker made; a file that cannot be written fails this job only."""
    from flp_inquiry.files import write_atomic

    status, error = outcome.status, outcome.error
    report = None
    try:
        if outcome.executed is not None:
            write_atomic(job.executed_path(output), outcome.executed)
        write_atomic(job.log_path(output), outcome.log)
        if status == "ok" and outcome.report_html is not None:
            report = write_atomic(job.report_path(output), outcome.report_html)
        # (a failed job keeps the report of its last good run: the index marks it stale)
    except OSError as err:
        status, error = "failed", f"could not write the job's files in {output}: {err}"
    return JobResult(job, status, outcome.seconds, error, report)


def _save_state(output: Path, state: dict, problems: list[str]) -> None:
    from flp_inquiry.files import write_atomic

    text = json.dumps({"package_version": flp_inquiry.__version__, "jobs": state}, indent=1, sort_keys=True)
    try:
        write_atomic(output / STATE_FILE, text)
    except OSError as err:
        problems.append(f"could not save the run's state in {output / STATE_FILE} ({err}); "
                        "the next run will redo these jobs")


def _write_index(pack: Pack, output: Path, results: list[JobResult], titles: Mapping[Path, str],
                 problems: list[str], audits: list | None = None) -> None:
    from flp_inquiry.packs.index import JOB_STATUSES, JobRecord, render_index

    if audits is not None:
        from flp_inquiry.packs.audit_pack import privacy_note

    records = []
    for result in results:
        status = result.status if result.status in JOB_STATUSES else "failed"
        report = result.report.relative_to(output).as_posix() if result.report and result.ok else None
        if not result.ok and result.stale_report_made:
            status, report = "stale", result.job.report_path(output).relative_to(output).as_posix()
        records.append(JobRecord(result.job.district, None if result.job.school == ALL_SCHOOLS else result.job.school,
                                 titles[result.job.notebook], status, round(result.seconds, 1), report, result.error,
                                 school_code=result.job.school_code, made=result.stale_report_made))
    try:
        render_index(records, output / INDEX_FILE, pack.title, school_year=pack.school_year,
                     privacy=privacy_note(audits) if audits is not None else None)
    except (OSError, FlpInquiryError) as err:
        problems.append(f"could not write the index {output / INDEX_FILE}: {err}")
