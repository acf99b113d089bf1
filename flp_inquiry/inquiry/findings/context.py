"""Each headline figure beside its context: the school's own district, the partner district, California.

A school's figure alone says little; beside the district it belongs to, the other district of the
partnership and the state it reads as a position.  The district's figure is worked out from the same
data as the school's; the partner's comes from its aggregate extract
(:func:`flp_inquiry.inquiry.findings.glance.partner_figures`); California's from the state's public
files a pack was given (:func:`flp_inquiry.measures.state_context.state_figures`), only for the
report's own school year.  Where a figure is missing the notes say why, so an empty column is never
left unexplained.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from flp_inquiry.inquiry import labels
from flp_inquiry.inquiry.findings.glance import indicator_rows, partner_figures, with_partner
from flp_inquiry.measures.dashboard import round_half_away

#: The columns a figure is matched on across the district, the partner and the state.
INDICATOR_KEYS = ["metric", "subject", "grade_span"]


def district_figures(inquiry, glance: pd.DataFrame) -> pd.DataFrame | None:
    """The school's own district's figure of each row of ``glance`` (``metric, subject, grade_span, district_value, district_n``).

    ``None`` for a district-wide report: the figures are the district's already.  Each is the
    district's for the school's own grade span (a high school's grade-11 Distance from Standard
    beside the district's grade 11).
    """
    if inquiry.whole_district:
        return None
    from flp_inquiry.inquiry.questions import ALL_SCHOOLS

    district = dataclasses.replace(inquiry, school=ALL_SCHOOLS)
    rows = []
    for row in glance.itertuples():
        table = indicator_rows(district, row.metric, row.subject or None, row.grade_span or None)
        now = table[table["school_year"] == inquiry.school_year]
        rows.append({"metric": row.metric, "subject": row.subject, "grade_span": row.grade_span,
                     "district_value": now["value"].iloc[0] if len(now) else None,
                     "district_n": int(now["n"].iloc[0]) if len(now) else 0})
    return pd.DataFrame(rows, columns=INDICATOR_KEYS + ["district_value", "district_n"])


def _matched(glance: pd.DataFrame, figures: pd.DataFrame | None, value: str) -> pd.Series:
    """``figures[value]`` for each row of ``glance`` (by indicator), rounded as shown; ``""`` where there is none."""
    if figures is None or figures.empty:
        return pd.Series("", index=glance.index, dtype=object)
    keyed = glance[INDICATOR_KEYS].astype(str).merge(figures.astype({key: str for key in INDICATOR_KEYS}),
                                                    on=INDICATOR_KEYS, how="left")
    numbers = pd.to_numeric(keyed[value], errors="coerce").to_numpy(dtype=float)
    rounded = pd.Series(round_half_away(numbers, 1), index=glance.index)
    return rounded.astype(object).where(~np.isnan(numbers), "")


def with_context(inquiry, glance: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """:func:`common_metrics` with ``district_value`` (a school's own district), ``partner_value`` and ``state_value``.

    Returns the table and the notes on where the figures come from (and why one is missing).
    The district's figure is left blank where the district counts fewer than 11 students
    (no district does, but a figure is never shown for fewer); the partner's keeps the extract's
    ``*``; California's comes only from a state file of the report's year.

    >>> from flp_inquiry.measures.metrics import _example
    >>> from flp_inquiry.ingest.schema import columns_of
    >>> from flp_inquiry.inquiry.session import Inquiry
    >>> from flp_inquiry.ingest.store import DistrictData
    >>> from pathlib import Path
    >>> assessments, enrollment = _example()
    >>> empty = {t: pd.DataFrame(columns=columns_of(t)) for t in ("math_courses", "outcomes")}
    >>> data = DistrictData("fresno", enrollment, assessments, **empty)
    >>> school = sorted(set(enrollment["school_name"]))[0]
    >>> inquiry = Inquiry("fresno", 2024, school, data, data_dir=Path("/nonexistent"))
    >>> from flp_inquiry.inquiry.findings.glance import common_metrics
    >>> table, notes = with_context(inquiry, common_metrics(inquiry))
    >>> table.loc[table["metric"] == "chronic_absence", ["value", "district_value", "partner_value", "state_value"]].to_dict("records")
    [{'value': 0.0, 'district_value': '', 'partner_value': '', 'state_value': ''}]

    (The example district counts 6 students: too few for its figure to be shown.)
    >>> notes[1:]
    ['No aggregate extract from Long Beach Unified for 2023-24 yet.', 'No state file was given, so no figure for California is shown.']
    """
    from flp_inquiry.measures.state_context import state_figures

    notes = []
    district = district_figures(inquiry, glance)
    if district is not None:
        district = district[district["district_n"] >= 11]
        notes.append(f"{inquiry.district_name}'s figures: the whole district, worked out from the same data "
                     f"as the school's.")
    table = glance.assign(district_value=_matched(glance, district, "district_value"))
    partner, partner_source = partner_figures(inquiry)
    notes.append(f"The partner district's figures: {partner_source}" if partner is not None else partner_source)
    table = with_partner(table, partner)
    state, state_note = state_figures(inquiry.state_files, inquiry.school_year)
    notes.append(state_note)
    table["state_value"] = _matched(table, state, "state_value")
    table.attrs = dict(glance.attrs)  # the rows still count what the common metrics' rows count
    return table, notes


def context_caption(inquiry) -> str:
    """The common metrics table's caption: what it shows, and beside what.

    >>> from flp_inquiry.inquiry.session import Inquiry
    >>> context_caption(Inquiry("long_beach", 2025, "Sample Harbor High", None))
    'The common metrics of Sample Harbor High (Long Beach Unified), 2024-25 and 2023-24, beside the district, the partner district and California'
    >>> context_caption(Inquiry("fresno", 2025, "all", None))
    'The common metrics of Fresno Unified, 2024-25 and 2023-24, beside the partner district and California'
    """
    return (f"The common metrics of {inquiry.scope_label}, {inquiry.year_label} and "
            f"{labels.school_year_label(inquiry.prior_year)}, beside {_beside(inquiry)}")


def _beside(inquiry) -> str:
    """What a school's figures are set beside (a district's own figures are the district's)."""
    return "the partner district and California" if inquiry.whole_district else \
        "the district, the partner district and California"


def context_columns(inquiry) -> dict[str, str]:
    """The reader table's headings of the context columns (a school's own district first).

    >>> from flp_inquiry.inquiry.session import Inquiry
    >>> context_columns(Inquiry("long_beach", 2025, "Sample Harbor High", None))
    {'district_value': 'Long Beach Unified (district)', 'partner_value': 'Fresno Unified (partner district)', 'state_value': 'California'}
    """
    columns = {} if inquiry.whole_district else {"district_value": f"{inquiry.district_name} (district)"}
    return {**columns, "partner_value": f"{labels.district_label(inquiry.partner)} (partner district)",
            "state_value": "California"}


#: The common metrics each question's report sets beside the district, the partner and California
#: (``metric, subject``; a school's own grade span is the one shown, as in the common metrics).
HEADLINE_METRICS = {
    "mathematics": [("percent_met", "math"), ("dfs", "math"), ("algebra_by_8", "")],
    "english_learners": [("elpi", ""), ("reclassification", "")],
    "attendance": [("chronic_absence", "")],
    "college_career": [("grad_rate", ""), ("ag_rate", "")],
}


def headline_context(inquiry, question: str, subject: str = "math"):
    """The question's headline figures this year beside the school's district, the partner and California.

    Returns the reader table (:class:`flp_inquiry.inquiry.tables.ReaderTable`) and the notes on
    where the figures come from.  The rows are the common metrics of :data:`HEADLINE_METRICS` that
    the school counts, as the common metrics report shows them; a K-8 school's report on graduation
    has none, and then shows neither table nor notes.  ``subject`` is the report's (the
    mathematics notebook also runs for ELA: then its rows are ELA's, without Algebra 1).

    >>> sorted(HEADLINE_METRICS)
    ['attendance', 'college_career', 'english_learners', 'mathematics']
    """
    from flp_inquiry.inquiry.findings.glance import common_metrics
    from flp_inquiry.inquiry.tables import reader_table

    wanted = {(metric, subject if kind == "math" else kind) for metric, kind in HEADLINE_METRICS[question]
              if subject == "math" or metric != "algebra_by_8"}
    glance = common_metrics(inquiry, only=wanted)
    counted = glance[glance["not_counted"] == ""].reset_index(drop=True)
    counted.attrs = dict(glance.attrs)  # what each row counts, for the pack's privacy audit (as the common metrics)
    table, notes = with_context(inquiry, counted)
    columns = context_columns(inquiry)
    if inquiry.state_files and len(table) and (table["state_value"].astype(str) == "").all():
        # the state's files hold other indicators (a CAASPP file has no graduation): no empty column
        del columns["state_value"]
        notes = [*notes[:-1], "The state's files given hold no California figure for these indicators."]
    shown = reader_table(table, {"indicator": "Indicator", "n": "Students", "value": inquiry.year_label, **columns},
                         counts={"n": ["value"]}, what="the headline figures", caption=headline_caption(inquiry))
    return shown, notes if len(table) else []


def headline_caption(inquiry) -> str:
    """The headline table's caption.

    >>> from flp_inquiry.inquiry.session import Inquiry
    >>> headline_caption(Inquiry("long_beach", 2025, "Sample Harbor High", None))
    'Sample Harbor High (Long Beach Unified), 2024-25, beside the district, the partner district and California'
    """
    return f"{inquiry.scope_label}, {inquiry.year_label}, beside {_beside(inquiry)}"
