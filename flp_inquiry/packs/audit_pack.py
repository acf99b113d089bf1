"""A pack's audit (issue 22): everything a district's reports and its aggregate extract publish, audited together.

Every table a report shows carries what it counts in its display output's metadata
(:data:`flp_inquiry.measures.table_meaning.MIMETYPE`), so the audit reads the executed
notebooks (``<output>/_executed/<district>/**.ipynb``), never the HTML.  The district's
aggregate extract, where the pack made or found one, is read too: a reader of the
partnership's view has it.  :func:`audit_pack_output` audits each district's reports
together (:func:`flp_inquiry.measures.audit.audit_hidden_counts`); :func:`protect_district`
finds the figures to hide beyond the rule (:func:`flp_inquiry.measures.audit_protection.protect_hidden_counts`)
and writes them where the district's kernels read them (:func:`hidden_figures_path`).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from flp_inquiry.measures.audit import AuditResult, audit_hidden_counts
from flp_inquiry.measures.audit_relations import MIN_VALUES
from flp_inquiry.measures.extract_meaning import extract_meanings
from flp_inquiry.measures.table_meaning import (
    HIDE_VARIABLE,
    TableMeaning,
    cells_frame,
    is_total,
    meanings_in_notebook,
    parse_population,
    partitions_frame,
    unread_in_notebook,
)

__all__ = ["HIDE_VARIABLE", "MIN_VALUES", "DistrictAudit", "audit_district", "audit_pack_output", "privacy_note",
           "protect_district"]
EXECUTED = "_executed"
#: Where a run keeps the figures its protection hides (``<district>.json``), read by the district's kernels.
AUDIT_FOLDER = "_audit"
#: :func:`protect_district`: the extract hides more of the figures of all the district's students.
EXTRACT_OVERALL = "extract: all students"
@dataclass
class DistrictAudit:
    """One district's audit: what was read, how many cells and relations, and each hidden count's range."""

    district: str
    tables: int
    cells: int
    result: AuditResult
    seconds: float
    extract: str = ""
    extra_hidden: int = 0
    #: Hidden counts not protected before the protection hid more (``None``: no protection ran).
    unprotected_before: int | None = None
    rounds: list = field(default_factory=list)
    #: What the reports show with counts that the audit did not read (``"<report>: table: <caption>"``, charts).
    unread: list[str] = field(default_factory=list)

    @property
    def hidden_counts(self) -> int:
        return len(self.result.hidden)

    @property
    def unprotected(self) -> int:
        return int((~self.result.hidden["protected"]).sum())

    @property
    def relations(self) -> int:
        return int(sum(self.result.relations.values()))

    @property
    def passed(self) -> bool:
        return self.result.passed

    def summary(self) -> str:
        """One line for a privacy officer.

        >>> import pandas as pd
        >>> result = AuditResult(pd.DataFrame({"protected": [True, True]}), {"parts add up": 3}, 5, 1, {}, 0.01)
        >>> DistrictAudit("fresno", 4, 20, result, 0.5).summary()
        'fresno: 4 tables, 20 cells, 3 relations, 2 hidden counts, 0 of them narrowed to fewer than 6 values (passed), 0.5 s'
        """
        before = ("" if self.unprotected_before is None else
                  f"; before protection {self.unprotected_before}, {self.extra_hidden} more cells hidden")
        verdict = ("NOT PASSED" if not self.passed else "passed" if not self.unread else
                   f"passed over the tables read; {self.unread_words()} not read")
        return (f"{self.district}: {self.tables} tables, {self.cells} cells, {self.relations} relations, "
                f"{self.hidden_counts} hidden counts, {self.unprotected} of them narrowed to fewer than {MIN_VALUES} "
                f"values ({verdict}){before}, {self.seconds:.1f} s")

    def unread_words(self) -> str:
        """How many tables and charts with counts the audit did not read.

        >>> DistrictAudit("x", 0, 0, None, 0.0, unread=["a: table: t", "a: chart: c", "b: chart: d"]).unread_words()
        '1 table and 2 charts showing counts'
        """
        tables = sum(": table: " in item for item in self.unread)
        charts = len(self.unread) - tables
        return (f"{tables} table{'s' * (tables != 1)} and {charts} chart{'s' * (charts != 1)} showing counts")


def hidden_figures_path(output: Path, district: str) -> Path:
    """The file of figures a district's kernels hide beyond the rule (:data:`~flp_inquiry.measures.table_meaning.HIDE_VARIABLE`)."""
    return Path(output) / AUDIT_FOLDER / f"{district}.json"


def read_hidden_figures(output: Path, district: str) -> list[list[str]]:
    path = hidden_figures_path(output, district)
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []


def notebook_meanings(output: Path, district: str, unread: list[str] | None = None) -> list[TableMeaning]:
    """Every table meaning in a district's executed notebooks, each named by its report and place in it.

    ``unread``, when given, receives what the reports show with counts but without a meaning
    (:func:`flp_inquiry.measures.table_meaning.unread_in_notebook`), each as ``"<report>: ..."``.
    """
    folder = Path(output) / EXECUTED / district
    meanings = []
    for path in sorted(folder.rglob("*.ipynb")):
        report = path.relative_to(Path(output) / EXECUTED).with_suffix("").as_posix()
        notebook = json.loads(path.read_text(encoding="utf-8"))
        for number, meaning in enumerate(meanings_in_notebook(notebook), 1):
            meaning.table = f"{report}#{number} {meaning.table}".strip()
            meanings.append(meaning)
        if unread is not None:
            unread.extend(f"{report}: {item}" for item in unread_in_notebook(notebook))
    return meanings


def district_extract(output: Path, data: Path | None, district: str, year: int) -> tuple[pd.DataFrame | None, str]:
    """The district's own aggregate extract, if the pack made one (for its partner's reports) or one is beside the data."""
    from flp_inquiry.measures.extract_files import extract_folders, extract_paths

    cache = Path(output) / "_cache" / "extracts"
    folders = extract_folders(Path(data), cache) if data is not None else [cache]
    for folder in folders:
        csv_path, _ = extract_paths(district, year, folder)
        if csv_path.is_file():
            from flp_inquiry.spreadsheet import spreadsheet_text

            extract = spreadsheet_text(pd.read_csv(csv_path, dtype=str, keep_default_na=False, na_values=[""]))
            return extract, str(csv_path)
    return None, ""


def district_cells(output: Path, district: str, year: int | None = None, data: Path | None = None,
                   unread: list[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame, int, str]:
    """The cells and complete breakdowns of everything a district's reports (and its extract) publish."""
    meanings = notebook_meanings(output, district, unread)
    extract_name = ""
    if year is not None:
        extract, extract_name = district_extract(output, data, district, year)
        if extract is not None and not extract.empty:
            meanings += extract_meanings(extract, f"extract {Path(extract_name).name}")
    return cells_frame(meanings), partitions_frame(meanings), len(meanings), extract_name


def audit_district(output: Path, district: str, year: int | None = None, data: Path | None = None) -> DistrictAudit:
    """Audit everything one district's reports in a pack's output publish (and its extract, given the year)."""
    started = time.perf_counter()
    unread: list[str] = []
    cells, partitions, tables, extract_name = district_cells(output, district, year, data, unread)
    result = audit_hidden_counts(cells, partitions, exact=False)
    return DistrictAudit(district, tables, len(cells), result, time.perf_counter() - started, extract_name,
                         unread=unread)


def audit_pack_output(output: Path, districts: list[str] | None = None, year: int | None = None,
                      data: Path | None = None) -> list[DistrictAudit]:
    """Audit every district of a pack's output folder (each district's reports together)."""
    folder = Path(output) / EXECUTED
    if districts is None:
        districts = sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
    return [audit_district(output, district, year, data) for district in districts]


def protect_district(output: Path, district: str, year: int | None = None,
                     data: Path | None = None) -> tuple[DistrictAudit, set[str]]:
    """Audit a district; where a hidden count is not protected, add the figures to hide and say which reports show them.

    Returns the audit (before protection; ``extra_hidden`` the figures added) and the reports
    (``<district>/<question>/<slug>``) to run again with the figures hidden; ``"extract"`` when the
    district's extract hides more, and :data:`EXTRACT_OVERALL` when that is a figure of all its
    students, which its partner's reports set beside theirs.
    """
    from flp_inquiry.files import write_atomic
    from flp_inquiry.measures.audit_protection import protect_hidden_counts

    started = time.perf_counter()
    cells, partitions, tables, extract_name = district_cells(output, district, year, data)
    result = audit_hidden_counts(cells, partitions, exact=False)
    audit = DistrictAudit(district, tables, len(cells), result, 0.0, extract_name)
    if result.passed:
        audit.seconds = time.perf_counter() - started
        return audit, set()
    audit.unprotected_before = audit.unprotected
    extra, _, _ = protect_hidden_counts(cells, partitions, exact_last=False, history=audit.rounds)
    figures = {tuple(f) for f in read_hidden_figures(output, district)}
    new = {(m, p) for m, p in zip(extra["measure"], extra["population"])} - figures
    audit.extra_hidden = len(extra)
    if new:
        write_atomic(hidden_figures_path(output, district), json.dumps(sorted(map(list, figures | new)), indent=0))
    # the reports that show any figure to hide; the extract's figures cannot be hidden by running a report again
    reports = {table.split("#", 1)[0] for table in extra["table"] if not table.startswith("extract ")}
    in_extract = extra[extra["table"].str.startswith("extract ")]
    if len(in_extract):
        reports.add("extract")
        # the partner's reports show only the extract's figures of all the district's students: only when one of
        # those is hidden do they change
        if any(is_total(population) and "school" not in parse_population(population)
               for population in in_extract["population"]):
            reports.add(EXTRACT_OVERALL)
    audit.seconds = time.perf_counter() - started
    return audit, reports if new else set()


def privacy_note(audits: list[DistrictAudit]) -> dict:
    """What the pack's index says of its privacy audit: cells hidden for privacy, and whether the audit passed.

    >>> import pandas as pd
    >>> result = AuditResult(pd.DataFrame({"protected": [True, True]}), {"parts add up": 3}, 5, 1, {}, 0.01)
    >>> privacy_note([DistrictAudit("fresno", 4, 20, result, 0.5, extra_hidden=1, unprotected_before=1)])["sentence"]
    '2 counts are hidden for privacy (fewer than 11 students, or hidden so that a smaller group cannot be worked out); after the audit, 1 more figures were hidden so that none can be worked out; the audit passed: no hidden count can be narrowed to fewer than 6 values from everything this pack publishes.'
    """
    if not audits:
        return {"passed": False, "hidden": 0, "extra": 0, "details": [],
                "sentence": "the privacy audit was not run for this pack: do not hand these reports out before it "
                            "has passed (flp-inquiry audit)."}
    hidden = sum(a.hidden_counts for a in audits)
    extra = sum(a.extra_hidden for a in audits)
    passed = all(a.passed for a in audits)
    unread = [f"{a.district}/{item}" if not item.startswith(f"{a.district}/") else item
              for a in audits for item in getattr(a, "unread", [])]
    beyond = f"; after the audit, {extra} more figures were hidden so that none can be worked out" if extra else ""
    if not passed:
        verdict = (f"the audit did NOT pass: some hidden counts can be narrowed to fewer than {MIN_VALUES} values; "
                   "do not hand these reports out.")
    elif unread:
        tables = sum(": table: " in item for item in unread)
        verdict = (f"the audit passed over the tables it read: no hidden count can be narrowed to fewer than "
                   f"{MIN_VALUES} values from them; {tables} tables and {len(unread) - tables} charts showing counts "
                   "do not say what they count and were not read by the audit (listed below).")
    else:
        verdict = (f"the audit passed: no hidden count can be narrowed to fewer than {MIN_VALUES} values from "
                   "everything this pack publishes.")
    return {"passed": passed, "hidden": hidden, "extra": extra, "details": [a.summary() for a in audits],
            "unread": unread,
            "sentence": f"{hidden} counts are hidden for privacy (fewer than 11 students, or hidden so that a smaller "
                        f"group cannot be worked out){beyond}; {verdict}"}
