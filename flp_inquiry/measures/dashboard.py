"""California School Dashboard machinery: status levels, change levels and colours.

Every cut point and colour grid lives in ``flp_inquiry/data/dashboard_indicators.yaml``
so a corrected or newer Dashboard year is a data change, not a code change.  Levels are
integers 1-5 (``pd.Int64Dtype``, missing where the figure is missing):

- status: 1 Very Low, 2 Low, 3 Medium, 4 High, 5 Very High;
- change: 1 Declined Significantly, 2 Declined, 3 Maintained, 4 Increased,
  5 Increased Significantly;
- colour: 1 Red, 2 Orange, 3 Yellow, 4 Green, 5 Blue (none for groups under ``minimum_n``).

Indicators: ``ela_3_8``, ``math_3_8``, ``ela_11``, ``math_11`` (Distance from Standard),
``elpi_2017`` (the CELDT-era English Learner Progress of Fall 2017) and ``elpi``
(ELPAC era, 2023 on; its colour grid is not in the spec, so it has status and change
levels only).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Sequence

import numpy as np
import pandas as pd
import yaml

from flp_inquiry.errors import ParameterError
from flp_inquiry.measures.suppression import require_columns

LEVEL_DTYPE = "Int64"


@dataclass(frozen=True)
class Cut:
    """A boundary between two levels; a value exactly ``at`` it goes ``on_cut`` ("above" or "below")."""

    at: float
    on_cut: str = "above"


@dataclass(frozen=True)
class Indicator:
    """One Dashboard indicator's cut points, grid and minimum group size, as read from the YAML."""

    name: str
    title: str
    decimals: int
    status_cuts: tuple[Cut, ...]
    change_cuts: tuple[Cut, ...]
    grid: tuple[tuple[int, ...], ...] | None
    minimum_n: int
    counted: tuple[str, ...] = ()


def _read_cuts(name: str, key: str, raw: list[dict]) -> tuple[Cut, ...]:
    cuts = tuple(Cut(float(c["at"]), c.get("on_cut", "above")) for c in raw)
    bad = [c for c in cuts if c.on_cut not in ("above", "below")]
    ats = [c.at for c in cuts]
    if len(cuts) != 4 or bad or ats != sorted(ats):
        raise ParameterError(
            f"{name}.{key}", raw,
            reason="dashboard_indicators.yaml needs four increasing cuts, each on_cut 'above' or 'below'",
        )
    return cuts


@lru_cache(maxsize=None)
def _settings() -> dict:
    text = resources.files("flp_inquiry").joinpath("data", "dashboard_indicators.yaml").read_text("utf-8")
    return yaml.safe_load(text)


@lru_cache(maxsize=None)
def load_indicator(indicator: str) -> Indicator:
    """The cut points, grid and minimum n of one indicator from ``dashboard_indicators.yaml``.

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
    """
    settings = _settings()
    if indicator not in settings["indicators"]:
        raise ParameterError("indicator", indicator, indicator_names())
    raw = settings["indicators"][indicator]
    grid = settings["grids"][raw["grid"]] if raw.get("grid") else None
    if grid is not None and (len(grid) != 5 or any(len(row) != 5 for row in grid)):
        raise ParameterError(f"{indicator}.grid", raw["grid"], reason="a colour grid is 5 rows of 5 colours")
    return Indicator(
        name=indicator,
        title=raw["title"],
        decimals=int(raw["decimals"]),
        status_cuts=_read_cuts(indicator, "status_cuts", raw["status_cuts"]),
        change_cuts=_read_cuts(indicator, "change_cuts", raw["change_cuts"]),
        grid=tuple(tuple(int(c) for c in row) for row in grid) if grid is not None else None,
        minimum_n=int(raw["minimum_n"]),
        counted=tuple(raw.get("counted", ())),
    )


def indicator_names() -> list[str]:
    """The indicators ``dashboard_indicators.yaml`` defines.

    >>> indicator_names()
    ['ela_3_8', 'math_3_8', 'ela_11', 'math_11', 'elpi_2017', 'elpi']
    """
    return list(_settings()["indicators"])


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


def status_level(values, indicator: str) -> pd.Series:
    """Dashboard status level (1 Very Low .. 5 Very High) of each value.

    Parameters
    ----------
    values : array-like of float
        The indicator's figure (DFS points, or percent for ELPI); missing stays missing.
    indicator : str
        An indicator of ``dashboard_indicators.yaml``.

    Returns
    -------
    pandas.Series of Int64

    Examples
    --------
    ELA grades 3-8: Very High >= 45, High 10 to < 45, Medium -5 to < 10, Low -70 to < -5.

    >>> status_level([45, 44.9, 10, -5, -70, -70.1, None], "ela_3_8").tolist()
    [5, 4, 4, 3, 2, 1, <NA>]
    """
    settings = load_indicator(indicator)
    return _levels(values, settings.status_cuts, settings.decimals)


def change_level(changes, indicator: str) -> pd.Series:
    """Dashboard change level (1 Declined Significantly .. 5 Increased Significantly).

    Parameters
    ----------
    changes : array-like of float
        This year's figure minus last year's, same group.
    indicator : str
        An indicator of ``dashboard_indicators.yaml``.

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
    return _levels(changes, settings.change_cuts, settings.decimals)


def colour(status_levels, change_levels, indicator: str) -> pd.Series:
    """Colour (1 Red .. 5 Blue) from the indicator's 5x5 grid of status level x change level.

    Missing where either level is missing.  The minimum group size is applied by
    :func:`dashboard_levels`, which knows the counts.

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
    grid = np.asarray(settings.grid, dtype=float)
    result = np.full(len(status), np.nan)
    result[known] = grid[
        status[known].to_numpy(dtype=int) - 1, change[known].to_numpy(dtype=int) - 1
    ]
    return pd.Series(result, index=index).astype(LEVEL_DTYPE)


def dashboard_levels(
    table: pd.DataFrame,
    indicator: str,
    value: str = "value",
    change: str | None = "change",
    n: str | Sequence[str] = "n",
) -> pd.DataFrame:
    """Add ``status_level``, ``change_level``, ``colour`` and ``colour_name`` to a table.

    The colour is left missing where any counted column (``n``; a sequence names
    several, e.g. both years' testers) is under the indicator's ``minimum_n`` (30),
    or where there is no change.  Without a ``change`` column (``change=None``) only
    ``status_level`` is added; an indicator without a grid gets no colour columns.

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
    """
    counted = [n] if isinstance(n, str) else list(n)
    require_columns(table, [value, *([change] if change else []), *counted], "dashboard_levels")
    settings = load_indicator(indicator)
    result = table.copy()
    result["status_level"] = status_level(table[value], indicator)
    if change is None:
        return result
    result["change_level"] = change_level(table[change], indicator)
    if settings.grid is None:
        return result
    enough = np.logical_and.reduce(
        [pd.to_numeric(table[c], errors="coerce").fillna(0).to_numpy() >= settings.minimum_n for c in counted]
    )
    colours = colour(result["status_level"], result["change_level"], indicator)
    result["colour"] = colours.where(enough)
    result["colour_name"] = result["colour"].map(level_names("colour")).astype(object)
    return result
