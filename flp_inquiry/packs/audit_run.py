"""The privacy audit at the end of a pack's run (issue 22): protected to a fixed point, or the district's reports withdrawn.

:func:`audit_and_protect` audits each district's reports and extract together
(:mod:`flp_inquiry.packs.audit_pack`); where a hidden count is not protected, the figures to hide
are added to the district's list and only the reports showing them run again, at most
:data:`PROTECTION_ROUNDS` times.  When the audit of a district cannot pass (or cannot be done),
the run fails as it does when a job fails: the district's reports of the last good run are put
back, marked stale in the index, and those not made before are taken away, so that no report
a reader could narrow a hidden count from is left in the pack (:class:`PreviousReports`).

The figures to hide stay in ``<output>/_audit/<district>.json`` for the next run, which starts
from them while the data are the same files (:func:`start_hidden_figures`): its first pass is
then already protected and nothing runs twice.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from flp_inquiry.errors import FlpInquiryError
from flp_inquiry.packs.audit_pack import (
    AUDIT_FOLDER,
    EXECUTED,
    EXTRACT_OVERALL,
    MIN_VALUES,
    DistrictAudit,
    audit_district,
    hidden_figures_path,
    protect_district,
    read_hidden_figures,
)

#: Times the privacy audit may hide more figures and run the reports showing them again before the run fails.
PROTECTION_ROUNDS = 6
#: Where a run keeps the reports of the last good run while it audits (hard links: no copy).
PREVIOUS_FOLDER = f"{AUDIT_FOLDER}/previous"
#: Beside a district's figures to hide: the data they were worked out from.
DATA_SUFFIX = ".data"
#: How many hidden counts still narrowable a failure names (the rest are counted).
NAMED = 5


@dataclass
class RunHooks:
    """What the audit needs from the run (:mod:`flp_inquiry.packs.batch`), which it may not import."""

    #: Run the jobs of these keys again, with the figures to hide as they now are; the new summary.
    rerun: Callable[[set[str]], Any]
    #: Write the districts' aggregate extracts again (with their figures hidden), a problem into the list given.
    prepare_extracts: Callable[[list], None]
    #: The year of the district's extract the pack publishes (``None``: none).
    extract_year: Callable[[str], "int | None"]
    #: Mark these jobs failed with this error, their last good report kept (``(summary, keys, error, kept)``).
    withdraw: Callable[[Any, list[str], str, dict], None]
    #: Write the pack's index with the audits.
    write_index: Callable[[Any, list], None]


@dataclass
class PreviousReports:
    """The reports, executed notebooks and figures to hide of each district as they were before this run.

    Kept as hard links under ``<output>/_audit/previous`` (a run writes every file anew in the
    old one's place, :func:`flp_inquiry.files.write_atomic`, so the link keeps the old one), put back for a district whose audit fails
    (:meth:`restore`), removed at the end (:meth:`discard`).
    """

    output: Path
    kept: dict[str, list[Path]] = field(default_factory=dict)

    @classmethod
    def keep(cls, output: Path, districts: Iterable[str]) -> "PreviousReports":
        output = Path(output)
        previous = cls(output)
        shutil.rmtree(output / PREVIOUS_FOLDER, ignore_errors=True)  # (left by a run that was killed)
        for district in districts:
            files = [path for path in _district_files(output, district) if path.is_file()]
            for path in files:
                backup = output / PREVIOUS_FOLDER / path.relative_to(output)
                backup.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.link(path, backup)
                except OSError:  # (a file system without hard links)
                    shutil.copy2(path, backup)
            previous.kept[district] = [path.relative_to(output) for path in files]
        return previous

    def restore(self, district: str) -> None:
        """The district's files as they were before the run: the new ones taken away, the old ones put back."""
        before = set(self.kept.get(district, []))
        for path in _district_files(self.output, district):
            if path.is_file() and path.relative_to(self.output) not in before:
                path.unlink()
        for relative in before:
            (self.output / relative).parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.output / PREVIOUS_FOLDER / relative, self.output / relative)

    def discard(self) -> None:
        shutil.rmtree(self.output / PREVIOUS_FOLDER, ignore_errors=True)


def _district_files(output: Path, district: str) -> list[Path]:
    """A district's reports, executed notebooks and figures to hide (what its audit reads and decides)."""
    audit = hidden_figures_path(output, district)
    return [*sorted((output / district).rglob("*.html")), *sorted((output / EXECUTED / district).rglob("*.ipynb")),
            audit, audit.with_suffix(DATA_SUFFIX)]


def data_fingerprint(data: Path, districts: Iterable[str], state_files: Iterable[str | os.PathLike] = ()) -> str:
    """The SHA-256 of what a district's figures to hide were worked out from: the harmonised manifests, the state's files.

    >>> data_fingerprint(Path("/nonexistent"), ["fresno"]) == data_fingerprint(Path("/nonexistent"), ["fresno"])
    True
    """
    digest = hashlib.sha256()
    for district in sorted(districts):
        manifest = Path(data) / district / "manifest.json"
        digest.update(district.encode() + (manifest.read_bytes() if manifest.is_file() else b"none"))
    for path in state_files:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def start_hidden_figures(output: Path, districts: Iterable[str], fingerprint: str) -> None:
    """Keep each district's figures to hide from the last run only if its data are the same files (by hash).

    Figures worked out from other data may hide what no longer needs hiding, and leave out
    what now does: the audit starts again from the rule.
    """
    for district in districts:
        path = hidden_figures_path(output, district)
        stamp = path.with_suffix(DATA_SUFFIX)
        if path.is_file() and (not stamp.is_file() or stamp.read_text(encoding="utf-8").strip() != fingerprint):
            path.unlink()
            stamp.unlink(missing_ok=True)


def _stamp(output: Path, district: str, fingerprint: str) -> None:
    from flp_inquiry.files import write_atomic

    if hidden_figures_path(output, district).is_file():
        write_atomic(hidden_figures_path(output, district).with_suffix(DATA_SUFFIX), fingerprint + "\n")


def narrowed_words(audit: DistrictAudit) -> str:
    """The hidden counts a reader can still narrow, in words (the first few, then how many more).

    >>> import pandas as pd
    >>> from flp_inquiry.measures.audit import AuditResult
    >>> hidden = pd.DataFrame({"measure": ["math.tested", "ela.tested"], "population": ["el_status=TBD;school=A", "school=B"],
    ...                        "low": [3.0, 0.0], "high": [3.0, 4.0], "protected": [False, False]})
    >>> narrowed_words(DistrictAudit("fresno", 1, 2, AuditResult(hidden, {}, 2, 1, {}, 0.0), 0.0))
    'math.tested of el_status=TBD;school=A (3-3), ela.tested of school=B (0-4)'
    """
    narrowed = audit.result.hidden[~audit.result.hidden["protected"]]
    words = [f"{row.measure} of {row.population or 'everyone'} ({row.low:g}-{row.high:g})"
             for row in narrowed.head(NAMED).itertuples()]
    more = len(narrowed) - NAMED
    return ", ".join(words) + (f" and {more} more" if more > 0 else "")


def audit_and_protect(pack, summary, hooks: RunHooks, previous: PreviousReports, fingerprint: str = ""):
    """The privacy audit at the end of a run: each district's reports (and extract) together, protected to a fixed point.

    Returns the summary of the last run, with ``audits``, ``protection_rounds`` (jobs run again and
    seconds, each round) and, for a district whose audit did not pass, its problem and its jobs failed.
    """
    output = summary.output
    first: dict[str, DistrictAudit] = {}
    failed: dict[str, str] = {}
    audit_seconds = 0.0
    rounds = []
    results = list(summary.results)
    for _ in range(PROTECTION_ROUNDS):
        affected: set[str] = set()
        for district in pack.districts:
            if district in failed:
                continue
            try:
                audit, reports = protect_district(output, district, hooks.extract_year(district), Path(pack.data))
            except FlpInquiryError as err:
                failed[district] = f"the privacy audit of {district} could not be done: {err}"
                continue
            audit_seconds += audit.seconds
            first.setdefault(district, audit)
            affected |= reports
            if "extract" in reports:  # its extract written again with the figures hidden
                hooks.prepare_extracts(summary.problems)
            if EXTRACT_OVERALL in reports:  # its partner's reports set its figures of all students beside theirs
                from flp_inquiry.codes import partner_of

                affected |= {f"{partner_of(district)}/"}
        keys = {result.job.key for result in results
                if result.job.executed_path(output).relative_to(output / EXECUTED).with_suffix("").as_posix() in affected
                or f"{result.job.district}/" in affected}
        if not keys:
            break
        started = time.perf_counter()
        earlier, before = summary.problems, {result.job.key: result for result in summary.results}
        summary = hooks.rerun(keys)
        summary.problems[:0] = [problem for problem in earlier if problem not in summary.problems]  # (none lost)
        # a job this round did not run again keeps what this run did with it ("ok", not "unchanged")
        summary.results = [result if result.job.key in keys else before.get(result.job.key, result)
                           for result in summary.results]
        rounds.append((len(keys), round(time.perf_counter() - started, 1)))
    audits = []
    for district in pack.districts:
        if district in failed:
            continue
        audit = audit_district(output, district, hooks.extract_year(district), Path(pack.data))
        audit.unprotected_before = first[district].unprotected if district in first else 0
        audit.extra_hidden = len(read_hidden_figures(output, district))
        audits.append(audit)
        if not audit.passed:
            failed[district] = (f"the privacy audit of {district} did not pass after {len(rounds)} rounds of hiding "
                                f"more figures: {audit.unprotected} hidden counts can still be narrowed to fewer than "
                                f"{MIN_VALUES} values ({narrowed_words(audit)}); its reports of the last good run are "
                                "kept (or none), none of this run's is handed out")
        else:
            _stamp(output, district, fingerprint)
    for district, problem in failed.items():
        previous.restore(district)
        keys = [result.job.key for result in summary.results if result.job.district == district]
        hooks.withdraw(summary, keys, problem, {})
        summary.problems.append(problem)
    summary.audits = audits
    summary.protection_rounds = rounds
    summary.seconds_audit = audit_seconds + sum(a.seconds for a in audits)
    audited = {audit.district for audit in audits}
    hooks.write_index(summary, [*audits, *(_Failed(district) for district in failed if district not in audited)])
    return summary


@dataclass
class _Failed:
    """A district whose audit could not be done, so that the index does not say the pack's audit passed."""

    district: str
    hidden_counts: int = 0
    extra_hidden: int = 0
    passed: bool = False

    def summary(self) -> str:
        return f"{self.district}: the privacy audit could not be done; its reports of this run were withdrawn"
