"""Meeting packs: every question for every district and school, run in parallel, only when something changed.

A pack is a YAML file (see ``packs/sample.yaml``)::

    title: March partnership meeting
    school_year: 2025
    districts: [fresno, long_beach]
    questions: all                 # or a list of notebook names in notebooks/, without .ipynb
    schools: [all]                 # "all" alone: the district and every school;
                                   # a list: those schools ("all" in it: the district-wide report);
                                   # a mapping by district of either
    output: build/packs/march
    # optional: notebooks (notebooks), data (build/harmonised), timeout (600 s per notebook),
    #           kernel (flp-inquiry), parameters (more values, for the notebooks that have them)

Relative paths are read from the folder the command runs in.  On the command
line, ``-p NAME VALUE`` sets a value over the pack's (``-p school_year 2024``
runs it for another year) and ``--output`` another folder (:func:`with_command_line`).
The pack expands to one job per district x question x school; every value is checked
against each notebook's ``parameters`` cell and the district's data before
anything runs.  A job is skipped when its notebook, parameters, harmonised
data (every district's ``manifest.json``: reports set the partner beside) and the package (its version and
the hash of its code and report templates) are the same
as at its last good run (kept in ``<output>/_state.json``).

Output layout::

    <output>/index.html
    <output>/<district>/<question>/<school slug, or "district">.html
    <output>/_executed/<district>/<question>/<slug>.ipynb   (failed jobs too, with the error)
    <output>/_logs/<district>/<question>/<slug>.log
    <output>/_state.json
"""
from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import os
import re
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Collection, Mapping

import yaml

import flp_inquiry
from flp_inquiry.errors import FlpInquiryError, ParameterError
from flp_inquiry.questions import ALL_SCHOOLS, allowed_values, check_parameters, check_value, notebook_parameters, \
    question_title, value_from_text

STATE_FILE = "_state.json"
INDEX_FILE = "index.html"
#: Set in every notebook that declares them: a rendered report has no live kernel behind its widgets.
BATCH_PARAMETERS = {"show_widgets": False}

#: The slug of a district-wide report.
DISTRICT_SLUG = "district"
#: The parameters a pack fills in for each job, when the notebook declares them, and where they come from.
JOB_PARAMETERS = {"district": "its districts", "school_year": "its school_year", "school": "its schools",
                  "data_dir": "its data",
                  **{name: "the run: a report has no live kernel behind it" for name in BATCH_PARAMETERS}}
#: Statuses that count as success.
GOOD_STATUSES = ("ok", "skipped-unchanged")
_PACK_KEYS = {"title", "school_year", "districts", "questions", "schools", "output", "notebooks", "data",
              "timeout", "kernel", "parameters"}
_QUESTION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
#: Seconds between saves of the run's state while jobs finish (always saved at the end).
_STATE_SAVE_SECONDS = 2.0


class PackError(FlpInquiryError):
    """A pack file is wrong, or its output folder cannot be used; the message names the file and key."""


@dataclass(frozen=True)
class Pack:
    """A meeting pack, as read from its YAML file (see the module's documentation)."""

    title: str
    school_year: int
    districts: tuple[str, ...]
    questions: tuple[str, ...] | None
    schools: object
    output: Path
    notebooks: Path = Path("notebooks")
    data: Path = Path("build/harmonised")
    timeout: float = 600.0
    kernel: str = "flp-inquiry"
    parameters: dict = field(default_factory=dict)
    #: Values typed on the command line (``-p NAME VALUE``), read as each notebook declares them; over ``parameters``.
    command_line: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Job:
    """One notebook run: a district, a question and a school (``"all"`` for the district)."""

    district: str
    question: str
    school: str
    slug: str
    notebook: Path
    parameters: dict = field(hash=False)

    @property
    def key(self) -> str:
        """``district/question/slug``: the job's name in logs, state and output paths."""
        return f"{self.district}/{self.question}/{self.slug}"

    def report_path(self, output: Path) -> Path:
        """Where the job's report for principals goes."""
        return inside(output, f"{self.key}.html")

    def executed_path(self, output: Path) -> Path:
        """Where the executed notebook goes (kept for failed jobs too)."""
        return inside(output, f"_executed/{self.key}.ipynb")

    def log_path(self, output: Path) -> Path:
        """Where the job's log goes."""
        return inside(output, f"_logs/{self.key}.log")


@dataclass
class JobResult:
    """How a job ended: ``ok``, ``failed``, ``skipped-unchanged`` or ``interrupted``."""

    job: Job
    status: str
    seconds: float = 0.0
    error: str = ""
    report: Path | None = None

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


def slugify(name: str) -> str:
    """A school or question name as a file name: lower-case letters, digits and hyphens.

    >>> slugify('O\\'Brien "Elementary"'), slugify("Édison K-8 / Annex"), slugify("../..")
    ('o-brien-elementary', 'edison-k-8-annex', 'school')
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug or "school"


def inside(output: Path, relative: str) -> Path:
    """``output / relative``, refused if it would lead outside ``output``.

    >>> inside(Path("/packs/march"), "fresno/q/district.html").as_posix()
    '/packs/march/fresno/q/district.html'
    >>> inside(Path("/packs/march"), "../../etc/passwd")
    Traceback (most recent call last):
    ...
    flp_inquiry.batch.PackError: the output path '../../etc/passwd' would be outside the output folder /packs/march
    """
    root = Path(os.path.abspath(output))
    path = Path(os.path.abspath(root / relative))
    if path != root and root not in path.parents:
        raise PackError(f"the output path {relative!r} would be outside the output folder {root}")
    return path


def load_pack(pack: str | Path | Mapping) -> Pack:
    """Read and check a pack file (or a mapping of the same keys).

    Examples
    --------
    >>> load_pack({"title": "March", "school_year": 2025, "districts": ["fresno"], "questions": "all",
    ...            "schools": ["all"], "output": "build/packs/march"}).output.as_posix()
    'build/packs/march'
    >>> load_pack({"title": "March", "school_year": 2025, "districts": ["fresno"], "schools": "all",
    ...            "output": "build/packs/march", "colour": "red"})
    Traceback (most recent call last):
    ...
    flp_inquiry.batch.PackError: pack: unknown key 'colour'; keys: data, districts, kernel, notebooks, output, parameters, questions, school_year, schools, timeout, title
    """
    where = "pack"
    if not isinstance(pack, Mapping):
        where = str(pack)
        try:
            pack = yaml.safe_load(Path(pack).read_text(encoding="utf-8"))
        except OSError as err:
            raise PackError(f"cannot read the pack file {where}: {err.strerror}") from err
        except yaml.YAMLError as err:
            raise PackError(f"{where} is not valid YAML: {err}") from err
        if not isinstance(pack, Mapping):
            raise PackError(f"{where} must be a mapping of keys (title, districts, questions, ...)")
    for key in pack:
        if key not in _PACK_KEYS:
            raise PackError(f"{where}: unknown key {key!r}; keys: {', '.join(sorted(_PACK_KEYS))}")
    for key in ("school_year", "districts", "output"):
        if key not in pack:
            raise PackError(f"{where}: the key {key!r} is missing")
    districts = pack["districts"]
    if isinstance(districts, str):
        districts = [districts]
    questions = pack.get("questions", "all")
    if not (questions == "all" or isinstance(questions, list) and all(isinstance(q, str) for q in questions)):
        raise PackError(f"{where}: questions must be 'all' or a list of notebook names")
    schools = pack.get("schools", [ALL_SCHOOLS])
    if isinstance(schools, Mapping):
        for district, entry in schools.items():
            _check_schools_entry(where, f"schools.{district}", entry)
    else:
        _check_schools_entry(where, "schools", schools)
    parameters = pack.get("parameters") or {}
    if not isinstance(parameters, Mapping):
        raise PackError(f"{where}: parameters must be a mapping of names to values")
    for name in parameters:
        if name in JOB_PARAMETERS:
            raise PackError(f"{where}: parameters: {name!r} is set by the pack itself, from {JOB_PARAMETERS[name]}")
    for name in ("output", "notebooks", "data"):
        if name in pack:
            check_value(name, str(pack[name]))  # no '..' steps in the pack's own folders either
    try:
        timeout = float(pack.get("timeout", 600))
    except (TypeError, ValueError) as err:
        raise PackError(f"{where}: timeout must be a number of seconds, not {pack.get('timeout')!r}") from err
    if timeout <= 0:
        raise PackError(f"{where}: timeout must be more than 0 seconds")
    return Pack(
        title=str(pack.get("title") or Path(str(pack["output"])).name),
        school_year=pack["school_year"],
        districts=tuple(str(d) for d in districts),
        questions=None if questions == "all" else tuple(questions),
        schools=dict(schools) if isinstance(schools, Mapping) else schools,
        output=Path(str(pack["output"])),
        notebooks=Path(str(pack.get("notebooks", "notebooks"))),
        data=Path(str(pack.get("data", "build/harmonised"))),
        timeout=timeout,
        kernel=str(pack.get("kernel", "flp-inquiry")),
        parameters=dict(parameters),
    )


def with_command_line(pack: Pack, values: Mapping[str, str], output: str | None = None) -> Pack:
    """The pack with what was typed on the command line: ``-p NAME VALUE`` pairs and ``--output``.

    ``school_year`` replaces the pack's year; any other name is a notebook
    parameter, as under the pack's ``parameters`` (which it overrides), read as
    each notebook declares it (:func:`flp_inquiry.questions.value_from_text`).
    Every value is checked before anything runs (:func:`expand_pack`).

    >>> pack = with_command_line(load_pack({"school_year": 2025, "districts": ["fresno"], "output": "out"}),
    ...                          {"school_year": "2024", "subject": "ela"}, output="build/packs/last-year")
    >>> pack.school_year, pack.command_line, pack.output.as_posix()
    (2024, {'subject': 'ela'}, 'build/packs/last-year')
    >>> with_command_line(pack, {"school": "Sample Oak"})
    Traceback (most recent call last):
    ...
    flp_inquiry.batch.PackError: -p school: set by the pack itself, from its schools
    """
    changes: dict[str, object] = {"command_line": {**pack.command_line}}
    for name, text in values.items():
        check_value(name, text)
        if name == "school_year":
            if not re.fullmatch(r"\s*\d{4}\s*", text):
                raise ParameterError(name, text, reason="write the year the school year ends (2025 for 2024-25)")
            changes["school_year"] = int(text)
        elif name in JOB_PARAMETERS:
            raise PackError(f"-p {name}: set by the pack itself, from {JOB_PARAMETERS[name]}")
        else:
            changes["command_line"][name] = text
    if output is not None:
        check_value("output", output)
        changes["output"] = Path(output)
    return dataclasses.replace(pack, **changes)


def _check_schools_entry(where: str, key: str, entry: object) -> None:
    if entry == "all":
        return
    if not isinstance(entry, list) or not all(isinstance(school, str) for school in entry):
        raise PackError(f"{where}: {key} must be 'all' (the district and every school) or a list of school names")


def find_questions(pack: Pack) -> list[Path]:
    """The pack's question notebooks: those it names, or every ``*.ipynb`` in its notebooks folder.

    Notebooks whose names start with ``_`` (templates, drafts) are left out of ``questions: all``.

    >>> find_questions(Pack("t", 2025, ("fresno",), ("../secrets",), ["all"], Path("out")))
    Traceback (most recent call last):
    ...
    flp_inquiry.errors.ParameterError: question = '../secrets' is not allowed: a question is a notebook's name in notebooks, without .ipynb (letters, digits, _ and -)
    """
    if pack.questions is None:
        found = sorted(path for path in pack.notebooks.glob("*.ipynb") if not path.name.startswith("_"))
        if not found:
            raise PackError(f"there are no question notebooks in {pack.notebooks}")
        return found
    available = sorted(path.stem for path in pack.notebooks.glob("*.ipynb"))
    paths = []
    for name in pack.questions:
        if not _QUESTION_NAME.match(name):
            raise ParameterError("question", name, reason=f"a question is a notebook's name in {pack.notebooks}, "
                                                          "without .ipynb (letters, digits, _ and -)")
        path = pack.notebooks / f"{name}.ipynb"
        if not path.is_file():
            raise ParameterError("question", name, available)
        paths.append(path)
    return paths


def expand_pack(pack: Pack, allowed: Mapping[str, Mapping[str, Collection]] | None = None) -> list[Job]:
    """The pack's grid: one checked job per district x question x school.

    Parameters
    ----------
    pack
        The pack.
    allowed
        Allowed values by district (``{"fresno": {"school": [...], "school_year": [...]}}``);
        by default read from the district's harmonised data (:func:`flp_inquiry.questions.allowed_values`).

    Raises
    ------
    ParameterError
        A value a notebook does not declare or the data does not allow; nothing has run.
    """
    notebooks = find_questions(pack)
    _check_declared_somewhere({**pack.parameters, **pack.command_line}, notebooks)
    jobs: list[Job] = []
    for district in pack.districts:
        check_value("district", district)
        if allowed is not None and district not in allowed:
            raise ParameterError("district", district, list(allowed))
        district_allowed = dict(allowed[district]) if allowed is not None else allowed_values(district, pack.data)
        if "district" in district_allowed and district not in district_allowed["district"]:
            raise ParameterError("district", district, district_allowed["district"])
        schools = _schools_of(pack, district, district_allowed)
        for notebook in notebooks:
            declared = notebook_parameters(notebook)
            if "district" not in declared:
                raise PackError(f"{notebook.name} has no 'district' parameter: it cannot be run for a district")
            base = {"district": district, "school_year": pack.school_year, "data_dir": str(pack.data.absolute()),
                    **BATCH_PARAMETERS}
            base = {name: value for name, value in base.items() if name in declared}
            # A notebook without a school parameter is district-wide only.
            used_slugs: set[str] = set()
            # the pack's own values and the command line's, for the notebooks that declare them
            extra = {**{name: value for name, value in pack.parameters.items() if name in declared},
                     **{name: value_from_text(notebook, name, text)
                        for name, text in pack.command_line.items() if name in declared}}
            for school in schools if "school" in declared else [ALL_SCHOOLS]:
                parameters = {**base, **({"school": school} if "school" in declared else {}), **extra}
                check_parameters(notebook, parameters, district_allowed)
                slug = _unique_slug(school, used_slugs)
                jobs.append(Job(district, notebook.stem, school, slug, notebook, parameters))
    return jobs


def _check_declared_somewhere(values: Mapping[str, object], notebooks: list[Path]) -> None:
    """Refuse a value that none of the pack's notebooks has a parameter for (a typo, most likely)."""
    declared = {notebook: notebook_parameters(notebook) for notebook in notebooks}
    for name, value in values.items():
        if not any(name in names for names in declared.values()):
            known = sorted({parameter for names in declared.values() for parameter in names} - set(JOB_PARAMETERS))
            raise ParameterError(name, value, reason="none of the pack's notebooks has such a parameter "
                                                     f"(their own parameters: {', '.join(known) or 'none'})")


def _schools_of(pack: Pack, district: str, allowed: Mapping[str, Collection]) -> list[str]:
    entry = pack.schools.get(district, [ALL_SCHOOLS]) if isinstance(pack.schools, dict) else pack.schools
    if entry == "all":
        if "school" not in allowed:
            raise PackError(f"schools: all needs the list of {district}'s schools, from its harmonised data")
        return [ALL_SCHOOLS, *(school for school in allowed["school"] if school != ALL_SCHOOLS)]
    return list(dict.fromkeys(entry))


def _unique_slug(school: str, used: set[str]) -> str:
    slug = DISTRICT_SLUG if school == ALL_SCHOOLS else slugify(school)
    if slug in used:  # two names that differ only in punctuation still get two files
        slug = f"{slug}-{hashlib.sha256(school.encode()).hexdigest()[:6]}"
    used.add(slug)
    return slug


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
             allowed: Mapping[str, Mapping[str, Collection]] | None = None) -> PackSummary:
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

    Returns
    -------
    PackSummary
        ``.ok`` is False if any job failed, the run was stopped, or the index or state could not be written.

    Raises
    ------
    PackError, ParameterError
        The pack or a value in it is wrong (nothing has run), or the output folder cannot be written.
    """
    from flp_inquiry.kernels import start_template_for

    started = time.monotonic()
    pack = pack if isinstance(pack, Pack) else load_pack(pack)
    # Local kernels are forked from a template that imports pandas, Altair and this package, and reads
    # the districts, once; it starts first, on another core, while this process imports the runner and
    # checks the jobs (flp_inquiry.kernels).
    template = None
    if executor == "local":
        template = start_template_for(pack.kernel, [(d, os.path.abspath(pack.data)) for d in pack.districts])
    try:
        from flp_inquiry.executors import check_executor

        check_executor(executor, scheduler)
        return _run_loaded_pack(pack, started, workers=workers, force=force, executor=executor,
                                scheduler=scheduler, progress=progress, allowed=allowed, template=template)
    finally:
        if template is not None:
            template.close()


def _run_loaded_pack(pack: Pack, started: float, *, workers, force, executor, scheduler, progress, allowed,
                     template) -> PackSummary:
    from tqdm import tqdm

    from flp_inquiry.executors import JobSpec, run_jobs

    jobs = expand_pack(pack, allowed)
    output = Path(os.path.abspath(pack.output))
    _check_writable(output)
    state = read_state(output)
    manifests = {district: _manifest(pack.data, district) for district in pack.districts}
    notebook_hashes = {job.notebook: _sha256(job.notebook.read_bytes()) for job in jobs}
    # a report may set its district beside the partner's figures, so any district's new data re-runs it
    partnership = _sha256("".join(_manifest(pack.data, d.name)[0] for d in sorted(Path(pack.data).glob("*/"))
                                  if d.is_dir()).encode("utf-8"))
    code = code_fingerprint()
    fingerprints = {job.key: job_fingerprint(notebook_hashes[job.notebook], job.parameters,
                                             partnership, pack.kernel, version=code) for job in jobs}
    results: dict[str, JobResult] = {}
    to_run: list[Job] = []
    for job in jobs:
        if not force and _unchanged(job, output, state.get(job.key), fingerprints[job.key]):
            results[job.key] = JobResult(job, "skipped-unchanged", report=job.report_path(output))
        else:
            to_run.append(job)

    to_run = longest_first(to_run, state)
    titles = {job.notebook: question_title(job.notebook) for job in jobs}
    made = datetime.now(timezone.utc).isoformat(timespec="seconds")
    specs = [JobSpec(job.key, job.notebook.name, job.parameters, pack.kernel, pack.timeout, os.getcwd(),
                     _header(job, titles[job.notebook], manifests[job.district][1], made))
             for job in to_run]
    sources = {job.notebook.name: job.notebook.read_text(encoding="utf-8") for job in to_run}
    by_key = {job.key: job for job in to_run}
    problems: list[str] = []
    bar = tqdm(total=len(to_run), unit="job", disable=not progress or not to_run, desc=pack.title[:30])
    last_saved = time.monotonic()

    def record(outcome) -> None:
        nonlocal last_saved
        job = by_key[outcome.key]
        result = _store_outcome(job, outcome, output)
        results[job.key] = result
        if result.status == "ok":
            state[job.key] = {"fingerprint": fingerprints[job.key], "seconds": round(result.seconds, 2),
                              "finished": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        else:
            state.pop(job.key, None)
            if progress and result.status == "failed":
                bar.write(f"FAILED {job.key}: {result.error.strip().splitlines()[0] if result.error.strip() else ''}"
                          f" (log: {job.log_path(output)})")
        bar.update(1)
        if time.monotonic() - last_saved > _STATE_SAVE_SECONDS:
            _save_state(output, state, problems)
            last_saved = time.monotonic()

    interrupted = False
    # The index is written from the report module's templates: import it while the jobs run, not after.
    threading.Thread(target=importlib.import_module, args=("flp_inquiry.report",), daemon=True).start()
    try:
        run_jobs(specs, sources, record, executor=executor, workers=workers, scheduler=scheduler, template=template)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.close()
        _save_state(output, state, problems)
        ordered = [results.get(job.key) or JobResult(job, "interrupted", error="not run") for job in jobs]
        _write_index(pack, output, ordered, titles, problems)
    return PackSummary(pack.title, output, ordered, problems, interrupted, time.monotonic() - started)


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
        elif status != "ok":
            # A report from an earlier run would not match this run's data: principals must not get it.
            job.report_path(output).unlink(missing_ok=True)
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
                 problems: list[str]) -> None:
    from flp_inquiry.report import JOB_STATUSES, JobRecord, render_index

    records = []
    for result in results:
        status = result.status if result.status in JOB_STATUSES else "failed"
        report = result.report.relative_to(output).as_posix() if result.report and result.ok else None
        records.append(JobRecord(result.job.district, None if result.job.school == ALL_SCHOOLS else result.job.school,
                                 titles[result.job.notebook], status, round(result.seconds, 1), report, result.error))
    try:
        render_index(records, output / INDEX_FILE, pack.title, school_year=pack.school_year)
    except (OSError, FlpInquiryError) as err:
        problems.append(f"could not write the index {output / INDEX_FILE}: {err}")
