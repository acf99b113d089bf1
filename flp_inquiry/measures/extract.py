"""The cross-district extract: aggregates only, suppressed, with a manifest.

The partnership view never combines the districts' student records.  Each
district writes its common metrics for a school year as one long, suppressed
table (:func:`build_extract`, :func:`write_extract`):
``<out>/<district>_<year>.csv`` beside ``<district>_<year>.manifest.json``; the
partnership combines the extracts of several districts (:func:`read_extracts`).

An extract is refused (:class:`~flp_inquiry.measures.privacy.PrivacyError`, nothing
written) when a column is named like a student id, a cell holds a student key,
or a count under 11 is shown: the rule of :mod:`flp_inquiry.measures.suppression`.

Rows
----
``district, school_year, metric, subject, grade_span, group_type, group, n,
value, change, status_level, change_level, colour, colour_name, caution``:
one row per metric (:data:`EXTRACT_METRICS`), subject, grade span (Distance from
Standard only: ``3-8`` or ``11``) and student group.  ``group_type`` is ``all``
(``group`` ``All``) or one of :data:`EXTRACT_GROUP_TYPES`; ``group`` holds the
code as text (``EL``, ``HI``, ``True`` for ``sed``).  Hidden cells are ``*``;
within each group type a second group is hidden when one alone would be
(complementary suppression against the ``All`` row).
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

import flp_inquiry
from flp_inquiry.errors import FlpInquiryError
from flp_inquiry.files import write_atomic_files, writing
from flp_inquiry.ingest.readers import sha256_of
from flp_inquiry.ingest.store import DEFAULT_DATA, MANIFEST, DistrictData, district_folder, load_district
from flp_inquiry.measures.dashboard import round_half_away
from flp_inquiry.measures.extract_files import DEFAULT_OUT, EXTRACT_FORMAT, extract_paths, is_current
from flp_inquiry.measures.metrics import METRICS
from flp_inquiry.measures.privacy import Finding, PrivacyError, find_student_ids, is_count_column, is_id_column
from flp_inquiry.measures.suppression import HIDDEN, MIN_N, suppress_small_cells
from flp_inquiry.spreadsheet import spreadsheet_csv, spreadsheet_text

#: (metric of :data:`flp_inquiry.measures.metrics.METRICS`, subject) pairs every district extracts.
EXTRACT_METRICS: tuple[tuple[str, str | None], ...] = (
    ("percent_met", "ela"), ("percent_met", "math"),
    ("participation", "ela"), ("participation", "math"),
    ("dfs", "ela"), ("dfs", "math"),
    ("elpi", None), ("reclassification", None), ("ltel", None), ("chronic_absence", None),
    ("algebra_by_8", None), ("grad_rate", None), ("ag_rate", None),
)
#: Student groups each metric is broken down by (besides ``all``).
EXTRACT_GROUP_TYPES = ("el_status", "ethnicity", "sed", "swd", "gender")
ALL_GROUP_TYPE, ALL_GROUP, UNKNOWN_GROUP = "all", "All", "Not known"

#: Figures hidden with a group's count; the change columns are hidden also when last year's count is small.
VALUE_COLUMNS = ("value", "change", "status_level", "change_level", "colour", "colour_name")
CHANGE_COLUMNS = ("change", "change_level", "colour", "colour_name")
COLUMNS = ["district", "school_year", "metric", "subject", "grade_span", "group_type", "group", "n",
           *VALUE_COLUMNS, "caution"]
SUPPRESSION_RULE = (
    f"a count under {MIN_N} and every figure of its group are shown as '{HIDDEN}'; within a group type, "
    "a second group is hidden where one alone would be (complementary suppression against the All row); "
    f"a change is hidden where last year's count is under {MIN_N}; caution = fewer than 30 students"
)


class ExtractError(FlpInquiryError):
    """An extract is missing, incomplete or does not match its manifest."""


# ---------------------------------------------------------------------------
# building
# ---------------------------------------------------------------------------

def _metric_rows(data: DistrictData, year: int, metric: str, subject: str | None, group_type: str) -> pd.DataFrame:
    """One metric for one year, by one group type, unsuppressed, in the extract's columns."""
    spec = METRICS[metric]
    by = [] if group_type == ALL_GROUP_TYPE else [group_type]
    table = spec.compute(data, year, subject, by)
    if not spec.change:  # yearly metrics come for every year in the data
        table = table[table["school_year"] == year]
    if by:  # codes as text; a cohort student with no enrollment record has no group
        group = table[group_type].astype(object).where(table[group_type].notna(), UNKNOWN_GROUP).astype(str)
    else:
        group = pd.Series(ALL_GROUP, index=table.index)
    rows = pd.DataFrame({
        "metric": metric, "subject": subject, "group_type": group_type, "group": group,
        "grade_span": table["grade_span"] if "grade_span" in table else None,
    }, index=table.index)
    present = [c for c in ("n", "prior_n", *VALUE_COLUMNS) if c in table]
    rows[present] = table[present]
    # a rate published unrounded with its count gives its numerator away exactly: one decimal, as tables show it
    rows["value"] = round_half_away(pd.to_numeric(rows["value"], errors="coerce"), 1) + 0.0
    return rows.reset_index(drop=True)


def _suppress(rows: pd.DataFrame) -> pd.DataFrame:
    """Small-cell rules of :mod:`flp_inquiry.measures.suppression` over one metric's rows of every group type."""
    if "prior_n" in rows:  # a change for a group too small last year gives that year away
        rows = suppress_small_cells(rows, n="prior_n", values=[c for c in CHANGE_COLUMNS if c in rows],
                                    caution_n=None).drop(columns="prior_n")
    values = [c for c in VALUE_COLUMNS if c in rows]
    keys = ["grade_span", "group"] if rows["grade_span"].notna().all() else ["group"]
    overall = rows[rows["group_type"] == ALL_GROUP_TYPE]
    parts = []
    for group_type in rows["group_type"].drop_duplicates():
        if group_type == ALL_GROUP_TYPE:
            continue
        # each group type beside the All row, so hiding one group forces a second out
        with_total = pd.concat([rows[rows["group_type"] == group_type], overall.assign(group_type=group_type)])
        hidden = suppress_small_cells(with_total, values=values, complementary={"group": ALL_GROUP},
                                      keys=keys)
        parts.append(hidden[hidden["group"] != ALL_GROUP])
    shown_overall = suppress_small_cells(overall, values=values)
    return pd.concat([shown_overall, *parts], ignore_index=True)


def build_extract(data: DistrictData, year: int, hidden_figures: frozenset[tuple[str, str]] = frozenset()) -> pd.DataFrame:
    """A district's common metrics for one school year, by student group, suppressed.

    Parameters
    ----------
    data : DistrictData
        The district's harmonised tables (:func:`flp_inquiry.ingest.store.load_district`);
        they should hold the two years before ``year`` too, for the changes and
        ELPI, and every earlier year for Algebra by grade 8.
    year : int
        The school year (the year it ends; the cohort year for graduation and a-g).
    hidden_figures : frozenset of (measure, population)
        Figures hidden beyond the rule, by a pack's privacy audit
        (:func:`flp_inquiry.measures.extract_meaning.hide_extract_figures`).

    Returns
    -------
    DataFrame
        The columns of :data:`COLUMNS` (see the module notes); no student key.

    Examples
    --------
    >>> from flp_inquiry.measures.metrics import _example
    >>> from flp_inquiry.ingest.schema import columns_of
    >>> assessments, enrollment = _example()
    >>> empty = {t: pd.DataFrame(columns=columns_of(t)) for t in ("math_courses", "outcomes")}
    >>> district = DistrictData("fresno", enrollment, assessments, **empty)
    >>> extract = build_extract(district, 2024)
    >>> extract.query("metric == 'percent_met' and subject == 'ela'")[["group_type", "group", "n", "value"]].head(3)
      group_type group  n value
    0        all   All  *     *
    1  el_status    EL  *     *
    2  el_status  RFEP  *     *
    >>> "student_key" in extract.columns
    False
    """
    year = int(year)
    tables = []
    for metric, subject in EXTRACT_METRICS:
        rows = pd.concat([_metric_rows(data, year, metric, subject, group_type)
                          for group_type in (ALL_GROUP_TYPE, *EXTRACT_GROUP_TYPES)], ignore_index=True)
        if not rows.empty:
            tables.append(_suppress(rows))
    extract = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=COLUMNS)
    extract = extract.assign(district=data.district, school_year=year)
    for column in COLUMNS:
        if column not in extract:
            extract[column] = None
    if hidden_figures:
        from flp_inquiry.measures.extract_meaning import hide_extract_figures

        extract = hide_extract_figures(extract, hidden_figures)
    return extract[COLUMNS]


# ---------------------------------------------------------------------------
# privacy check
# ---------------------------------------------------------------------------

def find_privacy_problems(extract: pd.DataFrame, name: str = "extract") -> list[Finding]:
    """What an extract must not hold: student-id columns, student keys, shown counts under 11.

    Parameters
    ----------
    extract : DataFrame
        A table about to be written (or just read).
    name : str
        How the findings name the table.

    Returns
    -------
    list of Finding
        Empty when the extract may be shared.

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["EL", "EO"], "n": [8, "*"], "value": [40.0, "*"]})
    >>> [str(f) for f in find_privacy_problems(t)]
    ["extract, column 'n', row 2, value '8': a count under 11 is shown"]
    >>> [f.kind for f in find_privacy_problems(pd.DataFrame({"student_key": ["fresno:004518233"]}))]
    ['id_column', 'student_id']
    """
    findings = []
    for column in extract.columns:
        if is_id_column(str(column)):
            findings.append(Finding("id_column", f"{name}, column {column!r}", str(column),
                                    "a column of student ids is not allowed in an extract"))
        if is_count_column(str(column)):
            counts = pd.to_numeric(extract[column].where(extract[column] != HIDDEN), errors="coerce")
            for position in np.flatnonzero((counts < MIN_N).to_numpy()):
                findings.append(Finding("small_count", f"{name}, column {column!r}, row {position + 2}",
                                        str(extract[column].iloc[position]), f"a count under {MIN_N} is shown"))
    text = extract.to_csv(index=False)
    findings += [Finding(f.kind, name, f.value, f.message) for f in find_student_ids(text)]
    return findings


def check_extract(extract: pd.DataFrame, name: str = "extract") -> None:
    """Raise :class:`~flp_inquiry.measures.privacy.PrivacyError` listing every :func:`find_privacy_problems` finding.

    >>> check_extract(pd.DataFrame({"group": ["EL"], "n": [11], "value": [40.0]}))
    >>> check_extract(pd.DataFrame({"group": ["EL"], "n": [10], "value": [40.0]}), "fresno_2024.csv")
    Traceback (most recent call last):
    ...
    flp_inquiry.measures.privacy.PrivacyError: 1 privacy problem; the report was not written:
      - fresno_2024.csv, column 'n', row 2, value '10': a count under 11 is shown
    """
    findings = find_privacy_problems(extract, name)
    if findings:
        raise PrivacyError(findings)


# ---------------------------------------------------------------------------
# writing and reading
# ---------------------------------------------------------------------------

def write_extract(district: str, year: int, data: Path = DEFAULT_DATA, out: Path = DEFAULT_OUT,
                  hidden_figures: frozenset[tuple[str, str]] = frozenset()) -> Path:
    """Build a district's extract for ``year`` and write it with its manifest.

    Both files are written whole to hidden files first, then renamed into place, the
    CSV first and the manifest (holding the CSV's SHA-256) last: a reader never sees a
    manifest for a half-written table, a full disk or an unwritable folder leaves an
    earlier pair as it was (:class:`~flp_inquiry.errors.OutputError`), and a stale pair
    is caught by the hash.  Nothing is written when the extract fails the privacy check.
    Cells a spreadsheet would run as formulas are written as text
    (:mod:`flp_inquiry.spreadsheet`); :func:`read_extracts` gives back the original text.

    Parameters
    ----------
    district : str
        A harmonised district.
    year : int
        School year of the extract.
    data : Path
        Folder of harmonised districts.
    out : Path
        Folder of extracts (created if needed).
    hidden_figures : frozenset of (measure, population)
        Figures hidden beyond the rule by a pack's privacy audit (their hash is in the manifest).

    Returns
    -------
    Path
        The CSV written; the manifest (``district``, ``school_year``, ``metrics``,
        ``group_types``, ``source_manifest_sha256``, ``created_utc``,
        ``suppression_rule``, ``min_n``, ``row_count``, ``columns``, ``sha256``,
        ``package_version``, ``format``) sits beside it.

    Raises
    ------
    PrivacyError
        The extract would show a student id or a count under 11.
    OutputError
        ``out`` is read-only, or the disk is full: nothing was changed there.

    Examples
    --------
    >>> write_extract("fresno", 2024, data=Path("/nonexistent"))
    Traceback (most recent call last):
    ...
    flp_inquiry.errors.FlpInquiryError: district 'fresno' has not been harmonised into /nonexistent: run flp-inquiry harmonise --district fresno --source <export folder> --out /nonexistent
    """
    year = int(year)
    loaded = load_district(district, Path(data))
    extract = build_extract(loaded, year, hidden_figures) if hidden_figures else build_extract(loaded, year)
    csv_path, manifest_path = extract_paths(district, year, out)
    check_extract(extract, csv_path.name)
    content = spreadsheet_csv(extract).encode("utf-8")
    manifest = {
        "district": district,
        "school_year": year,
        "metrics": [{"metric": metric, "subject": subject} for metric, subject in EXTRACT_METRICS],
        "group_types": [ALL_GROUP_TYPE, *EXTRACT_GROUP_TYPES],
        "source_manifest_sha256": sha256_of(district_folder(district, Path(data)) / MANIFEST),
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "suppression_rule": SUPPRESSION_RULE,
        "min_n": MIN_N,
        "row_count": len(extract),
        "columns": COLUMNS,
        "sha256": hashlib.sha256(content).hexdigest(),
        "package_version": flp_inquiry.__version__,
        "format": EXTRACT_FORMAT,
        "hidden_figures_sha256": hidden_figures_hash(hidden_figures),
    }
    with writing(f"the extract {csv_path.name}", Path(out)):
        # both written whole before either is swapped in: a full disk leaves an earlier pair as it was
        write_atomic_files({csv_path: content, manifest_path: (json.dumps(manifest, indent=2) + "\n").encode("utf-8")})
    return csv_path


def hidden_figures_hash(figures) -> str:
    """The SHA-256 of a set of figures hidden beyond the rule (``""`` for none), for an extract's manifest.

    >>> hidden_figures_hash(frozenset()), hidden_figures_hash({("m", "p")})[:12]
    ('', 'f567386e00a0')
    """
    if not figures:
        return ""
    return hashlib.sha256(json.dumps(sorted(map(list, figures))).encode("utf-8")).hexdigest()


def ensure_extract(district: str, year: int, data: Path = DEFAULT_DATA, out: Path = DEFAULT_OUT) -> Path:
    """The district's extract for ``year``, written first when missing or built from older harmonised data.

    Every notebook that sets a district beside its partner reads the partner's extract;
    building it once (not once per notebook) keeps a meeting pack fast, and the
    harmonised manifest's hash in the extract's manifest says when it is out of date.
    Writers racing on the same extract write the same bytes, each atomically.

    Examples
    --------
    >>> ensure_extract("fresno", 2024, data=Path("/nonexistent"))
    Traceback (most recent call last):
    ...
    flp_inquiry.errors.FlpInquiryError: district 'fresno' has not been harmonised into /nonexistent: run flp-inquiry harmonise --district fresno --source <export folder> --out /nonexistent
    """
    if (district_folder(district, Path(data)) / MANIFEST).is_file() and is_current(district, year, data, out):
        return extract_paths(district, int(year), out)[0]
    return write_extract(district, year, data=data, out=out)


def _read_one(manifest_path: Path) -> pd.DataFrame:
    """One extract, checked against its manifest."""
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        district, year = manifest["district"], int(manifest["school_year"])
        expected_hash, expected_rows = manifest["sha256"], int(manifest["row_count"])
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as problem:
        raise ExtractError(f"{manifest_path}: the manifest is not readable ({problem}); "
                           "write the extract again with flp-inquiry extract") from None
    csv_path, _ = extract_paths(district, year, manifest_path.parent)
    if not csv_path.is_file():
        raise ExtractError(f"{manifest_path.name} describes {csv_path.name}, which is missing from {manifest_path.parent}")
    if sha256_of(csv_path) != expected_hash:
        raise ExtractError(f"{csv_path} does not match its manifest (changed or half-written since); "
                           f"ask {district} to write its {year} extract again")
    extract = spreadsheet_text(pd.read_csv(csv_path, dtype=str, keep_default_na=False, na_values=[""]))
    if len(extract) != expected_rows or list(extract.columns) != COLUMNS:
        raise ExtractError(f"{csv_path}: {len(extract)} rows and columns {list(extract.columns)}; "
                           f"the manifest says {expected_rows} rows and columns {COLUMNS}")
    if set(extract["district"].dropna()) - {district} or set(extract["school_year"].dropna()) - {str(year)}:
        raise ExtractError(f"{csv_path} holds rows of another district or year than its manifest ({district}, {year})")
    check_extract(extract, csv_path.name)
    return extract


def read_extracts(folder: Path = DEFAULT_OUT) -> pd.DataFrame:
    """Combine the extracts in ``folder`` (every ``*.manifest.json`` and its CSV) into one table.

    Each extract is checked against its manifest (hash, rows, columns, district
    and year) and the privacy rule again.  Hidden cells stay ``*``; other
    figures are numbers.

    Parameters
    ----------
    folder : Path
        Folder holding the districts' extracts.

    Returns
    -------
    DataFrame
        The columns of :data:`COLUMNS`, districts and years one after another.

    Raises
    ------
    ExtractError
        No extract in the folder, a CSV without its manifest (or the reverse), a
        manifest that cannot be read, or a CSV that does not match its manifest.

    Examples
    --------
    >>> read_extracts(Path("/nonexistent"))
    Traceback (most recent call last):
    ...
    flp_inquiry.measures.extract.ExtractError: no extracts in /nonexistent: each district writes one with flp-inquiry extract --district <district> --year <year>
    """
    folder = Path(folder)
    manifests = sorted(folder.glob("*.manifest.json")) if folder.is_dir() else []
    tables = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    # Every school report of a pack reads the same extracts: read and checked once while no file changes
    # (a pack's kernel template reads them before it forks, flp_inquiry.inquiry.shared_work).
    signature = (str(folder.resolve()), *((path.name, *_file_signature(path)) for path in (*manifests, *tables)))
    if signature not in _extracts_read:
        combined = _read_all(folder, manifests, tables)
        _extracts_read.clear()  # the latest folder only
        _extracts_read[signature] = combined
    return _extracts_read[signature].copy()  # (copied lazily: a caller's change stays its own)


#: The latest folder's extracts read: (folder, each file's name, change time and size) -> table.
_extracts_read: dict[tuple, pd.DataFrame] = {}


def _file_signature(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


def _read_all(folder: Path, manifests: list[Path], tables: list[Path]) -> pd.DataFrame:
    """Every extract of ``folder`` read and checked (:func:`read_extracts`)."""
    if not manifests and not tables:
        raise ExtractError(f"no extracts in {folder}: each district writes one with "
                           "flp-inquiry extract --district <district> --year <year>")
    described = {m.name.removesuffix(".manifest.json") for m in manifests}
    orphans = [t.name for t in tables if t.stem not in described]
    if orphans:
        raise ExtractError(f"{', '.join(orphans)} in {folder} {'has' if len(orphans) == 1 else 'have'} no manifest "
                           "(an incomplete or hand-made extract); write it again with flp-inquiry extract")
    combined = pd.concat([_read_one(path) for path in manifests], ignore_index=True)
    combined["school_year"] = combined["school_year"].astype("int64")
    for column in ("n", *VALUE_COLUMNS):
        if column != "colour_name":
            numbers = pd.to_numeric(combined[column].where(combined[column] != HIDDEN), errors="coerce")
            combined[column] = numbers.astype(object).where(combined[column] != HIDDEN, HIDDEN)
    combined["caution"] = combined["caution"].map({"True": True, "False": False})
    return combined
