"""The common metrics' hypotheses, tested on the report's own figures, and the questions that follow.

Two things a partnership meeting asks of the common metrics: did one area move on its own since
last year, and does the school (or district) differ from its reference (its own district; for a
district, the partner) in particular areas or across the board?  Neither verdict says why: a
difference between two places is not a cause, and each hypothesis says what would test one.
"""
from __future__ import annotations

from typing import Sequence

import pandas as pd

from flp_inquiry.inquiry import labels
from flp_inquiry.inquiry.claims import CANT_TELL, NOT_SUPPORTED, SUPPORTED, Claim, Figure, Hypothesis
from flp_inquiry.inquiry.findings.verdicts import one_change_stands_out
from flp_inquiry.inquiry.intervals import wilson_interval
from flp_inquiry.measures.suppression import MIN_N

#: Common indicators where a lower figure is the better one.
LOWER_IS_BETTER = frozenset({"chronic_absence"})
#: Fewest rates with both figures shown for a verdict on "particular areas or across the board".
MIN_RATES = 3


def reference_of(inquiry) -> tuple[str, str]:
    """The column of :func:`flp_inquiry.inquiry.findings.context.with_context` a scope is set against, and its name.

    >>> from flp_inquiry.inquiry.session import Inquiry
    >>> reference_of(Inquiry("fresno", 2025, "Sample Oak Elementary", None))
    ('district_value', 'Fresno Unified')
    >>> reference_of(Inquiry("fresno", 2025, "all", None))
    ('partner_value', 'Long Beach Unified')
    """
    if inquiry.whole_district:
        return "partner_value", labels.district_label(inquiry.partner)
    return "district_value", inquiry.district_name


def sides(table: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Each common rate against ``reference``: ``better``, ``worse`` or ``about the same`` (inside the 95% interval).

    Only rates (percent) with 11 or more students and a reference figure shown count; the
    scope's rate has a Wilson interval, the reference (a whole district) is taken as it is.

    >>> t = pd.DataFrame({"indicator": ["A", "B", "Chronic"], "metric": ["grad_rate", "ag_rate", "chronic_absence"],
    ...                   "unit": ["%"] * 3, "n": [200, 200, 200], "value": [90.0, 50.0, 30.0],
    ...                   "district_value": [80.0, 52.0, 20.0]})
    >>> sides(t, "district_value")[["indicator", "side"]].to_dict("records")
    [{'indicator': 'A', 'side': 'better'}, {'indicator': 'B', 'side': 'about the same'}, {'indicator': 'Chronic', 'side': 'worse'}]
    """
    reference_value = pd.to_numeric(table[reference], errors="coerce")
    shown = table[(table["unit"] == "%") & (pd.to_numeric(table["n"]) >= MIN_N) & table["value"].notna()
                  & reference_value.notna()].copy()
    shown["reference"] = reference_value[shown.index]
    n = shown["n"].to_numpy(dtype=float)
    low, high = wilson_interval(shown["value"].to_numpy(dtype=float) / 100 * n, n)
    above, below = shown["reference"].to_numpy() < low, shown["reference"].to_numpy() > high
    lower_better = shown["metric"].isin(LOWER_IS_BETTER).to_numpy()
    side = pd.Series("about the same", index=shown.index, dtype=object)
    side[(above & ~lower_better) | (below & lower_better)] = "better"
    side[(below & ~lower_better) | (above & lower_better)] = "worse"
    return shown.assign(side=side, low=low, high=high)


def _listed(rows: pd.DataFrame) -> list:
    parts: list = []
    for number, row in enumerate(rows.itertuples()):
        parts += [", " if number else "", f"{row.indicator} (", Figure.of(row.value, "%"), " against ",
                  Figure.of(row.reference, "%"), ")"]
    return parts


def particular_areas(inquiry, table: pd.DataFrame) -> Hypothesis:
    """Does the scope differ from its reference in particular areas (some rates better, some worse) or across the board?

    ``table`` is :func:`flp_inquiry.inquiry.findings.context.with_context`'s.
    """
    reference, name = reference_of(inquiry)
    condition = f"If {inquiry.scope_label} differs from {name} in particular areas rather than across the board"
    expectation = f"it does better than {name} on some common rates and worse on others"
    test = ("Setting the same student groups side by side (English learners, socioeconomically disadvantaged "
            "students) would test whether a difference comes from who is enrolled rather than from what happens "
            "in school.")
    compared = sides(table, reference)
    if len(compared) < MIN_RATES:
        return Hypothesis(condition, expectation, CANT_TELL,
                          f"fewer than {MIN_RATES} common rates have both figures shown (11 or more students).", test)
    better, worse = compared[compared["side"] == "better"], compared[compared["side"] == "worse"]
    same = compared[compared["side"] == "about the same"]
    parts: list = []
    for words, rows in (("better on ", better), ("worse on ", worse), ("about the same on ", same)):
        if len(rows):
            parts += ["; " if parts else "", words, *_listed(rows)]
    parts.append(" (better or worse: outside the 95% interval of this report's rate; lower is better for "
                 "chronic absence).")
    # some better and some worse: particular areas; all on one side: across the board (the other way);
    # none apart from the reference beyond its interval: the figures cannot tell
    verdict = SUPPORTED if len(better) and len(worse) else NOT_SUPPORTED if len(better) or len(worse) else CANT_TELL
    return Hypothesis(condition, expectation, verdict, Claim.of(*parts), test)


def common_metrics_hypotheses(inquiry, trends: pd.DataFrame, table: pd.DataFrame, *, source=None) -> list[Hypothesis]:
    """The common metrics' two hypotheses: one area moved on its own; the differences lie in particular areas.

    ``trends`` is :func:`flp_inquiry.inquiry.findings.glance.indicator_trends`; ``table`` the glance
    with its context (:func:`flp_inquiry.inquiry.findings.context.with_context`).
    """
    return [
        one_change_stands_out(
            trends, ["indicator"], inquiry.school_year, what="figure", unit="%", compared="rate",
            condition="If one area moved on its own (a program, a course placement, an attendance policy)",
            expectation="one common rate moved far more than the others since last year",
            test="The question's own report (mathematics, English learners, college and career, attendance) takes "
                 "that rate apart by grade and group: the next place to look.",
            source=source),
        particular_areas(inquiry, table),
    ]


def common_metrics_questions(inquiry, hypotheses: Sequence[Hypothesis]) -> list[str]:
    """Questions for the meeting, from the common metrics' two verdicts."""
    moved, areas = hypotheses
    _, name = reference_of(inquiry)
    return [
        {SUPPORTED: "One rate moved far more than the others: what changed in that area this year, and does its own "
                    "report show where?",
         NOT_SUPPORTED: "No rate moved far more than the others: which of the changes did we expect, and which "
                        "surprised us?",
         CANT_TELL: "Too few rates can be followed over two years: which figures should we add before the next "
                    "meeting?"}[moved.verdict],
        {SUPPORTED: f"Where {inquiry.scope_label} does better than {name}, what do the people closest to that work "
                    "say makes the difference, and how could we check it?",
         NOT_SUPPORTED: f"The rates that differ from {name}'s all differ the same way: is this about who is enrolled, "
                        "and what do the same student groups show side by side?",
         CANT_TELL: f"The rates are too few, or too close to {name}'s, to tell: which figures would tell us most "
                    "if we had them?"}[areas.verdict],
        f"Which of these indicators should {inquiry.scope_label} look at first this year, and why?",
    ]
