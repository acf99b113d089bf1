"""Opening an inquiry for one school gives the same figures as the district's, kept to that school."""
from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from flp_inquiry.errors import ParameterError
from flp_inquiry.inquiry import analysis, findings, patterns, per_student
from flp_inquiry.inquiry.session import METRIC_TABLES, Inquiry, start_inquiry
from flp_inquiry.measures import metrics
from tests.conftest import PACK_SCHOOLS

OPTIONS = {"percent_met": {"subject": "math"}, "participation_rate": {"subject": "ela"},
           "distance_from_standard": {"subject": "math"},
           "distance_from_standard_change": {"subject": "math", "year": 2025}}


@pytest.mark.parametrize("district", sorted(PACK_SCHOOLS))
@pytest.mark.parametrize("name", sorted(METRIC_TABLES))
def test_a_school_scope_equals_the_district_table_kept_to_that_school(sample_harmonised, district, name):
    """The school's report reads only its own students' rows: it must not change a single figure."""
    school = PACK_SCHOOLS[district]
    one_school = start_inquiry(district, 2025, school, sample_harmonised)
    whole = start_inquiry(district, 2025, "all", sample_harmonised)
    by = ["school_year", "el_status"]
    expected = whole.metric(name, by=["school", *by], **OPTIONS.get(name, {}))
    expected = expected[expected["school"] == school].drop(columns="school").reset_index(drop=True)
    # (a middle school has no graduates, a high school no K-8 absence: both sides are then empty)
    pd.testing.assert_frame_equal(one_school.metric(name, by=by, **OPTIONS.get(name, {})), expected,
                                  check_dtype=False)
    # and the school's data holds fewer rows than the district's (the point of it)
    assert len(one_school._school_students_data.enrollment) < len(whole.data.enrollment) / 3


def test_a_wrong_school_names_the_allowed_ones(sample_harmonised):
    with pytest.raises(ParameterError, match="Allowed values: all, Sample "):
        start_inquiry("fresno", 2025, "Sample Nowhere Elementary", sample_harmonised)


def test_metric_names_are_the_metric_functions():
    assert all(callable(getattr(metrics, name)) for name in METRIC_TABLES)


class _FromEveryDistrictRow(Inquiry):
    """The same inquiry, its figures worked out from every row of the district (no scoping to the school)."""

    @property
    def scoped_data(self):
        return self.data


SCHOOL_ANALYSES = {
    "achievement by chronic absence": lambda inquiry: per_student.achievement_by_chronic_absence(
        inquiry, "math", by=["el_status", "grade", "school_year"]),
    "a-g by algebra": lambda inquiry: per_student.a_g_by_algebra(inquiry, by=["school_year"]),
    "ELPAC level shares": lambda inquiry: per_student.elpac_level_shares(inquiry, by=["grade", "school_year"]),
    "level 3 bottleneck": lambda inquiry: per_student.level3_bottleneck(inquiry, by=["grade"]),
    "matched growth": lambda inquiry: inquiry.matched_growth("math", by=["grade", "el_status"]),
    "common metrics": findings.common_metrics,
    "indicator trends": findings.indicator_trends,
    "taken apart": lambda inquiry: pd.DataFrame({"sentence": [
        sentence for section in analysis.analyse_pattern(
            inquiry, patterns.largest_change_pattern(inquiry, "dfs", "math")).sentences.values() for sentence in section]}),
}


NOTHING_TO_SHOW = {("fresno", "a-g by algebra"), ("long_beach", "achievement by chronic absence"),
                   ("long_beach", "matched growth")}


@pytest.mark.parametrize("district", sorted(PACK_SCHOOLS))
@pytest.mark.parametrize("analysis", sorted(SCHOOL_ANALYSES))
def test_a_school_taken_apart_from_its_students_rows_shows_the_same_figures(sample_harmonised, district, analysis):
    """Explorer splits and the common metrics start from the school's students' rows: not one figure may differ."""
    scoped = start_inquiry(district, 2025, PACK_SCHOOLS[district], sample_harmonised)
    everything = _FromEveryDistrictRow(**{f.name: getattr(scoped, f.name) for f in dataclasses.fields(scoped)})
    assert len(scoped.scoped_data.assessments) < len(everything.scoped_data.assessments) / 2  # the point of it
    shown = SCHOOL_ANALYSES[analysis](scoped)
    pd.testing.assert_frame_equal(shown, SCHOOL_ANALYSES[analysis](everything), check_dtype=False)
    # the middle school has no graduates; the high school no K-8 absence and no grade 3-8 growth
    assert shown.empty == ((district, analysis) in NOTHING_TO_SHOW)


def test_a_figure_asked_for_again_is_remembered_and_the_callers_to_change(sample_harmonised, monkeypatch):
    """The explorer redraws ask for the same figures of the same tables: worked out once, each caller its own copy."""
    whole = start_inquiry("fresno", 2025, "all", sample_harmonised)
    calls = []
    real = metrics.FUNCTIONS["percent_met"]
    monkeypatch.setitem(metrics.FUNCTIONS, "percent_met", lambda *tables, **options: calls.append(1) or real(*tables, **options))
    first = whole.metric("percent_met", by=["school_year"], subject="math")
    first.loc[0, "value"] = -1.0  # a coach's change to their copy
    again = whole.metric("percent_met", by=["school_year"], subject="math")
    assert len(calls) == 1 and again.loc[0, "value"] != -1.0
    # another subject, or a table loaded again, is worked out afresh
    whole.metric("percent_met", by=["school_year"], subject="ela")
    reloaded = start_inquiry("fresno", 2025, "all", sample_harmonised)
    pd.testing.assert_frame_equal(reloaded.metric("percent_met", by=["school_year"], subject="math"), again)
    assert len(calls) == 3
