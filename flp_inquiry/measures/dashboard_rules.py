"""The state's rules beyond cut points and grid, tested on every row of a Dashboard download.

Each rule kind of ``dashboard_indicators.yaml`` (:data:`flp_inquiry.measures.dashboard.RULE_KINDS`)
has a check here that :func:`flp_inquiry.measures.dashboard_check.check_download` runs on the rows
it applies to: which figures are published, figures against their counts, a change from the
unrounded figures, pooled prior years, blank counts that are zeros, a group that is the sum of
others, and the download's own codes for the colour (``nsize_met``, ``box``).  Every failing row is
kept with the rule in words and what the row holds instead.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from flp_inquiry.ingest.dashboard_downloads import fill_blank_parts
from flp_inquiry.measures.dashboard import Indicator, Rule, counts_reach, level_names, round_half_away


def describe_rule(rule: Rule) -> str:
    """The rule in words, for reports.

    >>> from flp_inquiry.measures.dashboard import load_indicator
    >>> describe_rule(load_indicator("graduation_2017").rules_of("change_level_limits")[0])
    'change level held within Declined..Increased where safetynet = Y'
    """
    s = rule.settings
    if rule.kind == "shown_when":
        parts = [f"{c} >= {s['minimum']}" for c in s.get("counted", ())]
        parts += [f"{c} published" for c in s.get("needs", ())]
        return f"{s['figure']} published only when {' and '.join(parts)}"
    if rule.kind == "blank_counts_are_zero":
        return f"a blank among {', '.join(s['parts'])} is 0 when the others add up to {s['total']}"
    if rule.kind == "figure_from_counts":
        scale = "100 x " if s.get("percent") else ""
        cap = f", at most {s['cap']}" if s.get("cap") is not None else ""
        first = f", rounded to {s['round_first_to']} decimals first" if s.get("round_first_to") is not None else ""
        return f"{s['figure']} = {scale}{s['numerator']} / {s['denominator']}{cap}{first}"
    if rule.kind == "change_from_unrounded":
        return f"change = unrounded {s['current']} - unrounded {s['prior']}, then rounded"
    if rule.kind == "pooled_prior_years":
        return (f"{s['numerator']}, {s['denominator']} = sums over {', '.join(s['years'])}"
                + (f"; {s['label']['column']} names the pooling" if s.get("label") else ""))
    if rule.kind == "change_level_limits":
        names = level_names("change")
        return (f"change level held within {names[s['lowest']]}..{names[s['highest']]} "
                f"where {s['when']['column']} = {s['when']['equals']}")
    if rule.kind == "colour_flag":
        return f"{s['column']} = {s['yes']} exactly where the colour's minimum n is met"
    if rule.kind == "box_code":
        return f"{s['column']} = 10 x ((5 - status level) x 5 + change level), 0 without a colour"
    return f"{s['group']} = {' + '.join(s['parts'])} in {', '.join(s['columns'])}"  # group_is_sum


def number(frame: pd.DataFrame, column: str) -> pd.Series:
    """A download column as floats (missing as NaN)."""
    return pd.to_numeric(frame[column], errors="coerce").astype("float64")


def same(a: pd.Series, b: pd.Series) -> pd.Series:
    """Equal, with missing equal to missing (levels, labels)."""
    a, b = a.astype(object), b.astype(object)
    both_missing = a.isna() & b.isna()
    return (both_missing | (a.notna() & b.notna() & (a.where(a.notna(), 0) == b.where(b.notna(), 0)))).astype(bool)


class Findings:
    """Collects summary rows, explained rows and rows not reproduced while the checks run."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self.summary: list[dict] = []
        self.explained: list[dict] = []
        self.not_reproduced: list[dict] = []
        self.notes: list[str] = []

    def where(self, index) -> dict:
        """A row as a reader finds it: its line in the file, its school or district, its group."""
        row = self.frame.loc[index]
        entity = next((row[c] for c in ("schoolname", "districtname", "countyname") if c in row and pd.notna(row[c])), "")
        return {"line": int(index) + 2, "entity": f"{entity} ({row['cds']})" if entity else row["cds"],
                "group": row["studentgroup"] if "studentgroup" in row and pd.notna(row["studentgroup"]) else "-"}

    def rule_check(self, check: str, rule: Rule, compared: pd.Series, matched: pd.Series, reason) -> None:
        """A rule tested on the rows it applies to; ``reason(index)`` words a failing row."""
        failed = compared & ~matched
        self.summary.append({"check": check, "rule": rule.kind, "compared": int(compared.sum()), "published": "",
                             "matched": int((compared & matched).sum()), "explained_by_rule": 0,
                             "not_reproduced": int(failed.sum())})
        for index in failed[failed].index:
            self.not_reproduced.append({**self.where(index), "check": check,
                                        "reason": f"{describe_rule(rule)}: {reason(index)}"})


def apply_blank_zeros(frame: pd.DataFrame, rule: Rule, found: Findings) -> pd.DataFrame:
    """Blanks that are zeros filled in (:func:`~flp_inquiry.ingest.dashboard_downloads.fill_blank_parts`);
    each row's parts checked against its total."""
    parts = fill_blank_parts(frame, rule.settings["total"], rule.settings["parts"])
    if not parts.parts:
        return frame
    total = number(frame, parts.total)
    found.rule_check(f"{parts.total} = sum of parts", rule, parts.checked, ~parts.inconsistent,
                     lambda i: f"parts add to {parts.known_sum[i]:g}, {parts.total} is {total[i]:g}")
    found.notes.append(f"{parts.zero_cells} blank count(s) among {', '.join(parts.parts)} are zeros "
                       f"(their row's other parts add up to {parts.total}, in {int(parts.zeros.sum())} rows); "
                       f"{int(parts.hidden.sum())} row(s) keep blanks that hide students (suppressed, fewer than 11)")
    return parts.filled


def check_shown(frame: pd.DataFrame, rule: Rule, found: Findings) -> None:
    """A figure is published exactly where its counts reach the minimum and the figures it needs are."""
    s = rule.settings
    if s["figure"] not in frame.columns or not all(c in frame.columns for c in (*s.get("counted", ()), *s.get("needs", ()))):
        return
    expected = pd.Series(counts_reach(frame, s.get("counted", ()), s.get("minimum", 0)), index=frame.index)
    for needed in s.get("needs", ()):
        expected &= frame[needed].notna()
    shown = frame[s["figure"]].notna()

    def reason(i):
        counts = ", ".join(f"{c} = {frame.at[i, c]}" for c in s.get("counted", ()))
        return f"{'published' if shown[i] else 'blank'} with {counts or 'the figures it needs'}"
    found.rule_check(f"{s['figure']} shown", rule, pd.Series(True, index=frame.index), shown == expected, reason)


def check_figure(frame: pd.DataFrame, rule: Rule, decimals: int, found: Findings, unrounded: dict) -> None:
    """A published figure against its numerator and denominator; keeps the unrounded figure for the change."""
    s = rule.settings
    if not all(c in frame.columns for c in (s["figure"], s["numerator"], s["denominator"])):
        return
    numerator, denominator = number(frame, s["numerator"]), number(frame, s["denominator"])
    with np.errstate(invalid="ignore", divide="ignore"):
        figure = (numerator / denominator.where(denominator > 0)) * (100.0 if s.get("percent") else 1.0)
    if s.get("cap") is not None:
        capped = figure > s["cap"]
        if capped.any():
            found.notes.append(f"{int(capped.sum())} row(s) count more in {s['numerator']} than {s['denominator']}; "
                               f"{s['figure']} is published as {s['cap']:g} there")
        figure = figure.clip(upper=s["cap"])
    unrounded[s["figure"]] = figure
    rounded = figure
    if s.get("round_first_to") is not None:
        rounded = pd.Series(round_half_away(figure, int(s["round_first_to"])), index=frame.index)
    rounded = pd.Series(round_half_away(rounded, decimals), index=frame.index)
    published = number(frame, s["figure"])
    compared = published.notna() & figure.notna()
    matched = (rounded - published).abs() < 1e-9
    found.rule_check(f"{s['figure']} from counts", rule, compared, matched,
                     lambda i: f"published {published[i]:g}, counts give {figure[i]:.4f} -> {rounded[i]:g}")


def check_change(frame: pd.DataFrame, rule: Rule, decimals: int, found: Findings, unrounded: dict) -> None:
    """The change: exactly from the unrounded figures where the counts give them, else to within one unit."""
    s = rule.settings
    if not all(c in frame.columns for c in ("change", s["current"], s["prior"])):
        return
    change = number(frame, "change")
    current, prior = number(frame, s["current"]), number(frame, s["prior"])
    compared = change.notna() & current.notna() & prior.notna()
    unit = 10.0 ** -decimals
    of_published = current - prior
    exact_known = pd.Series(False, index=frame.index)
    expected = pd.Series(np.nan, index=frame.index)
    if s["current"] in unrounded and s["prior"] in unrounded:
        raw = unrounded[s["current"]] - unrounded[s["prior"]]
        expected = pd.Series(round_half_away(raw, decimals), index=frame.index)
        exact_known = expected.notna()
    matched = pd.Series(np.where(exact_known, (expected - change).abs() < 1e-9,
                                 (of_published - change).abs() <= unit + 1e-9), index=frame.index)

    def reason(i):
        if exact_known[i]:
            return f"published {change[i]:g}, the unrounded figures give {expected[i]:g}"
        return f"published {change[i]:g}, more than {unit:g} from {current[i]:g} - {prior[i]:g}"
    found.rule_check("change", rule, compared, matched, reason)
    exact = compared & exact_known
    off = exact & (round_half_away(of_published, decimals) - change).abs().gt(1e-9)
    if exact.any():
        found.notes.append(f"change worked out exactly from the counts in {int(exact.sum())} rows; in {int(off.sum())} of "
                           f"them it differs from the difference of the two published figures")
    if (compared & ~exact_known).any():
        found.notes.append(f"{int((compared & ~exact_known).sum())} changes checked only to within {unit:g} of the "
                           f"difference of the published figures: the download has no numerators for them")


def check_pooled(frame: pd.DataFrame, rule: Rule, found: Findings) -> None:
    """Last year's numerator and denominator as sums of the earlier years', and the label of the pooling."""
    s = rule.settings
    years = list(s["years"])
    needed = [s["numerator"], s["denominator"], *[f"{y}_{part}" for y in years for part in ("numer", "denom")]]
    if not all(c in frame.columns for c in needed):
        return
    denominators = pd.DataFrame({y: number(frame, f"{y}_denom") for y in years}).fillna(0)
    numerators = pd.DataFrame({y: number(frame, f"{y}_numer") for y in years})
    pooled_denominator = number(frame, s["denominator"])
    found.rule_check(f"{s['denominator']} pooled", rule, pooled_denominator.notna(),
                     (denominators.sum(axis=1) - pooled_denominator).abs() < 1e-9,
                     lambda i: f"{s['denominator']} {pooled_denominator[i]:g}, the years add to {denominators.sum(axis=1)[i]:g}")
    pooled_numerator = number(frame, s["numerator"])
    knowable = pooled_numerator.notna() & numerators.notna().all(axis=1)
    found.rule_check(f"{s['numerator']} pooled", rule, knowable,
                     (numerators.sum(axis=1) - pooled_numerator).abs() < 1e-9,
                     lambda i: f"{s['numerator']} {pooled_numerator[i]:g}, the years add to {numerators.sum(axis=1)[i]:g}")
    hidden = pooled_numerator.notna() & ~knowable
    if hidden.any():
        found.notes.append(f"{int(hidden.sum())} pooled {s['numerator']} cannot be checked: a year's numerator is "
                           f"suppressed (fewer than 11 in that year), though the pooled one is published")
    label = s.get("label")
    if label and label["column"] in frame.columns:
        minimum = label["minimum"]
        later_years_empty = (denominators[years[1:]] == 0).all(axis=1)
        expected = np.select(
            [(denominators == 0).all(axis=1), ~(denominators >= minimum).any(axis=1), later_years_empty],
            [label["no_students"] or "", label["no_year_reaches_minimum"], label["only_latest_year"]],
            default=label["otherwise"])
        expected = pd.Series(expected, index=frame.index, dtype=object).replace("", np.nan)
        published = frame[label["column"]]
        found.rule_check(f"{label['column']} label", rule, pd.Series(True, index=frame.index), same(published, expected),
                         lambda i: f"published {published[i]!r}, the years' students "
                                   f"({', '.join(f'{denominators.at[i, y]:g}' for y in years)}) give {expected[i]!r}")


def check_group_sum(frame: pd.DataFrame, rule: Rule, found: Findings) -> None:
    """A group's counts against the sum of its parts' counts, in every entity that shows them all."""
    s = rule.settings
    if "studentgroup" not in frame.columns:
        return
    group, parts = s["group"], list(s["parts"])
    rows_of = frame[frame["studentgroup"].isin([group, *parts])]
    compared = pd.Series(False, index=frame.index)
    matched = pd.Series(True, index=frame.index)
    detail: dict = {}
    absent_hold = absent_total = 0
    for column in [c for c in s["columns"] if c in frame.columns]:
        wide = rows_of.pivot_table(index="cds", columns="studentgroup", values=column, aggfunc="first")
        if group not in wide.columns:
            continue
        wide = wide.reindex(columns=[group, *parts])
        group_rows = rows_of[rows_of["studentgroup"] == group]
        line_of = pd.Series(group_rows.index, index=group_rows["cds"].to_numpy())
        present = wide[group].notna() & wide[parts].notna().all(axis=1)
        holds = (wide[parts].sum(axis=1) == wide[group])
        for cds in wide.index[present]:
            i = line_of[cds]
            compared[i] = True
            matched[i] &= bool(holds[cds])
            detail.setdefault(i, []).append(f"{column}: {group} {wide.at[cds, group]:g}, parts "
                                            f"{' + '.join(f'{wide.at[cds, p]:g}' for p in parts)}")
        some_absent = wide[group].notna() & wide[parts].isna().any(axis=1) & wide[parts].notna().any(axis=1)
        absent_total += int(some_absent.sum())
        absent_hold += int((some_absent & (wide[parts].fillna(0).sum(axis=1) == wide[group])).sum())
    found.rule_check(f"{group} = {' + '.join(parts)}", rule, compared, matched, lambda i: "; ".join(detail[i]))
    found.notes.append(f"{group} = {' + '.join(parts)} in {', '.join(s['columns'])}: holds in "
                       f"{int((compared & matched).sum())} of {int(compared.sum())} entities that show all "
                       f"{len(parts) + 1} groups; in {absent_hold} of {absent_total} entity-columns where a part's row "
                       f"is absent, it holds with that part as 0 students")


def check_level_codes(frame: pd.DataFrame, indicator: Indicator, levels: pd.DataFrame, found: Findings) -> None:
    """The download's own codes for the colour: the minimum-n flag and the grid-cell number."""
    for rule in indicator.rules_of("colour_flag"):
        s = rule.settings
        if s["column"] not in frame.columns or not all(c in frame.columns for c in indicator.counted):
            continue
        expected = pd.Series(np.where(counts_reach(frame, indicator.counted, indicator.minimum_n), s["yes"], s["no"]),
                             index=frame.index)
        found.rule_check(s["column"], rule, pd.Series(True, index=frame.index), same(frame[s["column"]], expected),
                         lambda i: f"published {frame.at[i, s['column']]}, counts "
                                   f"{', '.join(f'{c} = {frame.at[i, c]}' for c in indicator.counted)}")
    for rule in indicator.rules_of("box_code"):
        s = rule.settings
        if s["column"] not in frame.columns or "colour" not in levels.columns:
            continue
        coloured = levels["colour"].notna()
        code = 10 * ((5 - levels["status_level"].astype("float")) * 5 + levels["change_level"].astype("float"))
        expected = code.where(coloured, 0.0)
        published = number(frame, s["column"])
        found.rule_check(s["column"], rule, pd.Series(True, index=frame.index), (expected - published).abs() < 1e-9,
                         lambda i: f"published {published[i]:g}, the levels give {expected[i]:g}")
