"""Stage 2, measures: the state's metric definitions on the canonical tables, the Dashboard's rules,
and the rules for what may be shown (suppression, the privacy scan, the partner's aggregate extract).

| module | concern |
|---|---|
| ``reference`` | the state's reference tables: Level 3 minimums, ELPI split points |
| ``students`` | who is counted where: primary enrollments, groupings, shares |
| ``assessment`` | Smarter Balanced: percent met, participation, Distance from Standard and its change |
| ``english_learners`` | ELPI, reclassification, long-term ELs and those at risk |
| ``outcomes`` | chronic absenteeism, algebra by grade 8/9, D/F rates, graduation, a-g |
| ``growth``, ``growth_averages`` | growth against similar students (residual gains), averages pulled toward the mean |
| ``metrics`` | every metric by name (``METRICS``) and ``metric_table``, the CLI's entry point |
| ``dashboard`` | status level, change level and colour, the state's rules as data (``dashboard_indicators.yaml``) |
| ``dashboard_rules`` | each of the state's rules tested on the rows of a Dashboard download |
| ``dashboard_check`` | ``flp-inquiry dashboard check``: a download's levels and colours worked out again |
| ``dashboard_groups`` | the Dashboard's student groups (EL = current ELs + RFEP within four years), ``dashboard_group`` |
| ``dashboard_projection`` | the projected Dashboard of a district or school: indicator x group, Red and Orange first |
| ``suppression`` | small-cell rules: ``suppress_small_cells`` |
| ``privacy`` | the scan for student ids and small counts in what is shown |
| ``extract`` | the cross-district aggregate extract |
"""
from flp_inquiry._exports import lazy_exports as _lazy_exports

#: Public names, and the module each lives in (imported on first use).
EXPORTS = {
    "METRICS": "flp_inquiry.measures.metrics:METRICS",
    "metric_table": "flp_inquiry.measures.metrics:metric_table",
    "percent_met": "flp_inquiry.measures.assessment:percent_met",
    "distance_from_standard": "flp_inquiry.measures.assessment:distance_from_standard",
    "dfs_grade_span": "flp_inquiry.measures.assessment:dfs_grade_span",
    "english_learner_progress": "flp_inquiry.measures.english_learners:english_learner_progress",
    "chronic_absenteeism": "flp_inquiry.measures.outcomes:chronic_absenteeism",
    "graduation_rate": "flp_inquiry.measures.outcomes:graduation_rate",
    "residual_gains": "flp_inquiry.measures.growth:residual_gains",
    "average_growth": "flp_inquiry.measures.growth_averages:average_growth",
    "suppress_growth": "flp_inquiry.measures.growth:suppress_growth",
    "dashboard_levels": "flp_inquiry.measures.dashboard:dashboard_levels",
    "indicator_for": "flp_inquiry.measures.dashboard:indicator_for",
    "check_download": "flp_inquiry.measures.dashboard_check:check_download",
    "dashboard_groups": "flp_inquiry.measures.dashboard_groups:dashboard_groups",
    "projected_dashboard": "flp_inquiry.measures.dashboard_projection:projected_dashboard",
    "suppress_small_cells": "flp_inquiry.measures.suppression:suppress_small_cells",
    "scan_report": "flp_inquiry.measures.privacy:scan_report",
    "write_extract": "flp_inquiry.measures.extract:write_extract",
    "read_extracts": "flp_inquiry.measures.extract:read_extracts",
}
__getattr__, __dir__ = _lazy_exports(__name__, EXPORTS)
