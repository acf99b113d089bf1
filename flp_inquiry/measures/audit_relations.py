"""The relations a reader of a whole pack can write down between its figures (issue 22).

The cells of every table a pack shows (:mod:`flp_inquiry.measures.table_meaning`) become a
system of linear relations over whole numbers of students (:func:`build_relations`), each
one a thing a reader can work out with pencil and paper:

1. **One population, one number.** A measure of one population is one unknown, however
   many tables show it (a school's count in its own report and in the district's table).
2. **Parts add up to their whole.** The groups a table shows completely (every student
   group, every grade, every school) sum to the whole, whether the whole is shown there,
   elsewhere, or nowhere (two breakdowns of one unshown whole are then equal).  A span of
   grades is the sum of its grades, and a measure's grades are its universe (students are
   tested in grades 3-8 and 11), by definition (:data:`~flp_inquiry.measures.table_meaning.UNIVERSES`).
3. **A part is at most its whole.** Any group is no larger than the population it is part of.
4. **A rate gives its numerator.** A percentage shown with its denominator gives the
   numerator to within rounding (``28.0%`` of 261 is 73; rounded percentages are intervals);
   with an unknown denominator the percentage is two inequalities; a numerator is at most
   its denominator.
5. **What the rule says of a hidden count.** Every count is a whole number 0 or more; a
   count hidden because it is small is 0-10; one hidden beside it (complementary) is 11 or
   more.  (A reader does not know which of two hidden counts is the small one; assuming
   they do is the safe side.)

:mod:`flp_inquiry.measures.audit` solves the system; :mod:`flp_inquiry.measures.audit_protection`
hides more cells where it must.
"""
from __future__ import annotations

import functools
import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from flp_inquiry.errors import FlpInquiryError
from flp_inquiry.measures.dashboard import round_half_away
from flp_inquiry.measures.table_meaning import ALL, NOT_ADDITIVE, SPANS, UNIVERSES, parse_population, population_key

MIN_N = 11
#: A hidden count is protected when a reader cannot narrow it to fewer whole values than this.
MIN_VALUES = 6
#: How close an unrounded percentage is to the true one, in percentage points.
UNROUNDED_TOLERANCE = 1e-6

class AuditError(FlpInquiryError):
    """The published figures contradict each other (a table's meaning is wrong), or a solver failed."""


@dataclass
class Relation:
    variables: np.ndarray
    coefficients: np.ndarray
    bound: float
    equality: bool
    kind: str


@dataclass
class RelationSystem:
    """Everything a reader can write down: unknowns (one per measure and population), bounds, relations."""

    keys: list[tuple[str, str]]
    lower: np.ndarray
    upper: np.ndarray
    relations: list[Relation]
    targets: pd.DataFrame                     # one row per hidden count to protect
    publishers: dict[int, list[tuple]] = field(default_factory=dict)  # variable -> (table, row, kind) showing it
    facts: dict[str, int] = field(default_factory=dict)  # relations a reader uses that became bounds

    def relation_counts(self) -> dict[str, int]:
        """How many relations of each kind (bounds from shown rates and repeated figures included)."""
        counts: dict[str, int] = defaultdict(int, self.facts)
        for relation in self.relations:
            counts[relation.kind] += 1
        return dict(counts)


def parent_value(dimension: str, value: str) -> str:
    """The whole a dimension's value is a part of: a grade of its span, a span of ``all``.

    >>> parent_value("grade", "7"), parent_value("grade", "3-8"), parent_value("grade", "11"), parent_value("school", "A")
    ('3-8', 'all', 'all', 'all')
    """
    for span, parts in SPANS.get(dimension, {}).items():
        if value in parts:
            return span
    return ALL


def _covers(within: str, value: str, dimension: str) -> bool:
    """Whether a whole ``within`` contains the whole ``value`` (``all`` contains every span)."""
    if within == ALL or within == value:
        return True
    return value in SPANS.get(dimension, {}).get(within, frozenset())


def _with(population: dict[str, str], dimension: str, value: str) -> str:
    changed = dict(population)
    if value == ALL:
        changed.pop(dimension, None)
    else:
        changed[dimension] = value
    return population_key(changed)


@functools.lru_cache(maxsize=65536)
def numerator_range(denominator: int, shown: float, decimals: float) -> tuple[int, int]:
    """Whole numerators whose percentage of ``denominator`` is shown as ``shown`` (``decimals``: NaN = unrounded).

    >>> numerator_range(261, 28.0, 1), numerator_range(13, 30.8, 1), numerator_range(14, 7.1, 1)
    ((73, 73), (4, 4), (1, 1))
    >>> numerator_range(3, 33.0, 0)  # 33% of 3 is 1
    (1, 1)
    >>> numerator_range(971, 22.6570545829, float("nan"))
    (220, 220)
    """
    numerators = np.arange(denominator + 1)
    percents = 100.0 * numerators / max(denominator, 1)
    if math.isnan(decimals):
        fits = np.abs(percents - shown) <= UNROUNDED_TOLERANCE * max(1.0, abs(shown))
    else:
        fits = np.isclose(round_half_away(percents, int(decimals)) + 0.0, shown, atol=1e-9, rtol=0)
    matching = numerators[fits]
    if matching.size == 0:
        raise AuditError(f"no whole number of {denominator} is {shown}%: a rate and its denominator disagree")
    return int(matching.min()), int(matching.max())


def build_relations(cells: pd.DataFrame, partitions: pd.DataFrame, min_n: int = MIN_N) -> RelationSystem:
    """The reader's system of relations from a pack's cells (:func:`table_meaning.cells_frame`).

    Parameters
    ----------
    cells : DataFrame
        :data:`table_meaning.CELL_COLUMNS`.
    partitions : DataFrame
        :data:`table_meaning.PARTITION_COLUMNS`: which groups make up their whole.
    min_n : int
        Smallest count shown.

    Returns
    -------
    RelationSystem

    Examples
    --------
    Two groups and their total: EL 40 shown, TBD hidden as small, the whole 43 shown elsewhere.

    >>> cells = pd.DataFrame({"table": ["t#1", "t#1", "u#1"], "row": [0, 1, 0], "kind": "count",
    ...     "measure": "m", "population": ["el_status=EL", "el_status=TBD", ""], "shown": [40, None, 43],
    ...     "hidden": ["", "small", ""], "decimals": None, "of_measure": None, "of_population": None})
    >>> parts = pd.DataFrame({"table": ["t#1"], "measure": ["m"], "population": [""], "dimension": ["el_status"],
    ...                       "within": ["all"]})
    >>> system = build_relations(cells, parts)
    >>> system.relation_counts()
    {'parts add up': 1}
    """
    index: dict[tuple[str, str], int] = {}
    lower: list[float] = []
    upper: list[float] = []

    def variable(measure: str, population: str) -> int:
        key = (measure, population)
        if key not in index:
            index[key] = len(lower)
            lower.append(0.0)
            upper.append(math.inf)
        return index[key]

    def tighten(var: int, low: float, high: float, what: str) -> None:
        new_low, new_high = max(lower[var], low), min(upper[var], high)
        if new_low > new_high + 1e-9:
            measure, population = list(index)[var]
            raise AuditError(f"{measure} of {population or 'everyone'}: {what} contradicts another figure "
                             f"({lower[var]}-{upper[var]} against {low}-{high})")
        lower[var], upper[var] = new_low, new_high

    publishers: dict[int, list[tuple]] = defaultdict(list)
    facts: dict[str, int] = defaultdict(int)  # relations that became bounds
    targets = []
    counts = cells[cells["kind"] == "count"]
    for cell in counts.itertuples(index=False):
        var = variable(cell.measure, cell.population)
        if cell.hidden == "":
            tighten(var, cell.shown, cell.shown, f"{cell.table} shows {cell.shown:g}")
            publishers[var].append((cell.table, cell.row, "count", var))
        else:
            if cell.hidden == "small":
                tighten(var, 0, min_n - 1, f"{cell.table} hides it as under {min_n}")
            elif cell.hidden == "complementary":
                tighten(var, min_n, math.inf, f"{cell.table} hides it beside a smaller one")
            targets.append((cell.table, cell.row, cell.measure, cell.population, cell.hidden, var))
    relations: list[Relation] = []
    pairs: set[tuple[str, str]] = set()
    rates = cells[cells["kind"] == "rate"]
    pending_rates = []
    for cell in rates.itertuples(index=False):
        numerator = variable(cell.measure, cell.population)
        denominator = variable(cell.of_measure, cell.of_population)
        if cell.population == cell.of_population:
            pairs.add((cell.measure, cell.of_measure))
        if cell.hidden:
            targets.append((cell.table, cell.row, cell.measure, cell.population, "with its count", numerator))
            relations.append(Relation(np.array([numerator, denominator]), np.array([1.0, -1.0]), 0.0, False,
                                      "numerator at most its denominator"))
        else:
            pending_rates.append((cell, numerator, denominator))
    for cell, numerator, denominator in pending_rates:
        publishers[numerator].append((cell.table, cell.row, "rate", denominator))
        if lower[denominator] == upper[denominator]:  # the denominator is shown: the numerator's whole-number range
            low, high = numerator_range(int(lower[denominator]), float(cell.shown), float(cell.decimals))
            tighten(numerator, low, high, f"{cell.table} shows {cell.shown}% of {int(lower[denominator])}")
            facts["rate with its denominator shown"] += 1
        else:
            half = (UNROUNDED_TOLERANCE * max(1.0, abs(cell.shown)) if math.isnan(cell.decimals)
                    else 0.5 * 10 ** -cell.decimals)
            low, high = (cell.shown - half) / 100.0, (cell.shown + half) / 100.0
            relations.append(Relation(np.array([numerator, denominator]), np.array([-1.0, max(low, 0.0)]), 0.0, False,
                                      "rate, denominator unknown"))
            relations.append(Relation(np.array([numerator, denominator]), np.array([1.0, -high]), 0.0, False,
                                      "rate, denominator unknown"))
    # parts and wholes: every unknown's population one dimension up, up to everyone
    groups: dict[tuple[str, str, str, str], list[int]] = defaultdict(list)
    queue = list(index)
    seen = set(queue)
    while queue:
        measure, population = queue.pop()
        dimensions = parse_population(population)
        for dimension, value in dimensions.items():
            if dimension in NOT_ADDITIVE:
                continue
            whole_value = parent_value(dimension, value)
            whole = _with(dimensions, dimension, whole_value)
            rest = _with(dimensions, dimension, ALL)
            groups[(measure, rest, dimension, whole_value)].append(variable(measure, population))
            if (measure, whole) not in seen:
                seen.add((measure, whole))
                queue.append((measure, whole))
    complete = {(p.measure, p.population, p.dimension): [] for p in partitions.itertuples(index=False)}
    for p in partitions.itertuples(index=False):
        complete[(p.measure, p.population, p.dimension)].append(p.within)
    for (measure, rest, dimension, whole_value), parts in list(groups.items()):
        whole = variable(measure, _with(parse_population(rest), dimension, whole_value) if whole_value != ALL else rest)
        # a span of grades is its grades, and a measure's whole its universe, by definition: every part
        # (shown or not) enters the sum
        by_definition = SPANS.get(dimension, {}).get(whole_value) or (
            UNIVERSES.get((dimension, measure)) if whole_value == ALL else None)
        if by_definition:
            rest_dimensions = parse_population(rest)
            parts = [*parts, *(variable(measure, _with(rest_dimensions, dimension, value)) for value in sorted(by_definition))]
        parts = sorted(set(parts))
        is_complete = bool(by_definition) or any(
            _covers(within, whole_value, dimension) for within in complete.get((measure, rest, dimension), []))
        relations.append(Relation(np.array([*parts, whole]), np.array([1.0] * len(parts) + [-1.0]), 0.0, is_complete,
                                  "parts add up" if is_complete else "parts at most their whole"))
    for measure, population in list(index):
        for numerator_measure, denominator_measure in pairs:
            if measure == numerator_measure and (denominator_measure, population) in index:
                relations.append(Relation(np.array([index[(measure, population)], index[(denominator_measure, population)]]),
                                          np.array([1.0, -1.0]), 0.0, False, "numerator at most its denominator"))
    target_frame = pd.DataFrame.from_records(targets, columns=["table", "row", "measure", "population", "hidden", "variable"])
    repeated = int(len(counts) - len(set(zip(counts["measure"], counts["population"]))))
    if repeated:
        facts["one population, one number"] = repeated
    return RelationSystem(list(index), np.array(lower), np.array(upper), _unique(relations), target_frame,
                          dict(publishers), dict(facts))


def _unique(relations: list[Relation]) -> list[Relation]:
    seen, kept = set(), []
    for relation in relations:
        key = (tuple(relation.variables), tuple(relation.coefficients), relation.bound, relation.equality)
        if key not in seen:
            seen.add(key)
            kept.append(relation)
    return kept

