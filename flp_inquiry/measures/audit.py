"""Audited suppression: what a reader of a whole pack can work out about each hidden count (issue 22).

A reader who gets every report of a pack (and the district's aggregate extract) can write
down the relations between the figures (:mod:`flp_inquiry.measures.audit_relations`) and
solve for each hidden count's smallest and largest value, as statistical disclosure
auditors do (tau-ARGUS *audit*, sdcTable ``attack()``).  :func:`audit_hidden_counts` does that
with HiGHS through ``scipy.optimize``.

A hidden count is **protected** when the smallest and largest values consistent with every
relation are at least :data:`MIN_VALUES` whole values apart (``high - low + 1 >= 6``).

Linear programming over the reals gives bounds at least as wide as over whole numbers, so
it alone would under-state the reader.  When the optimum HiGHS returns is a whole-number
point it is the whole-number optimum too; otherwise (rates with unknown denominators,
three-way tables) the bound is solved again as a mixed-integer programme.  The system falls
apart into independent components once shown figures are substituted, and each component
is solved on its own.
"""
from __future__ import annotations

import hashlib
import math
import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse.csgraph import connected_components

from flp_inquiry.measures.audit_relations import (
    MIN_N,
    MIN_VALUES,
    AuditError,
    Relation,
    RelationSystem,
    build_relations,
)

INTEGER_TOLERANCE = 1e-6
#: Random mixes of objectives tried before solving hidden counts one by one (``exact=False``).
RANDOM_MIXES = 6

HIDDEN_COLUMNS = ["measure", "population", "hidden", "tables", "low", "high", "values", "protected", "how"]

@dataclass
class Component:
    variables: np.ndarray        # indices into the system's unknowns
    relations: list[int]         # indices into system.relations


def prune(system: RelationSystem, keep: set[int]) -> tuple[np.ndarray, np.ndarray]:
    """Relations and unknowns that can narrow nothing in ``keep`` (the hidden counts), left out.

    An unknown whole no one shows (a school's grade-11 English learners, say) that only
    bounds its parts from above can always be large enough: it and those relations go.  So
    does an unknown whole defined by one sum of its parts and used nowhere else.  Repeated
    until nothing changes, this leaves the relations that matter, in far smaller components.

    Returns
    -------
    (ndarray of bool, ndarray of bool)
        Which relations, and which unknowns, are kept.
    """
    fixed = system.lower == system.upper
    n_vars = len(system.keys)
    relation_alive = np.ones(len(system.relations), dtype=bool)
    var_alive = ~fixed
    touching: list[list[int]] = [[] for _ in range(n_vars)]
    for number, relation in enumerate(system.relations):
        for var in relation.variables:
            touching[int(var)].append(number)
    free_whole = (system.lower == 0) & np.isinf(system.upper)
    queue = [v for v in range(n_vars) if var_alive[v] and v not in keep and free_whole[v]]
    while queue:
        var = queue.pop()
        if not var_alive[var]:
            continue
        live = [r for r in touching[var] if relation_alive[r]]
        drop = False
        if not live:
            drop = True
        else:
            coefficient = {r: float(system.relations[r].coefficients[system.relations[r].variables == var].sum()) for r in live}
            if all(not system.relations[r].equality and coefficient[r] < 0 for r in live):
                drop = True
            elif len(live) == 1 and system.relations[live[0]].equality and coefficient[live[0]] == -1.0:
                relation = system.relations[live[0]]
                others = relation.coefficients[relation.variables != var]
                drop = relation.bound == 0 and bool(np.all(others == 1.0))
        if drop:
            var_alive[var] = False
            for r in live:
                relation_alive[r] = False
                for other in map(int, system.relations[r].variables):
                    if var_alive[other] and other not in keep and free_whole[other]:
                        queue.append(other)
    for number, relation in enumerate(system.relations):  # a relation of known figures only narrows nothing
        if relation_alive[number] and not var_alive[relation.variables].any():
            relation_alive[number] = False
    return relation_alive, var_alive


def components(system: RelationSystem, keep: set[int] | None = None) -> tuple[list[Component], np.ndarray]:
    """Independent parts of the system once every figure known exactly is substituted (and :func:`prune` has run).

    Returns the components holding at least one unknown, and the component of each
    unknown (``-1`` for a known or pruned one).
    """
    relation_alive, var_alive = prune(system, keep if keep is not None else set(system.targets["variable"]))
    n_vars = len(system.keys)
    rows, cols = [], []
    live_relations = np.flatnonzero(relation_alive)
    for number in live_relations:
        relation = system.relations[number]
        free = relation.variables[var_alive[relation.variables]]
        rows.extend([number] * len(free))
        cols.extend(free.tolist())
    n_rel = len(system.relations)
    # bipartite graph: relations 0..n_rel-1, unknowns n_rel..
    graph = sparse.coo_matrix((np.ones(len(rows)), (rows, np.array(cols, dtype=int) + n_rel)),
                              shape=(n_rel + n_vars, n_rel + n_vars))
    _, labels = connected_components(graph, directed=False)
    variable_label = labels[n_rel:]
    members: dict[int, list[int]] = defaultdict(list)
    for var in np.flatnonzero(var_alive):
        members[variable_label[var]].append(var)
    relation_members: dict[int, list[int]] = defaultdict(list)
    for number in live_relations:
        relation = system.relations[number]
        free = relation.variables[var_alive[relation.variables]]
        relation_members[variable_label[free[0]]].append(number)
    found = [Component(np.array(vs), relation_members.get(label, [])) for label, vs in members.items()]
    component_of = np.full(n_vars, -1)
    for number, component in enumerate(found):
        component_of[component.variables] = number
    return found, component_of


def _component_programme(system: RelationSystem, component: Component, order: dict | None = None):
    """The component's relations over its own unknowns, known figures moved to the right-hand side.

    ``order``, when given, receives the relation numbers of the rows (``"eq"``, ``"ub"``).
    """
    position = {var: i for i, var in enumerate(component.variables)}
    eq_rows, eq_b, ub_rows, ub_b = [], [], [], []
    if order is not None:
        order["eq"], order["ub"] = [], []
    for number in component.relations:
        relation = system.relations[number]
        row = np.zeros(len(component.variables))
        bound = relation.bound
        for var, coefficient in zip(relation.variables, relation.coefficients):
            if var in position:
                row[position[var]] += coefficient
            else:
                bound -= coefficient * system.lower[var]
        (eq_rows if relation.equality else ub_rows).append(row)
        (eq_b if relation.equality else ub_b).append(bound)
        if order is not None:
            order["eq" if relation.equality else "ub"].append(number)
    as_matrix = lambda rows: sparse.csr_matrix(np.array(rows)) if rows else None  # noqa: E731
    bounds = list(zip(system.lower[component.variables], [None if math.isinf(u) else u for u in system.upper[component.variables]]))
    return as_matrix(ub_rows), np.array(ub_b), as_matrix(eq_rows), np.array(eq_b), bounds


def _signature(system: RelationSystem, component: Component) -> str:
    """What a component's solution depends on, so an unchanged component is not solved again."""
    digest = hashlib.sha1()
    for var in component.variables:
        digest.update(repr((system.keys[var], system.lower[var], system.upper[var])).encode())
    for number in component.relations:
        relation = system.relations[number]
        digest.update(repr(([system.keys[v] for v in relation.variables], relation.coefficients.tolist(),
                            relation.bound, relation.equality,
                            [system.lower[v] for v in relation.variables])).encode())
    return digest.hexdigest()


def _optimum(programme, c: np.ndarray) -> tuple[np.ndarray | None, str]:
    """A whole-number point minimising ``c @ x`` over a component (``None``: unbounded), and how it was found.

    The linear programme first; when its optimal point is not whole numbers, the
    mixed-integer programme (its optimum can be worse: rates, three-way tables).
    """
    a_ub, b_ub, a_eq, b_eq, bounds = programme
    result = linprog(c, A_ub=a_ub, b_ub=b_ub if a_ub is not None else None, A_eq=a_eq,
                     b_eq=b_eq if a_eq is not None else None, bounds=bounds, method="highs")
    if result.status == 3:
        return None, "lp"
    if result.status != 0:
        raise AuditError(f"the relations have no solution ({result.message}): a table's meaning is wrong")
    if np.all(np.abs(result.x - np.round(result.x)) < INTEGER_TOLERANCE):
        return np.round(result.x) + 0.0, "lp"
    constraints = []
    if a_ub is not None:
        constraints.append(LinearConstraint(a_ub, -np.inf, b_ub))
    if a_eq is not None:
        constraints.append(LinearConstraint(a_eq, b_eq, b_eq))
    lows = np.array([b[0] for b in bounds], dtype=float)
    highs = np.array([np.inf if b[1] is None else b[1] for b in bounds], dtype=float)
    exact = milp(c, constraints=constraints, integrality=np.ones(len(c)), bounds=Bounds(lows, highs))
    if exact.status != 0:
        raise AuditError(f"the whole-number programme failed ({exact.message})")
    return np.round(exact.x) + 0.0, "milp"



def _ranges(make_programme, size: int, wanted: list[int], min_values: int, exact: bool,
            solves: dict[str, int], seen_low: np.ndarray | None = None,
            seen_high: np.ndarray | None = None) -> dict[int, tuple[float, float, str]]:
    """Smallest and largest whole value of each ``wanted`` unknown (positions in the component).

    With ``exact=False``, an unknown already seen spread over ``min_values`` values by the
    whole-number points found so far (given in ``seen_low``/``seen_high``, updated in place;
    then two for the sum of all wanted, smallest and largest, and a few random mixes) is
    protected without its own programmes; its range is then at least the one reported.
    ``make_programme`` is called only if some programme is needed.
    """
    seen_low = np.full(size, np.inf) if seen_low is None else seen_low
    seen_high = np.full(size, -np.inf) if seen_high is None else seen_high
    programme = None
    if not exact and all(seen_high[p] - seen_low[p] + 1 >= min_values for p in wanted):
        return {p: (float(seen_low[p]), float(seen_high[p]), "seen") for p in wanted}

    def solve(c: np.ndarray) -> tuple[np.ndarray | None, str]:
        nonlocal programme
        if programme is None:
            programme = make_programme()
        point, how = _optimum(programme, c)
        solves[how] += 1
        if point is not None:
            np.minimum(seen_low, point, out=seen_low)
            np.maximum(seen_high, point, out=seen_high)
        return point, how

    if not exact and sum(seen_high[p] - seen_low[p] + 1 < min_values for p in wanted) > 1:
        total = np.zeros(size)
        total[wanted] = 1.0
        solve(total)
        solve(-total)
        # then a few random mixes (some counts pushed up, others down) of those not yet seen spread:
        # on a full-size pack's large components they settle most hidden counts for two programmes each
        rng = np.random.default_rng(0)
        for _ in range(RANDOM_MIXES):
            narrow = [p for p in wanted if seen_high[p] - seen_low[p] + 1 < min_values]
            if len(narrow) < 8:
                break
            mix = np.zeros(size)
            mix[narrow] = rng.choice([-1.0, 1.0], size=len(narrow))
            solve(mix)
            solve(-mix)
    ranges = {}
    for position in wanted:
        if not exact and seen_high[position] - seen_low[position] + 1 >= min_values:
            ranges[position] = (float(seen_low[position]), float(seen_high[position]), "seen")
            continue
        c = np.zeros(size)
        c[position] = 1.0
        (low_point, how_low), (high_point, how_high) = solve(c), solve(-c)
        low = float(low_point[position]) if low_point is not None else -math.inf
        high = float(high_point[position]) if high_point is not None else math.inf
        ranges[position] = (low, high, "milp" if "milp" in (how_low, how_high) else "lp")
    return ranges


@dataclass
class AuditResult:
    """:func:`audit_hidden_counts`: each hidden count's range, and how the audit went."""

    hidden: pd.DataFrame
    relations: dict[str, int]
    unknowns: int
    components: int
    solves: dict[str, int]
    seconds: float

    @property
    def passed(self) -> bool:
        return bool(self.hidden["protected"].all())


def audit_hidden_counts(cells: pd.DataFrame, partitions: pd.DataFrame, min_n: int = MIN_N,
                        min_values: int = MIN_VALUES, exact: bool = True, cache: dict | None = None,
                        numerators: bool = True) -> AuditResult:
    """The smallest and largest value a reader can deduce for every hidden count.

    Parameters
    ----------
    cells, partitions : DataFrame
        What the pack shows (:func:`table_meaning.cells_frame`, :func:`table_meaning.partitions_frame`).
    min_n : int
        Smallest count shown.
    min_values : int
        A hidden count narrowed to fewer whole values than this is not protected.
    exact : bool
        Every range exactly (two programmes per hidden count).  ``False``: a count seen
        spread over ``min_values`` values by points already found is protected without its
        own programmes (``how`` = ``seen``; its true range is at least as wide): much faster.
    cache : dict, optional
        Component solutions kept between calls (:func:`protect_hidden_counts`).
    numerators : bool
        Whether the numerators of hidden rates (chronically absent, met, D or F of a hidden
        group) are hidden counts to protect too (the issue's rule), or only the groups' sizes.

    Returns
    -------
    AuditResult
        ``hidden``: one row per hidden count (a measure and population, however many
        tables hide it): :data:`HIDDEN_COLUMNS`.

    Examples
    --------
    EL 40 and TBD hidden, their whole 43 shown elsewhere: TBD is 3.

    >>> cells = pd.DataFrame({"table": ["t#1", "t#1", "u#1"], "row": [0, 1, 0], "kind": "count",
    ...     "measure": "m", "population": ["el_status=EL", "el_status=TBD", ""], "shown": [40, None, 43],
    ...     "hidden": ["", "small", ""], "decimals": None, "of_measure": None, "of_population": None})
    >>> parts = pd.DataFrame({"table": ["t#1"], "measure": ["m"], "population": [""], "dimension": ["el_status"],
    ...                       "within": ["all"]})
    >>> audit_hidden_counts(cells, parts).hidden[["population", "low", "high", "protected"]]
          population  low  high  protected
    0  el_status=TBD  3.0   3.0      False
    """
    return _audit(cells, partitions, min_n, min_values, exact, cache, numerators)[0]


def _audit(cells, partitions, min_n, min_values, exact, cache, numerators=True, seen=None):
    started = time.perf_counter()
    system = build_relations(cells, partitions, min_n)
    found, component_of = components(system, set(system.targets["variable"]) if numerators else
                                     set(system.targets.loc[system.targets["hidden"] != "with its count", "variable"]))
    cache = {} if cache is None else cache
    solves: dict[str, int] = defaultdict(int)
    ranges: dict[int, tuple[float, float, str]] = {}
    targets = system.targets if numerators else system.targets[system.targets["hidden"] != "with its count"]
    by_component: dict[int, list[int]] = defaultdict(list)
    for var in targets["variable"].drop_duplicates():
        if component_of[var] < 0:
            ranges[var] = (system.lower[var], system.upper[var], "shown or pinned by a rate")
        else:
            by_component[component_of[var]].append(var)
    for number, wanted in by_component.items():
        component = found[number]
        signature = _signature(system, component) + str(exact)
        position = {var: i for i, var in enumerate(component.variables)}
        solved = cache.get(signature, {})
        missing = [var for var in wanted if system.keys[var] not in solved]
        if missing:
            def make_programme(component=component):
                return _component_programme(system, component)
            keys = [system.keys[var] for var in component.variables]
            seen_low = np.array([seen.get(key, (np.inf, -np.inf))[0] for key in keys]) if seen is not None else None
            seen_high = np.array([seen.get(key, (np.inf, -np.inf))[1] for key in keys]) if seen is not None else None
            found_ranges = _ranges(make_programme, len(component.variables), [position[var] for var in missing],
                                   min_values, exact, solves, seen_low, seen_high)
            if seen is not None:  # whole-number points stay points when later rounds only hide more
                for key, low, high in zip(keys, seen_low, seen_high):
                    if high >= low:
                        seen[key] = (float(low), float(high))
            for var in missing:
                solved[system.keys[var]] = found_ranges[position[var]]
            cache[signature] = solved
        for var in wanted:
            ranges[var] = solved[system.keys[var]]
    rows = []
    for var, group in targets.groupby("variable", sort=False):
        low, high, how = ranges[var]
        values = high - low + 1
        measure, population = system.keys[var]
        rows.append((measure, population, ", ".join(sorted(set(group["hidden"]))),
                     ", ".join(dict.fromkeys(group["table"])), low, high, values, bool(values >= min_values), how))
    hidden = pd.DataFrame.from_records(rows, columns=HIDDEN_COLUMNS)
    result = AuditResult(hidden, system.relation_counts(), len(system.keys), len(found), dict(solves),
                         time.perf_counter() - started)
    return result, system, component_of


def explain_range(cells: pd.DataFrame, partitions: pd.DataFrame, measure: str, population: str,
                  min_n: int = MIN_N) -> pd.DataFrame:
    """How a reader gets a hidden count's smallest and largest value: the relations binding at each optimum.

    For a privacy officer (and the closing note): the relations whose dual value is not zero
    at the linear programme's optimum, each written out with the figures it uses.  (From
    the linear programme: where whole numbers narrow the range further, that step is not shown.)

    Returns
    -------
    DataFrame
        ``bound`` (smallest / largest), ``value``, ``relation`` (kind), ``terms`` (in words).

    Examples
    --------
    >>> cells = pd.DataFrame({"table": ["t#1", "t#1", "u#1"], "row": [0, 1, 0], "kind": "count",
    ...     "measure": "m", "population": ["el_status=EL", "el_status=TBD", ""], "shown": [40, None, 43],
    ...     "hidden": ["", "small", ""], "decimals": None, "of_measure": None, "of_population": None})
    >>> parts = pd.DataFrame({"table": ["t#1"], "measure": ["m"], "population": [""], "dimension": ["el_status"],
    ...                       "within": ["all"]})
    >>> explain_range(cells, parts, "m", "el_status=TBD")[["bound", "value", "terms"]].values.tolist()
    [['smallest', 3.0, 'm of el_status=EL (40) + m of el_status=TBD - m of everyone (43) = 0'], ['largest', 3.0, 'm of el_status=EL (40) + m of el_status=TBD - m of everyone (43) = 0']]
    """
    system = build_relations(cells, partitions, min_n)
    index = {key: i for i, key in enumerate(system.keys)}
    var = index[(measure, population)]
    found, component_of = components(system)
    if component_of[var] < 0:
        return pd.DataFrame([("both", system.lower[var], "shown or pinned by a rate", "")],
                            columns=["bound", "value", "relation", "terms"])
    component = found[component_of[var]]
    order: dict = {}
    a_ub, b_ub, a_eq, b_eq, bounds = _component_programme(system, component, order)
    position = int(np.flatnonzero(component.variables == var)[0])
    rows = []
    for bound, sense in (("smallest", 1.0), ("largest", -1.0)):
        c = np.zeros(len(component.variables))
        c[position] = sense
        result = linprog(c, A_ub=a_ub, b_ub=b_ub if a_ub is not None else None, A_eq=a_eq,
                         b_eq=b_eq if a_eq is not None else None, bounds=bounds, method="highs")
        if result.status != 0:
            rows.append((bound, math.inf if sense < 0 else -math.inf, "unbounded", ""))
            continue
        for kind, marginals in (("eq", result.eqlin.marginals if a_eq is not None else []),
                                ("ub", result.ineqlin.marginals if a_ub is not None else [])):
            for number, marginal in zip(order[kind], marginals):
                if abs(marginal) > 1e-9:
                    relation = system.relations[number]
                    rows.append((bound, float(result.x[position]), relation.kind, _in_words(system, relation)))
        for i, (low_marginal, high_marginal) in enumerate(zip(result.lower.marginals, result.upper.marginals)):
            if abs(low_marginal) > 1e-9 or abs(high_marginal) > 1e-9:
                key = system.keys[component.variables[i]]
                at = system.lower[component.variables[i]] if abs(low_marginal) > 1e-9 else system.upper[component.variables[i]]
                rows.append((bound, float(result.x[position]), "what the rule says of a hidden count",
                             f"{key[0]} of {key[1] or 'everyone'} = {at:g}"))
    return pd.DataFrame(rows, columns=["bound", "value", "relation", "terms"])


def _in_words(system: RelationSystem, relation: Relation) -> str:
    terms = []
    for var, coefficient in zip(relation.variables, relation.coefficients):
        measure, population = system.keys[var]
        known = f" ({system.lower[var]:g})" if system.lower[var] == system.upper[var] else ""
        sign = "-" if coefficient < 0 else "+"
        size = abs(coefficient)
        factor = "" if size == 1 else f"{size:g}*"
        terms.append(f"{sign} {factor}{measure} of {population or 'everyone'}{known}")
    text = " ".join(terms).lstrip("+ ")
    return f"{text} {'=' if relation.equality else '<='} {relation.bound:g}"


