"""Plain sentences from metric tables, for the prose of the inquiry notebooks.

Each function takes a tidy metric table (grouping columns, ``n``, ``value``, as
:mod:`flp_inquiry.measures.metrics` returns them, suppressed or not) and says one thing
about it in words a principal reads: the largest change, the biggest gap, who
contributes most, what stands out.  A figure for fewer than 11 students is never
quoted: every function looks only at the rows :func:`shown_rows` keeps, which are
the rows :func:`flp_inquiry.measures.suppression.suppress_small_cells` leaves visible.
A change is quoted only when both years are shown.

Units: ``"%"`` for rates (changes and gaps then read as percentage points) and
``"points"`` for Distance from Standard (scale-score points).

Sentences are plain text; :mod:`flp_inquiry.inquiry.prose` shows them (``bullets``,
``section``, ``paragraph``) so that text from data is only ever text.
"""
from flp_inquiry.inquiry.findings.changes import (  # noqa: F401
    UNUSUAL_CHANGE_RATIO,
    changes_table,
    describe_decomposition,
    describe_growth_by_grade,
    describe_largest_change,
    describe_largest_changes,
    describe_matched_growth,
    describe_unusual_changes,
    largest_change,
    summarise_largest_changes,
    unusual_changes,
    year_changes,
)
from flp_inquiry.inquiry.findings.comparisons import (  # noqa: F401
    FUNNEL_MIN_UNITS,
    describe_biggest_gap,
    describe_bottleneck,
    describe_contributions,
    describe_extremes,
    describe_funnel,
)
from flp_inquiry.inquiry.findings.context import (  # noqa: F401,E402
    context_caption,
    context_columns,
    headline_caption,
    headline_context,
    with_context,
)
from flp_inquiry.inquiry.findings.dashboard_view import (  # noqa: F401,E402
    dashboard_colours,
    describe_watched,
    projected_dashboard_for,
    projection_columns,
    projection_notes,
    projection_table,
)
from flp_inquiry.inquiry.findings.glance import (  # noqa: F401
    ALGEBRA_GRADES,
    COMMON_INDICATORS,
    algebra_trends,
    common_metrics,
    describe_algebra,
    describe_colours,
    indicator_trends,
    partner_figures,
    with_partner,
)
from flp_inquiry.inquiry.findings.glance_hypotheses import (  # noqa: F401,E402
    common_metrics_hypotheses,
    common_metrics_questions,
)
from flp_inquiry.inquiry.findings.growth import describe_status_growth  # noqa: F401,E402
from flp_inquiry.inquiry.findings.held import (  # noqa: F401
    describe_data_held,
    describe_data_missing,
    lacks,
)
from flp_inquiry.inquiry.findings.hypotheses import (  # noqa: F401,E402
    attendance_hypotheses,
    college_career_hypotheses,
    english_learner_hypotheses,
    no_hypotheses,
    show_hypotheses,
)
from flp_inquiry.inquiry.findings.next_steps import (  # noqa: F401,E402
    attendance_questions,
    college_career_questions,
    english_learner_questions,
)
from flp_inquiry.inquiry.findings.question_text import the_question  # noqa: F401,E402
from flp_inquiry.inquiry.findings.scope import (  # noqa: F401
    GRADES_COUNTED,
    counted_here,
    describe_grades_not_counted,
    describe_nothing_drawn,
    grades_in_scope_words,
    grades_words,
    scope_grades,
    where_counted,
)
from flp_inquiry.inquiry.findings.verdicts import group_against_group, with_interval_words  # noqa: F401,E402
from flp_inquiry.inquiry.findings.words import (  # noqa: F401
    as_shown,
    format_change,
    format_difference,
    format_value,
    group_phrase,
    scope_note,
    scope_sentence,
    shown_rows,
    value_in,
    with_source,
)

# what sentences are shown as
from flp_inquiry.inquiry.prose import Code, Emphasis, Prose, Strong, bullets, heading, paragraph, section  # noqa: F401,E402

__all__ = [
    "context_caption",
    "context_columns",
    "headline_caption",
    "headline_context",
    "with_context",
    "dashboard_colours",
    "describe_watched",
    "projected_dashboard_for",
    "projection_columns",
    "projection_notes",
    "projection_table",
    "common_metrics_hypotheses",
    "common_metrics_questions",
    "as_shown",
    "FUNNEL_MIN_UNITS",
    "group_against_group",
    "with_source",
    "describe_status_growth",
    "unusual_changes",
    "changes_table",
    "no_hypotheses",
    "with_interval_words",
    "the_question",
    "attendance_hypotheses",
    "college_career_hypotheses",
    "english_learner_hypotheses",
    "show_hypotheses",
    "attendance_questions",
    "college_career_questions",
    "english_learner_questions",
    "scope_grades",
    "grades_in_scope_words",
    "Code",
    "Emphasis",
    "Prose",
    "Strong",
    "bullets",
    "heading",
    "paragraph",
    "section",
    "scope_note",
    "ALGEBRA_GRADES",
    "COMMON_INDICATORS",
    "GRADES_COUNTED",
    "UNUSUAL_CHANGE_RATIO",
    "algebra_trends",
    "common_metrics",
    "counted_here",
    "describe_algebra",
    "describe_biggest_gap",
    "describe_bottleneck",
    "describe_colours",
    "describe_contributions",
    "describe_data_held",
    "describe_data_missing",
    "describe_decomposition",
    "describe_extremes",
    "describe_funnel",
    "describe_grades_not_counted",
    "describe_growth_by_grade",
    "describe_largest_change",
    "describe_largest_changes",
    "describe_matched_growth",
    "describe_nothing_drawn",
    "describe_unusual_changes",
    "format_change",
    "format_difference",
    "format_value",
    "grades_words",
    "group_phrase",
    "indicator_trends",
    "lacks",
    "largest_change",
    "partner_figures",
    "scope_sentence",
    "shown_rows",
    "summarise_largest_changes",
    "value_in",
    "where_counted",
    "with_partner",
    "year_changes",
]
