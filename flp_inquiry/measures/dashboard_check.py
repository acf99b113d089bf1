"""``flp-inquiry dashboard check FILE``: a Dashboard download's levels and colours worked out again from its own rows.

:func:`check_download` reads any California School Dashboard download, finds which indicator and
year it is (``downloads:`` in ``dashboard_indicators.yaml``), and for every row works out the
status level, change level and colour from the row's own status, change and counts with that
indicator's cut points, grid, minimum n and rules.  It also tests every rule the indicator lists
(:mod:`flp_inquiry.measures.dashboard_rules`) on every row it applies to.

A download kind may score some rows by another measure (``measure_by_row``: from 2019 a row of the
ELA or mathematics download flagged ``hscutpoints`` Y takes the grade 11 cut points); each part of
the rows is then worked out with its own indicator.

A published level that cut points, grid and 30 students this year alone do not give, but the
indicator's rules do, is *explained* by the rule(s) it needs (found by leaving each rule out in
turn); one the rules do not give either is *not reproduced*, with the row's flags said plainly,
never guessed at.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from flp_inquiry.errors import ParameterError
from flp_inquiry.ingest.dashboard_downloads import read_dashboard_download
from flp_inquiry.measures.dashboard import (
    LEVEL_DTYPE,
    Indicator,
    _settings,
    change_level,
    colour,
    counts_reach,
    indicator_for,
    level_names,
    limit_change_levels,
    status_level,
)
from flp_inquiry.measures.dashboard_rules import (
    Findings,
    apply_blank_zeros,
    check_change,
    check_figure,
    check_group_sum,
    check_level_codes,
    check_pooled,
    check_shown,
    describe_rule,
    number,
    same,
)

#: The download's level columns and the kind of level each holds.
LEVEL_COLUMNS = {"statuslevel": "status", "changelevel": "change", "color": "colour"}
_OURS = {"statuslevel": "status_level", "changelevel": "change_level", "color": "colour"}
#: Download columns that flag rows the state treats differently (shown with a row not reproduced).
FLAG_COLUMNS = ("charter_flag", "coe_flag", "dass_flag", "safetynet", "cal_method", "nsize_met", "flag50pct",
                "hscutpoints")


@dataclass(frozen=True)
class DownloadKind:
    """One kind of Dashboard download: how its file is named, what it measures, which levels it publishes."""

    file: str
    columns: tuple[str, ...]
    measure: str
    published: tuple[str, ...]
    measure_by_row: dict | None = None


def download_kinds() -> list[DownloadKind]:
    """The kinds of download ``dashboard_indicators.yaml`` knows, in the order they are tried.

    >>> [kind.measure for kind in download_kinds()][:3]
    ['ela_11', 'math_11', 'ela_3_8']
    """
    return [DownloadKind(entry["file"], tuple(entry.get("columns", ())), entry["measure"],
                         tuple(entry.get("published", ())), entry.get("measure_by_row"))
            for entry in _settings()["downloads"]]


def identify_download(name: str, frame: pd.DataFrame) -> tuple[DownloadKind, int]:
    """The kind and Dashboard year of a download, from its file name and columns.

    The year is the ``reportingyear`` column's (``2017f`` -> 2017), else the first 20xx in the name.

    >>> kind, year = identify_download("graddownload2017f_fresno_longbeach.txt",
    ...     pd.DataFrame({"currstatus": [1.0], "currdenom": [40], "reportingyear": ["2017f"]}))
    >>> kind.measure, year
    ('graduation', 2017)
    """
    stem = Path(name).name
    kinds = download_kinds()
    kind = next((k for k in kinds if re.search(k.file, stem, flags=re.IGNORECASE)
                 and all(c in frame.columns for c in k.columns)), None)
    if kind is None:
        raise ParameterError("file", stem, [k.file for k in kinds],
                             reason="not a Dashboard download dashboard_indicators.yaml knows "
                                    "(file name patterns, each with the columns it needs)")
    year = None
    if "reportingyear" in frame.columns and frame["reportingyear"].notna().any():
        found = re.search(r"(\d{4})", str(frame["reportingyear"].dropna().iloc[0]))
        year = int(found.group(1)) if found else None
    if year is None:
        found = re.search(r"(20\d\d)", stem)
        if not found:
            raise ParameterError("file", stem, reason="no reportingyear column and no year in the file name")
        year = int(found.group(1))
    return kind, year


@dataclass
class DownloadCheck:
    """What :func:`check_download` found: per check the counts, and the rows a rule explains or nothing does."""

    file: str
    indicator: Indicator
    year: int
    rows: int
    published: tuple[str, ...]
    summary: pd.DataFrame
    explained: pd.DataFrame
    not_reproduced: pd.DataFrame
    levels: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def reproduced(self) -> bool:
        """Every published level, and every rule, reproduced on every row."""
        return self.not_reproduced.empty

    def to_text(self) -> str:
        """The report as ``flp-inquiry dashboard check`` prints it."""
        lines = [f"{self.file}: {self.indicator.title} [{self.indicator.name}], Dashboard {self.year}, {self.rows} rows"]
        if self.published:
            lines.append(f"Levels published by this download: {', '.join(self.published)}")
        else:
            lines.append("This download publishes no level or colour: only its figures and rules are checked.")
        lines += ["", self.summary.to_string(index=False), ""]
        if self.explained.empty:
            lines.append("Rows needing a rule beyond cut points and grid: none")
        else:
            lines.append(f"Rows needing a rule beyond cut points and grid ({len(self.explained)}):")
            for row in self.explained.itertuples():
                lines.append(f"  line {row.line}, {row.entity}, {row.group}: {row.check} published {row.published}, "
                             f"cut points and grid alone give {row.cuts_and_grid_give} -> {row.rule}")
        if self.not_reproduced.empty:
            lines.append("Not reproduced: none")
        else:
            lines.append(f"Not reproduced ({len(self.not_reproduced)}):")
            for row in self.not_reproduced.itertuples():
                lines.append(f"  line {row.line}, {row.entity}, {row.group}: {row.check}: not reproduced: {row.reason}")
        if self.notes:
            lines += ["", "Notes:", *[f"  - {note}" for note in self.notes]]
        return "\n".join(lines)


def _level_name(kind: str, value) -> str:
    if pd.isna(value):
        return "none"
    return f"{int(value)} {level_names(kind)[int(value)]}"


def _flags_in_words(frame: pd.DataFrame, index) -> str:
    row = frame.loc[index]
    flags = [f"{c} = {row[c]}" for c in FLAG_COLUMNS if c in frame.columns and pd.notna(row[c])]
    words = f" (row flags: {', '.join(flags)})" if flags else ""
    if "dass_flag" in frame.columns and row.get("dass_flag") == "Y":
        words += ("; an alternative (DASS) school, for which the Dashboard uses modified methods that "
                  "dashboard_indicators.yaml does not hold")
    return words


# --------------------------------------------------------------------------- levels


def _switches(indicator: Indicator) -> list[tuple[str, object]]:
    """The level-affecting rules beyond cut points, grid and a 30-student minimum this year."""
    return ([("limits", rule) for rule in indicator.rules_of("change_level_limits")]
            + [("counted", column) for column in indicator.counted[1:]])


def _describe_switch(switch, frame: pd.DataFrame, index) -> str:
    kind, what = switch
    if kind == "limits":
        return describe_rule(what)
    value = frame.at[index, what]
    return f"a colour needs 30 or more students in {what} too ({what} = {value if pd.notna(value) else 'blank'})"


def recompute_levels(frame: pd.DataFrame, indicator: Indicator, skip: Sequence = ()) -> pd.DataFrame:
    """Status level, change level and colour of each download row from its own figures and counts.

    ``skip`` leaves out level-affecting rules (a change-level limit, or a counted column after the
    first), to see which rule a published level needs.  A level the indicator has no cut points or
    grid for is missing (column absent).

    >>> from flp_inquiry.measures.dashboard import load_indicator
    >>> rows = pd.DataFrame({"currstatus": [59.8, 84.3], "change": [8.6, -6.1], "currdenom": [117, 70],
    ...                      "priordenom": [443, 208], "safetynet": ["Y", "N"]})
    >>> recompute_levels(rows, load_indicator("graduation_2017")).to_dict("list")
    {'status_level': [1, 2], 'change_level': [4, 1], 'colour': [1, 1]}
    """
    skipped = {id(what) if kind == "limits" else what for kind, what in skip}
    out = pd.DataFrame(index=frame.index)
    if not indicator.status_cuts or "currstatus" not in frame.columns:
        return out
    out["status_level"] = status_level(number(frame, "currstatus"), indicator.name)
    if not indicator.change_cuts or "change" not in frame.columns:
        return out
    levels = change_level(number(frame, "change"), indicator.name)
    for rule in indicator.rules_of("change_level_limits"):
        when = rule.settings["when"]
        if id(rule) in skipped or when["column"] not in frame.columns:
            continue
        levels = limit_change_levels(levels, (frame[when["column"]] == when["equals"]).fillna(False).to_numpy(),
                                     rule.settings["lowest"], rule.settings["highest"])
    out["change_level"] = levels
    if indicator.grid is None:
        return out
    counted = [c for i, c in enumerate(indicator.counted) if c in frame.columns and (i == 0 or c not in skipped)]
    enough = counts_reach(frame, counted, indicator.minimum_n)
    out["colour"] = colour(out["status_level"], out["change_level"], indicator.name).where(enough)
    return out


def _empty_levels(index) -> pd.Series:
    return pd.Series(pd.NA, index=index, dtype=LEVEL_DTYPE)


def _check_levels(frame: pd.DataFrame, parts: list[tuple[Indicator, pd.Series]], published: Sequence[str],
                  found: Findings) -> pd.DataFrame:
    """Every published level against the rules, part by part (rows of one indicator each)."""
    fulls = []
    counts = {column: {"published": 0, "matched": 0, "explained_by_rule": 0, "not_reproduced": 0}
              for column in LEVEL_COLUMNS}
    for indicator, rows in parts:
        part = frame[rows]
        full = recompute_levels(part, indicator)
        fulls.append(full)
        switches = _switches(indicator)
        baseline = recompute_levels(part, indicator, skip=switches)
        without = [recompute_levels(part, indicator, skip=[s]) for s in switches]
        for column, kind in LEVEL_COLUMNS.items():
            if column not in published:
                continue
            if column not in part.columns:
                raise ParameterError("file", frame.attrs.get("file", ""),
                                     reason=f"this kind of download publishes {column}, but the file has no such column")
            theirs = number(part, column).where(lambda v: v > 0).astype(LEVEL_DTYPE)  # 0 = none published
            ours = _OURS[column]
            mine = full[ours] if ours in full else _empty_levels(part.index)
            base = baseline[ours] if ours in baseline else _empty_levels(part.index)
            ok, base_ok = same(theirs, mine), same(theirs, base)
            explained = ok & ~base_ok
            for index in explained[explained].index:
                needed = [_describe_switch(s, part, index) for s, variant in zip(switches, without)
                          if not same(theirs.loc[[index]], variant[ours].loc[[index]]).iloc[0]]
                rule = "; ".join(needed) or "together: " + "; ".join(_describe_switch(s, part, index) for s in switches)
                found.explained.append({**found.where(index), "check": column, "published": _level_name(kind, theirs[index]),
                                        "cuts_and_grid_give": _level_name(kind, base[index]), "rule": rule})
            lacking = "" if ours in full else f" ({indicator.name} has no {kind} levels in dashboard_indicators.yaml)"
            for index in (~ok)[~ok].index:
                found.not_reproduced.append({
                    **found.where(index), "check": column,
                    "reason": f"published {_level_name(kind, theirs[index])}, the rules give {_level_name(kind, mine[index])}"
                              f"{lacking} from status {part.at[index, 'currstatus']}, change "
                              f"{part['change'].get(index) if 'change' in part else 'none'}{_flags_in_words(part, index)}"})
            counts[column]["published"] += int(theirs.notna().sum())
            counts[column]["matched"] += int(base_ok.sum())
            counts[column]["explained_by_rule"] += int(explained.sum())
            counts[column]["not_reproduced"] += int((~ok).sum())
    for column in LEVEL_COLUMNS:
        if column in published:
            found.summary.append({"check": column, "rule": "cut points + grid", "compared": len(frame), **counts[column]})
        else:
            found.summary.append({"check": column, "rule": "cut points + grid", "compared": 0, "published": "not in file",
                                  "matched": 0, "explained_by_rule": 0, "not_reproduced": 0})
    return pd.concat(fulls).reindex(frame.index) if fulls else pd.DataFrame(index=frame.index)


def _parts(frame: pd.DataFrame, kind: DownloadKind, indicator: Indicator, year: int) -> list[tuple[Indicator, pd.Series]]:
    """The rows of each indicator: all of them, or some given another by ``measure_by_row``."""
    everything = pd.Series(True, index=frame.index)
    by_row = kind.measure_by_row
    if not by_row or by_row["column"] not in frame.columns:
        return [(indicator, everything)]
    other = (frame[by_row["column"]] == by_row["equals"]).fillna(False).astype(bool)
    if not other.any():
        return [(indicator, everything)]
    return [(indicator, ~other), (indicator_for(by_row["measure"], year), other)]


def check_download(path) -> DownloadCheck:
    """Work out every row's status level, change level and colour again and test the indicator's rules.

    Parameters
    ----------
    path : str or os.PathLike
        A Dashboard download (``graddownload2017f.txt``, ``elpidownload...``, ``ccidownload...``,
        ``ela11download...``; any year whose kind ``dashboard_indicators.yaml`` lists).

    Returns
    -------
    DownloadCheck
        ``summary``: per check, rows compared, published, matched (for levels: by cut points, grid
        and 30 students this year alone), explained by a rule, not reproduced; ``explained`` and
        ``not_reproduced``: the rows; ``levels``: every row's recomputed levels; ``notes``;
        ``to_text()`` prints it all.

    Raises
    ------
    ParameterError
        A file whose name and columns match no download kind, or a year with no rules.
    PublicFileLayoutError, InputDataError
        From :func:`flp_inquiry.ingest.dashboard_downloads.read_dashboard_download`.

    Examples
    --------
    >>> import tempfile, os
    >>> text = ("cds\\trtype\\tschoolname\\tstudentgroup\\tcurrnumer\\tcurrdenom\\tcurrstatus\\tpriornumer\\tpriordenom\\t"
    ...         "priorstatus\\tchange\\tstatuslevel\\tchangelevel\\tcolor\\treportingyear\\n"
    ...         "10621660000000\\tD\\t\\tALL\\t90\\t100\\t90.0\\t80\\t100\\t80.0\\t10.0\\t4\\t5\\t5\\t2017f\\n")
    >>> folder = tempfile.mkdtemp(); name = os.path.join(folder, "graddownload2017f.txt")
    >>> _ = open(name, "w").write(text)
    >>> report = check_download(name)
    >>> report.reproduced, int(report.summary.set_index("check").loc["color", "matched"])
    (True, 1)
    """
    name = Path(path).name
    frame = read_dashboard_download(path)
    frame.attrs["file"] = name
    kind, year = identify_download(name, frame)
    indicator = indicator_for(kind.measure, year)
    found = Findings(frame)
    unrounded: dict[str, pd.Series] = {}
    as_published = frame  # which cells the state left blank: before blanks that are zeros are filled
    for rule in indicator.rules_of("blank_counts_are_zero"):
        frame = apply_blank_zeros(frame, rule, found)
    found.frame = frame
    for rule in indicator.rules:
        if rule.kind == "shown_when":
            check_shown(as_published, rule, found)
        elif rule.kind == "figure_from_counts":
            check_figure(frame, rule, indicator.decimals, found, unrounded)
        elif rule.kind == "change_from_unrounded":
            check_change(frame, rule, indicator.decimals, found, unrounded)
        elif rule.kind == "pooled_prior_years":
            check_pooled(frame, rule, found)
        elif rule.kind == "group_is_sum":
            check_group_sum(frame, rule, found)
    full = _check_levels(frame, _parts(frame, kind, indicator, year), kind.published, found)
    check_level_codes(frame, indicator, full, found)
    if not indicator.status_cuts:
        found.notes.append(f"{indicator.name} has no status cut points: the Dashboard {year} gave this measure no level")
    levels = pd.concat([frame[[c for c in ("cds", "rtype", "studentgroup") if c in frame.columns]], full], axis=1)
    for column in _OURS.values():
        if column not in levels:
            levels[column] = _empty_levels(levels.index)
    levels.insert(0, "line", frame.index + 2)
    columns = ["line", "entity", "group", "check"]
    return DownloadCheck(
        file=name, indicator=indicator, year=year, rows=len(frame), published=kind.published,
        summary=pd.DataFrame(found.summary, columns=["check", "rule", "compared", "published", "matched",
                                                     "explained_by_rule", "not_reproduced"]),
        explained=pd.DataFrame(found.explained, columns=[*columns, "published", "cuts_and_grid_give", "rule"]),
        not_reproduced=pd.DataFrame(found.not_reproduced, columns=[*columns, "reason"]),
        levels=levels.reset_index(drop=True), notes=found.notes,
    )


def check_exit_status(reports: Sequence[DownloadCheck]) -> int:
    """The command's exit status: 0 when every row of every file is reproduced, 1 when one is not.

    (A file the command cannot read or does not know ends it with 2, as every ``flp-inquiry`` error does.)

    >>> check_exit_status([])
    0
    """
    return int(np.any([not report.reproduced for report in reports]))
