"""Opening an inquiry for one school gives the same figures as the district's, kept to that school."""
from __future__ import annotations

import pandas as pd
import pytest

from conftest import PACK_SCHOOLS
from flp_inquiry import metrics
from flp_inquiry.errors import ParameterError
from flp_inquiry.session import METRIC_TABLES, start_inquiry

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
