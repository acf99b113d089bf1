"""Stage 3, inquiry: what the notebooks use to ask a question of a district's data and answer it in words.

| module | concern |
|---|---|
| ``session`` | a notebook's start: parameters checked, district loaded, a school's own rows (``start_inquiry``) |
| ``questions``, ``new_question`` | a notebook's declared parameters, checked; a new question from the template |
| ``intervals``, ``cohorts``, ``decomposition`` | root-cause statistics: gaps with intervals, funnel limits, matched cohorts, composition vs performance |
| ``status_growth`` | status beside growth for each school (or grade), ready for a status x growth chart |
| ``patterns``, ``per_student``, ``analysis`` | a pattern a coach names, fitted to a school, and taken apart |
| ``explorer`` | the root-cause explorer in a notebook, with widgets in JupyterLab |
| ``findings`` | plain sentences from metric tables, by kind of sentence |
| ``labels`` | words a principal reads: years, districts, groups |
| ``charts``, ``tables`` | Altair charts and reader tables: suppressed, labelled, nothing drawn empty |
"""
from flp_inquiry._exports import lazy_exports as _lazy_exports

#: Public names, and the module each lives in (imported on first use).
EXPORTS = {
    "charts": "flp_inquiry.inquiry.charts",
    "tables": "flp_inquiry.inquiry.tables",
    "findings": "flp_inquiry.inquiry.findings",
    "labels": "flp_inquiry.inquiry.labels",
    "Inquiry": "flp_inquiry.inquiry.session:Inquiry",
    "start_inquiry": "flp_inquiry.inquiry.session:start_inquiry",
    "new_question": "flp_inquiry.inquiry.new_question:new_question",
    "wilson_interval": "flp_inquiry.inquiry.intervals:wilson_interval",
    "group_gaps": "flp_inquiry.inquiry.intervals:group_gaps",
    "funnel_limits": "flp_inquiry.inquiry.intervals:funnel_limits",
    "matched_cohort_growth": "flp_inquiry.inquiry.cohorts:matched_cohort_growth",
    "status_beside_growth": "flp_inquiry.inquiry.status_growth:status_beside_growth",
    "decompose_change": "flp_inquiry.inquiry.decomposition:decompose_change",
    "contributions_to_gap": "flp_inquiry.inquiry.decomposition:contributions_to_gap",
    "Pattern": "flp_inquiry.inquiry.patterns:Pattern",
    "check_pattern": "flp_inquiry.inquiry.patterns:check_pattern",
    "largest_change_pattern": "flp_inquiry.inquiry.patterns:largest_change_pattern",
    "achievement_by_chronic_absence": "flp_inquiry.inquiry.per_student:achievement_by_chronic_absence",
    "a_g_by_algebra": "flp_inquiry.inquiry.per_student:a_g_by_algebra",
    "elpac_level_shares": "flp_inquiry.inquiry.per_student:elpac_level_shares",
    "level3_bottleneck": "flp_inquiry.inquiry.per_student:level3_bottleneck",
    "reclassification_after_level4": "flp_inquiry.inquiry.per_student:reclassification_after_level4",
    "analyse_pattern": "flp_inquiry.inquiry.analysis:analyse_pattern",
    "RootCauseExplorer": "flp_inquiry.inquiry.explorer:RootCauseExplorer",
    "findings_heading": "flp_inquiry.inquiry.explorer:findings_heading",
}
__getattr__, __dir__ = _lazy_exports(__name__, EXPORTS)
