"""Protection: hide more cells until no hidden count can be narrowed to fewer than 6 whole values (issue 22).

:func:`protect_hidden_counts` works on the cells of a pack
(:mod:`flp_inquiry.measures.table_meaning`), audits them (:mod:`flp_inquiry.measures.audit`),
and hides one more published figure near each hidden count that is not protected, as few
and as small as it can, then audits again, until every hidden count is protected.
"""
from __future__ import annotations

import math
import time
from typing import Iterable

import numpy as np
import pandas as pd

from flp_inquiry.measures.audit import AuditResult, _audit, audit_hidden_counts
from flp_inquiry.measures.audit_relations import MIN_N, MIN_VALUES, AuditError, RelationSystem
from flp_inquiry.measures.table_meaning import is_total


def hide_cells(cells: pd.DataFrame, keys: Iterable[tuple[str, str]], min_n: int = MIN_N) -> pd.DataFrame:
    """``cells`` with every showing of ``keys`` (measure, population) hidden, and what goes with them.

    A count hidden takes with it the rates of its row it is the denominator of (as
    :func:`flp_inquiry.suppression.suppress_small_cells` hides a row's figures with its count);
    a numerator hidden is every rate showing it, its denominator staying shown.  A count hidden
    this way was shown, so is 11 or more: ``complementary``.

    >>> cells = pd.DataFrame({"table": "t#1", "row": [0, 0], "kind": ["count", "rate"], "measure": ["m", "k"],
    ...     "population": "", "shown": [14, 7.1], "hidden": "", "decimals": [None, 1], "of_measure": [None, "m"],
    ...     "of_population": [None, ""]})
    >>> hide_cells(cells, [("m", "")])["hidden"].tolist()
    ['complementary', 'with its count']
    >>> hide_cells(cells, [("k", "")])[["shown", "hidden"]].to_dict("list")
    {'shown': [14.0, nan], 'hidden': ['', 'with its count']}
    """
    wanted = set(keys)
    shown = (cells["hidden"] == "").to_numpy()
    is_count = (cells["kind"] == "count").to_numpy()
    key = pd.Series(list(zip(cells["measure"], cells["population"])), index=cells.index)
    of_key = pd.Series(list(zip(cells["of_measure"], cells["of_population"])), index=cells.index)
    hit = key.isin(wanted).to_numpy() & shown
    counts_hit = {(t, r, k) for t, r, k in zip(cells["table"][hit & is_count], cells["row"][hit & is_count], key[hit & is_count])}
    with_count = np.array([(t, r, k) in counts_hit for t, r, k in zip(cells["table"], cells["row"], of_key)])
    rates_hit = (hit | with_count) & ~is_count & shown
    result = cells.copy()
    result.loc[hit & is_count, "hidden"] = np.where(cells.loc[hit & is_count, "shown"] >= min_n, "complementary", "small")
    result.loc[rates_hit, "hidden"] = "with its count"
    result.loc[(hit & is_count) | rates_hit, "shown"] = np.nan
    return result


def _touching(system: RelationSystem) -> list[list[int]]:
    touching: list[list[int]] = [[] for _ in system.keys]
    for number, relation in enumerate(system.relations):
        for var in relation.variables:
            touching[int(var)].append(number)
    return touching


def _candidates(system: RelationSystem, target: int, touching: list[list[int]]) -> list[int]:
    """Published figures a reader used to narrow ``target``: those in its own relations, else the next ring out.

    A figure is published when a count shows it or a rate pins it; the search goes out
    through the relations, one ring of unknowns at a time, and stops at the first ring
    holding any.
    """
    if system.publishers.get(target):
        return [target]  # hidden here, shown (or pinned by a rate) elsewhere
    fixed = system.lower == system.upper
    frontier, seen = [target], {target}
    while frontier:
        ring, next_frontier = [], []
        for var in frontier:
            for number in touching[var]:
                for other in map(int, system.relations[number].variables):
                    if other in seen:
                        continue
                    seen.add(other)
                    if system.publishers.get(other):
                        ring.append(other)
                    if not fixed[other]:
                        next_frontier.append(other)
        if ring:
            return ring
        frontier = next_frontier
    return []


def _neighbours(system: RelationSystem, var: int, touching: list[list[int]]) -> set[int]:
    """The unknowns in ``var``'s relations (``var`` too)."""
    return {int(other) for number in touching[var] for other in system.relations[number].variables}


def _totals(system: RelationSystem, cells: pd.DataFrame) -> set[int]:
    """The unknowns that are totals: a school's or the district's all students, all grades, or a headline figure.

    (:func:`flp_inquiry.measures.table_meaning.is_total`; ``headline`` cells: the common metrics, the
    figures set beside the district, the partner and California.)
    """
    headline = set()
    if "headline" in cells:
        marked = cells[cells["headline"].fillna(False).astype(bool)]
        headline = set(zip(marked["measure"], marked["population"]))
    return {var for var, (measure, population) in enumerate(system.keys)
            if is_total(population) or (measure, population) in headline}


def _hiding_cost(system: RelationSystem, var: int, touching: list[list[int]],
                 totals: set[int] = frozenset()) -> tuple[int, int, int, int, float]:
    """What hiding ``var`` takes from a reader, smallest first.

    1. A figure that a sum of shown figures would give straight back (it is the only unknown of
       a complete breakdown) last: hiding it protects nothing and exposes it.
    2. A total (a school's or the district's all students or all grades, a headline figure:
       :func:`_totals`) only when nothing else would do: a report is read from its totals.
    3. A percentage alone (its count stays) before a count.
    4. A figure in few relations (hiding it exposes little else: on the sample pack 79 figures hidden
       in Long Beach's reports instead of 135 with the smallest first).
    5. The smallest population (the count, or the percentages' denominators).
    """
    fixed = system.lower == system.upper
    given_back = any(
        system.relations[r].equality and np.all(fixed[system.relations[r].variables[system.relations[r].variables != var]])
        for r in touching[var])
    kinds = {kind for _, _, kind, _ in system.publishers[var]}
    costs = [system.lower[den] if system.lower[den] == system.upper[den] else math.inf
             for _, _, _, den in system.publishers[var]]
    return int(given_back), int(var in totals), (0 if kinds == {"rate"} else 1), len(touching[var]), float(max(costs))


def protect_hidden_counts(cells: pd.DataFrame, partitions: pd.DataFrame, min_n: int = MIN_N,
                          min_values: int = MIN_VALUES, max_rounds: int = 200,
                          numerators: bool = True, exact_last: bool = True,
                          history: list | None = None) -> tuple[pd.DataFrame, pd.DataFrame, AuditResult]:
    """Hide more cells until every hidden count is protected: greedy, smallest first, audited each round.

    Each round goes through the hidden counts not protected, least protected first (fewest
    values).  For each, the published figures a reader used for it are those in its own
    relations (further ones only when there are none); it hides one of them everywhere it is
    shown: a total (a school's or the district's all students or all grades, a headline figure)
    only when nothing else would do, a percentage alone (its count stays) before a count, one in
    few relations before one in many, the smallest population first (:func:`_hiding_cost`).
    A hidden count in a relation with an unknown of a choice already made this round waits for
    the next audit.  Then it audits again (components left unchanged are not solved again).  Greedy,
    not optimal: it may hide more than the fewest cells that would do.

    Returns
    -------
    (DataFrame, DataFrame, AuditResult)
        The cells newly hidden (``table, row, kind, measure, population, shown``), the cells
        with them hidden, and the last audit (every range exact unless ``exact_last=False``:
        then a protected count's range is at least the one reported).

    Examples
    --------
    A group of 3 beside its whole: the suppression hid nothing else, the audit finds it, and
    the protection hides the smallest other group.

    >>> cells = pd.DataFrame({"table": "t#1", "row": [0, 1, 2, 3], "kind": "count", "measure": "m",
    ...     "population": ["el_status=EL", "el_status=EO", "el_status=TBD", ""], "shown": [40, 300, None, 343],
    ...     "hidden": ["", "", "small", ""], "decimals": None, "of_measure": None, "of_population": None})
    >>> parts = pd.DataFrame({"table": ["t#1"], "measure": ["m"], "population": [""], "dimension": ["el_status"],
    ...                       "within": ["all"]})
    >>> extra, _, last = protect_hidden_counts(cells, parts)
    >>> extra[["population", "shown"]].to_dict("records"), last.passed
    ([{'population': 'el_status=EL', 'shown': 40.0}], True)
    """
    cache: dict = {}
    seen: dict = {}  # each unknown's smallest and largest value in the points found so far: hiding more only
    # relaxes the relations, so they stay feasible and a count seen spread stays protected
    current = cells
    given_up: set[tuple[str, str]] = set()
    for round_number in range(max_rounds):
        round_started = time.perf_counter()
        result, system, component_of = _audit(current, partitions, min_n, min_values, False, cache, numerators, seen)
        exposed = result.hidden[~result.hidden["protected"]]
        if history is not None:  # (round, hidden counts not protected, seconds of the audit)
            history.append((round_number, len(exposed), round(time.perf_counter() - round_started, 2)))
        exposed = exposed[[(m, p) not in given_up for m, p in zip(exposed["measure"], exposed["population"])]]
        if exposed.empty:
            break
        index = {key: i for i, key in enumerate(system.keys)}
        touching = _touching(system)
        totals = _totals(system, current)
        chosen: list[int] = []
        # unknowns in the relations of a choice made this round: a hidden count related to one of them waits for
        # the next audit (the choice may have protected it already)
        covered: set[int] = set()
        for target in exposed.sort_values("values", kind="stable").itertuples(index=False):
            var = index[(target.measure, target.population)]
            options = _candidates(system, var, touching)
            if not options:
                given_up.add((target.measure, target.population))
                continue
            if covered & (_neighbours(system, var, touching) | set(options)):
                continue
            choice = min(options, key=lambda option: (_hiding_cost(system, option, touching, totals),
                                                      options.index(option)))
            chosen.append(choice)
            covered.update(options)
            covered |= _neighbours(system, choice, touching)
        if chosen:
            current = hide_cells(current, {system.keys[var] for var in chosen}, min_n)
    else:
        raise AuditError(f"protection did not finish in {max_rounds} rounds")
    newly = (cells["hidden"] == "") & (current["hidden"] != "")
    last = audit_hidden_counts(current, partitions, min_n, min_values, exact=exact_last,
                               numerators=numerators)
    return cells.loc[newly, ["table", "row", "kind", "measure", "population", "shown"]], current, last

