"""California School Dashboard machinery: status levels, change levels, colours and the state's rules.

Every cut point, colour grid, minimum group size and small-group rule lives in
``flp_inquiry/data/dashboard_indicators.yaml`` so a corrected or newer Dashboard year is a data
change, not a code change.  Levels are integers 1-5 (``pd.Int64Dtype``, missing where the figure is
missing):

- status: 1 Very Low, 2 Low, 3 Medium, 4 High, 5 Very High;
- change: 1 Declined Significantly, 2 Declined, 3 Maintained, 4 Increased,
  5 Increased Significantly;
- colour: 1 Red, 2 Orange, 3 Yellow, 4 Green, 5 Blue (none for groups under ``minimum_n``).

The names are the Dashboard's whichever way is better (for chronic absenteeism "Very Low" is the
good end); each indicator's grid says what colour a cell is.

Indicators (:func:`indicator_names`): ``ela_3_8``, ``math_3_8``, ``ela_11``, ``math_11`` (Distance
from Standard; grade 11 from 2018, ``ela_11_2017``/``math_11_2017`` the Fall 2017 grade 11 with no
level), ``elpi_2017`` (the CELDT-era English Learner Progress of Fall 2017), ``elpi`` (ELPAC era,
2023 on; no colour grid in the spec yet), ``graduation_2017``, ``graduation`` (2023 on; no cut
points in the spec yet), ``cci_2017`` (status only) and ``chronic_absenteeism`` (2023 on).  One
*measure* has an entry per span of years whose rules differ: :func:`indicator_for` picks it.

What the state does beyond cut points and grid is a list of named rules per indicator
(:data:`RULE_KINDS`); :mod:`flp_inquiry.measures.dashboard_check` tests each of them on every row
of a download.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
import yaml

from flp_inquiry.errors import ParameterError
from flp_inquiry.measures.suppression import require_columns

LEVEL_DTYPE = "Int64"

#: The rule kinds ``dashboard_indicators.yaml`` may name, with the settings each needs and may have.
RULE_KINDS: dict[str, dict[str, tuple[str, ...]]] = {
    "shown_when": {"needs": ("figure",), "may": ("counted", "minimum", "needs")},
    "blank_counts_are_zero": {"needs": ("total", "parts"), "may": ()},
    "figure_from_counts": {"needs": ("figure", "numerator", "denominator"), "may": ("percent", "cap", "round_first_to")},
    "change_from_unrounded": {"needs": ("current", "prior"), "may": ()},
    "pooled_prior_years": {"needs": ("numerator", "denominator", "years"), "may": ("label",)},
    "change_level_limits": {"needs": ("when", "lowest", "highest"), "may": ()},
    "colour_flag": {"needs": ("column", "yes", "no"), "may": ()},
    "box_code": {"needs": ("column",), "may": ()},
    "group_is_sum": {"needs": ("group", "parts", "columns"), "may": ()},
}
#: What an indicator's ``projection`` may say: how its figure is worked out from a district's data, or why not.
PROJECTION_KEYS = {"metric", "subject", "grade_span", "note", "not_projected"}


@dataclass(frozen=True)
class Cut:
    """A boundary between two levels; a value exactly ``at`` it goes ``on_cut`` ("above" or "below")."""

    at: float
    on_cut: str = "above"


@dataclass(frozen=True)
class Rule:
    """One of the state's rules beyond cut points and grid: its kind and settings, as in the YAML.

    >>> rule = load_indicator("graduation_2017").rules_of("change_level_limits")[0]
    >>> rule.kind, rule.settings["highest"]
    ('change_level_limits', 4)
    """

    kind: str
    settings: Mapping = field(default_factory=dict)


@dataclass(frozen=True)
class Indicator:
    """One Dashboard indicator's cut points, grid, minimum group size and rules, as read from the YAML."""

    name: str
    title: str
    decimals: int
    status_cuts: tuple[Cut, ...]
    change_cuts: tuple[Cut, ...]
    grid: tuple[tuple[int | None, ...], ...] | None
    minimum_n: int
    counted: tuple[str, ...] = ()
    measure: str = ""
    first_year: int | None = None
    last_year: int | None = None
    unit: str = ""
    higher_is_better: bool = True
    el_group_rfep_years: int | None = None
    projection: Mapping = field(default_factory=dict)
    rules: tuple[Rule, ...] = ()

    def rules_of(self, kind: str) -> list[Rule]:
        """This indicator's rules of one kind, in YAML order."""
        return [rule for rule in self.rules if rule.kind == kind]

    @property
    def span(self) -> str:
        """The Dashboard years these rules hold in, in words.

        >>> load_indicator("elpi").span, load_indicator("elpi_2017").span
        ('2023 on', '2017')
        """
        if self.first_year is not None and self.first_year == self.last_year:
            return str(self.first_year)
        if self.last_year is None:
            return f"{self.first_year} on" if self.first_year is not None else "every year"
        return f"{self.first_year or '...'}-{self.last_year}"

    def holds_in(self, year: int) -> bool:
        """Whether these rules are the Dashboard's of ``year``."""
        return (self.first_year is None or year >= self.first_year) and (self.last_year is None or year <= self.last_year)

    @property
    def table_counted(self) -> list[str]:
        """The counted columns as the package's metric tables name them (``n``, ``prior_n``).

        >>> load_indicator("graduation_2017").table_counted, load_indicator("ela_3_8").table_counted
        (['n', 'prior_n'], ['n'])
        """
        names = _settings().get("table_counts", {})
        return list(dict.fromkeys(names.get(column, column) for column in self.counted))


def _read_cuts(name: str, key: str, raw: list[dict] | None) -> tuple[Cut, ...]:
    if raw is None:
        return ()
    cuts = tuple(Cut(float(c["at"]), c.get("on_cut", "above")) for c in raw)
    bad = [c for c in cuts if c.on_cut not in ("above", "below")]
    ats = [c.at for c in cuts]
    if len(cuts) != 4 or bad or ats != sorted(ats):
        raise ParameterError(
            f"{name}.{key}", raw,
            reason="dashboard_indicators.yaml needs four increasing cuts, each on_cut 'above' or 'below'",
        )
    return cuts


def _read_grid(name: str, raw) -> tuple[tuple[int | None, ...], ...]:
    if len(raw) != 5 or any(len(row) != 5 for row in raw):
        raise ParameterError(f"{name}.grid", raw, reason="a colour grid is 5 rows of 5 colours")
    cells = [cell for row in raw for cell in row]
    if any(cell is not None and cell not in (1, 2, 3, 4, 5) for cell in cells):
        raise ParameterError(f"{name}.grid", raw, reason="a grid cell is a colour 1-5, or null where it cannot occur")
    return tuple(tuple(None if cell is None else int(cell) for cell in row) for row in raw)


def _read_rules(name: str, raw: list[dict] | None) -> tuple[Rule, ...]:
    rules = []
    for position, entry in enumerate(raw or [], start=1):
        kind = entry.get("rule") if isinstance(entry, dict) else None
        if kind not in RULE_KINDS:
            raise ParameterError(f"{name}.rules[{position}].rule", kind, list(RULE_KINDS))
        settings = {k: v for k, v in entry.items() if k != "rule"}
        wanted = RULE_KINDS[kind]
        missing = [k for k in wanted["needs"] if k not in settings]
        unknown = [k for k in settings if k not in (*wanted["needs"], *wanted["may"])]
        if missing or unknown:
            raise ParameterError(
                f"{name}.rules[{position}]", entry,
                reason=f"a {kind} rule needs {', '.join(wanted['needs'])}"
                       + (f" and may have {', '.join(wanted['may'])}" if wanted["may"] else "")
                       + (f"; missing {', '.join(missing)}" if missing else "")
                       + (f"; unknown {', '.join(unknown)}" if unknown else ""),
            )
        if kind == "shown_when" and ("counted" in settings) != ("minimum" in settings):
            raise ParameterError(f"{name}.rules[{position}]", entry, reason="counted and minimum go together")
        rules.append(Rule(kind, settings))
    return tuple(rules)


def _read_projection(name: str, raw) -> dict:
    raw = dict(raw or {})
    unknown = set(raw) - PROJECTION_KEYS
    if unknown or (("metric" in raw) == ("not_projected" in raw)):
        raise ParameterError(f"{name}.projection", raw,
                             reason="a projection is {metric, subject, grade_span, note} or {not_projected: why}")
    return raw


@lru_cache(maxsize=None)
def _settings() -> dict:
    text = resources.files("flp_inquiry").joinpath("data", "dashboard_indicators.yaml").read_text("utf-8")
    return yaml.safe_load(text)


@lru_cache(maxsize=None)
def load_indicator(indicator: str) -> Indicator:
    """The cut points, grid, minimum n and rules of one indicator from ``dashboard_indicators.yaml``.

    Parameters
    ----------
    indicator : str
        One of :func:`indicator_names`.

    Returns
    -------
    Indicator

    Examples
    --------
    >>> ela = load_indicator("ela_3_8")
    >>> [cut.at for cut in ela.status_cuts], ela.minimum_n
    ([-70.0, -5.0, 10.0, 45.0], 30)
    >>> load_indicator("elpi_2017").change_cuts[1]
    Cut(at=-1.5, on_cut='below')
    >>> load_indicator("graduation_2017").counted
    ('currdenom', 'priordenom')
    """
    settings = _settings()
    if indicator not in settings["indicators"]:
        raise ParameterError("indicator", indicator, indicator_names())
    raw = settings["indicators"][indicator]
    grid = None
    if raw.get("grid"):
        if raw["grid"] not in settings["grids"]:
            raise ParameterError(f"{indicator}.grid", raw["grid"], list(settings["grids"]))
        grid = _read_grid(indicator, settings["grids"][raw["grid"]])
    years = raw.get("years") or {}
    return Indicator(
        name=indicator,
        title=raw["title"],
        decimals=int(raw["decimals"]),
        status_cuts=_read_cuts(indicator, "status_cuts", raw.get("status_cuts")),
        change_cuts=_read_cuts(indicator, "change_cuts", raw.get("change_cuts")),
        grid=grid,
        minimum_n=int(raw["minimum_n"]),
        counted=tuple(raw.get("counted", ())),
        measure=raw.get("measure", indicator),
        first_year=years.get("first"),
        last_year=years.get("last"),
        unit=raw.get("unit", ""),
        higher_is_better=bool(raw.get("higher_is_better", True)),
        el_group_rfep_years=raw.get("el_group_rfep_years"),
        projection=_read_projection(indicator, raw.get("projection")),
        rules=_read_rules(indicator, raw.get("rules")),
    )


def indicator_names() -> list[str]:
    """The indicators ``dashboard_indicators.yaml`` defines.

    >>> indicator_names()[:4]
    ['ela_3_8', 'math_3_8', 'ela_11_2017', 'math_11_2017']
    """
    return list(_settings()["indicators"])


def measure_names() -> list[str]:
    """The measures the indicators are of, in the YAML's order (one measure, one entry per span of years).

    >>> measure_names()
    ['ela_3_8', 'math_3_8', 'ela_11', 'math_11', 'elpi', 'graduation', 'cci', 'chronic_absenteeism']
    """
    return list(dict.fromkeys(load_indicator(name).measure for name in indicator_names()))


def indicator_for(measure: str, year: int) -> Indicator:
    """The indicator entry holding a measure's rules in a Dashboard year.

    Raises :class:`~flp_inquiry.errors.ParameterError`, naming the spans it has, for a year with
    no rules (the Dashboard gave no colours from 2020 to 2022, and the YAML holds 2017 and 2023 on).

    >>> indicator_for("elpi", 2017).name, indicator_for("elpi", 2024).name
    ('elpi_2017', 'elpi')
    >>> indicator_for("ela_11", 2017).name, indicator_for("ela_11", 2025).name
    ('ela_11_2017', 'ela_11')
    """
    entries = [load_indicator(name) for name in indicator_names()]
    if measure not in measure_names():
        raise ParameterError("measure", measure, measure_names())
    chosen = [entry for entry in entries if entry.measure == measure and entry.holds_in(int(year))]
    spans = "; ".join(f"{e.name}: {e.span}" for e in entries if e.measure == measure)
    if not chosen:
        raise ParameterError("year", year, reason=f"dashboard_indicators.yaml has no {measure} rules for it ({spans})")
    if len(chosen) > 1:
        raise ParameterError("year", year, reason=f"dashboard_indicators.yaml has {measure} spans that overlap ({spans})")
    return chosen[0]


def level_names(kind: str) -> dict[int, str]:
    """Names of the status levels, change levels or colours, by number.

    >>> level_names("colour")[1], level_names("status")[5], level_names("change")[3]
    ('Red', 'Very High', 'Maintained')
    """
    settings = _settings()
    if kind == "colour":
        return {int(k): v for k, v in settings["colour_names"].items()}
    if kind in ("status", "change"):
        return dict(enumerate(settings[f"{kind}_names"], start=1))
    raise ParameterError("kind", kind, ["status", "change", "colour"])


def round_half_away(values, decimals: int) -> np.ndarray:
    """Round as the Dashboard publishes: half away from zero (``np.round`` rounds half to even).

    >>> round_half_away([44.95, -5.05, 2.25, np.nan], 1).tolist()
    [45.0, -5.1, 2.3, nan]
    """
    numbers = pd.to_numeric(pd.Series(values, dtype="float64"), errors="coerce").to_numpy(dtype=float)
    scale = 10.0 ** decimals
    # the 1e-9 absorbs binary noise such as 44.95 * 10 = 449.49999...
    return np.sign(numbers) * np.floor(np.abs(numbers) * scale + 0.5 + 1e-9) / scale


def _levels(values, cuts: Sequence[Cut], decimals: int, index=None) -> pd.Series:
    numbers = round_half_away(values, decimals)
    level = np.ones(len(numbers))
    for cut in cuts:
        level += (numbers >= cut.at) if cut.on_cut == "above" else (numbers > cut.at)
    level[np.isnan(numbers)] = np.nan
    if index is None and isinstance(values, pd.Series):
        index = values.index
    return pd.Series(level, index=index).astype(LEVEL_DTYPE)


def _need_cuts(settings: Indicator, kind: str) -> tuple[Cut, ...]:
    cuts = settings.status_cuts if kind == "status" else settings.change_cuts
    if not cuts:
        def has(name):
            entry = load_indicator(name)
            return bool(entry.status_cuts if kind == "status" else entry.change_cuts)
        raise ParameterError("indicator", settings.name, [n for n in indicator_names() if has(n)],
                             reason=f"dashboard_indicators.yaml has no {kind} cut points for it")
    return cuts


def status_level(values, indicator: str) -> pd.Series:
    """Dashboard status level (1 Very Low .. 5 Very High) of each value.

    Parameters
    ----------
    values : array-like of float
        The indicator's figure (DFS points, or a percent); missing stays missing.
    indicator : str
        An indicator of ``dashboard_indicators.yaml`` with status cut points.

    Returns
    -------
    pandas.Series of Int64

    Examples
    --------
    ELA grades 3-8: Very High >= 45, High 10 to < 45, Medium -5 to < 10, Low -70 to < -5.

    >>> status_level([45, 44.9, 10, -5, -70, -70.1, None], "ela_3_8").tolist()
    [5, 4, 4, 3, 2, 1, <NA>]

    Chronic absenteeism (lower is better): Very Low 2.5% or less, Low 2.6-5.0, ...

    >>> status_level([2.5, 2.6, 5.0, 5.1, 20.0, 20.1], "chronic_absenteeism").tolist()
    [1, 2, 2, 3, 4, 5]
    """
    settings = load_indicator(indicator)
    return _levels(values, _need_cuts(settings, "status"), settings.decimals)


def change_level(changes, indicator: str) -> pd.Series:
    """Dashboard change level (1 Declined Significantly .. 5 Increased Significantly).

    Parameters
    ----------
    changes : array-like of float
        This year's figure minus last year's, same group.
    indicator : str
        An indicator of ``dashboard_indicators.yaml`` with change cut points.

    Returns
    -------
    pandas.Series of Int64

    Examples
    --------
    >>> change_level([-15, -15.1, -3, 3, 15], "ela_3_8").tolist()
    [2, 1, 3, 4, 5]

    The Fall 2017 ELPI puts -1.5 itself in Declined:

    >>> change_level([-10, -1.5, -1.4, 1.5], "elpi_2017").tolist()
    [2, 2, 3, 4]
    """
    settings = load_indicator(indicator)
    return _levels(changes, _need_cuts(settings, "change"), settings.decimals)


def limit_change_levels(change_levels, where, lowest: int, highest: int) -> pd.Series:
    """Change levels held within ``[lowest, highest]`` where ``where`` is true (a small-school safety net).

    >>> limit_change_levels(pd.Series([5, 1, 5, 3]), [True, True, False, True], 2, 4).tolist()
    [4, 2, 5, 3]
    """
    levels = pd.Series(pd.array(change_levels, dtype=LEVEL_DTYPE),
                       index=change_levels.index if isinstance(change_levels, pd.Series) else None)
    held = levels.clip(lower=lowest, upper=highest)
    return levels.where(~np.asarray(where, dtype=bool), held)


def colour(status_levels, change_levels, indicator: str) -> pd.Series:
    """Colour (1 Red .. 5 Blue) from the indicator's 5x5 grid of status level x change level.

    Missing where either level is missing or the grid cell is null (a cell that cannot occur).
    The minimum group size is applied by :func:`dashboard_levels`, which knows the counts.

    Parameters
    ----------
    status_levels, change_levels : array-like of int 1-5
    indicator : str
        An indicator with a grid in ``dashboard_indicators.yaml``.

    Returns
    -------
    pandas.Series of Int64

    Examples
    --------
    >>> colour([1, 5, 3, None], [5, 1, 3, 2], "ela_3_8").tolist()
    [2, 4, 3, <NA>]
    >>> colour([5, 5], [1, 2], "graduation_2017").tolist()  # Very High x Declined Significantly cannot occur
    [<NA>, 5]
    """
    settings = load_indicator(indicator)
    if settings.grid is None:
        raise ParameterError(
            "indicator", indicator, [n for n in indicator_names() if load_indicator(n).grid is not None],
            reason="dashboard_indicators.yaml has no colour grid for it",
        )
    index = status_levels.index if isinstance(status_levels, pd.Series) else None
    status = pd.array(status_levels, dtype=LEVEL_DTYPE)
    change = pd.array(change_levels, dtype=LEVEL_DTYPE)
    known = ~(status.isna() | change.isna())
    grid = np.array([[np.nan if c is None else c for c in row] for row in settings.grid], dtype=float)
    result = np.full(len(status), np.nan)
    result[known] = grid[
        status[known].to_numpy(dtype=int) - 1, change[known].to_numpy(dtype=int) - 1
    ]
    return pd.Series(result, index=index).astype(LEVEL_DTYPE)


def counts_reach(table: pd.DataFrame, columns: Sequence[str], minimum: int) -> np.ndarray:
    """Rows where every one of ``columns`` holds at least ``minimum`` (a missing count does not).

    >>> counts_reach(pd.DataFrame({"n": [30, 31, None], "prior_n": [29, 30, 40]}), ["n", "prior_n"], 30).tolist()
    [False, True, False]
    """
    return np.logical_and.reduce(
        [pd.to_numeric(table[c], errors="coerce").fillna(0).to_numpy() >= minimum for c in columns]
        or [np.ones(len(table), dtype=bool)]
    )


#: How a reason names a counted column of the package's metric tables.
_COUNT_WORDS = {"n": "this year", "prior_n": "last year"}


def _no_colour_reasons(table: pd.DataFrame, result: pd.DataFrame, settings: Indicator, counted: list[str]) -> pd.Series:
    """Why each row has no colour, the first reason that applies (empty where it has one)."""
    why = pd.Series("", index=table.index, dtype=object)

    def unless_said(mask, words):
        nonlocal why
        why = why.where(~(np.asarray(mask, dtype=bool) & (why == "").to_numpy()), words)

    unless_said(result["status_level"].isna(), "no figure this year")
    unless_said(result["change_level"].isna(), "no figure last year, so no change")
    for column in counted:
        small = pd.to_numeric(table[column], errors="coerce").fillna(0) < settings.minimum_n
        words = _COUNT_WORDS.get(column, f"({column})")
        unless_said(small, f"fewer than {settings.minimum_n} students {words}")
    unless_said(result["colour"].isna(), "a grid cell that cannot occur")
    return why


def dashboard_levels(
    table: pd.DataFrame,
    indicator: str,
    value: str = "value",
    change: str | None = "change",
    n: str | Sequence[str] = "n",
    *,
    reasons: bool = False,
) -> pd.DataFrame:
    """Add ``status_level``, ``change_level``, ``colour`` and ``colour_name`` to a table.

    The colour is left missing where any counted column (``n``; a sequence names
    several, e.g. both years' counts) is under the indicator's ``minimum_n`` (30),
    or where there is no change.  Without a ``change`` column (``change=None``) only
    ``status_level`` is added; an indicator without a grid gets no colour columns,
    and one without status cut points an empty ``status_level``.

    Parameters
    ----------
    table : DataFrame
        One row per group with the figure, its change and its count.
    indicator : str
        An indicator of ``dashboard_indicators.yaml``.
    value, change : str
        Columns holding the figure and this-year-minus-last-year.
    n : str or sequence of str
        Column(s) holding the number of students.
    reasons : bool
        Also add ``no_colour_reason``: why a row has no colour, in words (empty where it has one):
        no cut points or grid for the indicator, no figure this year or last, fewer than 30 students.

    Returns
    -------
    DataFrame
        A copy of ``table`` with the new columns.

    Examples
    --------
    >>> t = pd.DataFrame({"school": ["A", "B"], "n": [30, 29], "value": [12.0, 12.0],
    ...                   "change": [3.0, 3.0]})
    >>> dashboard_levels(t, "ela_3_8")[["status_level", "change_level", "colour", "colour_name"]]
       status_level  change_level  colour colour_name
    0             4             4       4       Green
    1             4             4    <NA>         NaN
    >>> dashboard_levels(t, "ela_3_8", reasons=True)["no_colour_reason"].tolist()
    ['', 'fewer than 30 students this year']
    """
    counted = [n] if isinstance(n, str) else list(n)
    require_columns(table, [value, *([change] if change else []), *counted], "dashboard_levels")
    settings = load_indicator(indicator)
    result = table.copy()
    if settings.status_cuts:
        result["status_level"] = status_level(table[value], indicator)
    else:
        result["status_level"] = pd.Series(pd.NA, index=table.index, dtype=LEVEL_DTYPE)
    lacking = ""  # what the indicator itself lacks that a colour needs
    if not settings.status_cuts:
        lacking = f"the state's status cut points for {settings.span} are not in this project's rules yet"
    elif change is None or not settings.change_cuts:
        lacking = f"the Dashboard gives this indicator no change level ({settings.span})"
    elif settings.grid is None:
        lacking = f"the state's colour grid for {settings.span} is not in this project's rules yet"
    if change is not None and settings.change_cuts:
        result["change_level"] = change_level(table[change], indicator)
    if change is not None and settings.change_cuts and settings.grid is not None:
        enough = counts_reach(table, counted, settings.minimum_n)
        colours = colour(result["status_level"], result["change_level"], indicator)
        result["colour"] = colours.where(enough)
        result["colour_name"] = result["colour"].map(level_names("colour")).astype(object)
    if reasons:
        result["no_colour_reason"] = (pd.Series(lacking, index=table.index, dtype=object) if lacking
                                      else _no_colour_reasons(table, result, settings, counted))
    return result
