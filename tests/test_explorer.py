"""The root-cause explorer: its checks, its analysis of the sample's planted pattern, and its widgets."""
from __future__ import annotations

import pandas as pd
import pytest

from flp_inquiry.errors import ParameterError
from flp_inquiry.explorer import (CHRONICALLY_ABSENT, NOT_CHRONICALLY_ABSENT, RootCauseExplorer,
                                  achievement_by_chronic_absence, check_pattern, focus_and_rest, level3_bottleneck)
from flp_inquiry.sample import PENASCO
from flp_inquiry.session import start_inquiry
from test_notebooks import harmonised  # noqa: F401  (the session's harmonised sample)

PATTERN = dict(metric="dfs", subject="math", group_type="el_status", group="EL", grade="7")


@pytest.fixture(scope="module")
def explorer(harmonised) -> RootCauseExplorer:  # noqa: F811
    return RootCauseExplorer.start("fresno", 2025, "all", str(harmonised), **PATTERN)


@pytest.mark.parametrize("name,value,allowed", [
    ("metric", "mean", "dfs, percent_met, chronic_absence"),
    ("subject", "science", "ela, math"),
    ("group_type", "school", "el_status, ethnicity, sed, swd, gender"),
    ("grade", "12", "all, 3, 4, 5, 6, 7, 8, 11"),
])
def test_a_wrong_pattern_names_the_allowed_values(explorer, name, value, allowed):
    with pytest.raises(ParameterError, match=f"Allowed values: {allowed}"):
        check_pattern(explorer.inquiry, **{**PATTERN, name: value})


def test_focus_and_rest_weighs_the_other_groups_by_their_students():
    # EO 60 at -50 and RFEP 20 at 0 -> other students (60 x -50 + 20 x 0) / 80 = -37.5
    table = pd.DataFrame({"school_year": [2025] * 3, "el_status": ["EL", "EO", "RFEP"], "n": [20, 60, 20],
                          "value": [-150.0, -50.0, 0.0]})
    rest = focus_and_rest(table, "el_status", "EL")
    assert rest[["el_status", "n", "value"]].to_dict("records") == [
        {"el_status": "EL", "n": 20, "value": -150.0}, {"el_status": "Other students", "n": 80, "value": -37.5}]


def test_the_planted_grade7_drop_is_taken_apart(explorer):
    analysis = explorer.last
    shows = " ".join(analysis.sentences["shows"])
    assert "English learners in Grade 7 went down" in shows
    surprising = " ".join(analysis.sentences["surprising"])
    assert f"At {PENASCO}, chronic absence among English learners" in surprising
    assert {"trend", "funnel"} <= set(analysis.charts)
    assert {"contributions", "decomposition", "attendance", "matched"} <= set(analysis.tables)


def test_chronically_absent_grade7_english_learners_score_far_lower(explorer):
    split = achievement_by_chronic_absence(explorer.inquiry, "math", by=["el_status", "grade", "school_year"])
    this_year = split.query("el_status == 'EL' and grade == 7 and school_year == 2025").set_index("attendance")
    assert this_year.loc[CHRONICALLY_ABSENT, "value"] < this_year.loc[NOT_CHRONICALLY_ABSENT, "value"] - 50


def test_the_bottleneck_holds_most_level3_english_learners(explorer):
    bottleneck = level3_bottleneck(explorer.inquiry, by=["school_year"]).set_index("school_year")
    assert bottleneck.loc[2025, "value"] > 55 and bottleneck.loc[2025, "moved_up"] < 30


def test_every_table_shown_is_suppressed(explorer):
    for name, table in explorer.last.tables.items():
        shown = table.data
        for column in [c for c in shown.columns if c.startswith(("Students", "Same students"))]:
            counts = shown[column]
            assert all(value == "*" or int(value) >= 11 for value in counts), name


def test_changing_a_widget_redraws_the_analysis(harmonised):  # noqa: F811
    explorer = RootCauseExplorer.start("fresno", 2025, "all", str(harmonised), **PATTERN)
    box = explorer.widgets()
    assert set(explorer.controls) == {"district", "school", "grade", "group", "metric"}
    assert box.children[-1] is explorer._output
    renders, first = explorer.renders, explorer.last

    explorer.controls["group"].value = "EO"
    assert explorer.renders == renders + 1
    assert explorer.last is not first and explorer.last.pattern.group_words == "English only in Grade 7"

    explorer.controls["grade"].value = "6"
    assert explorer.last.pattern.group_words == "English only in Grade 6"

    explorer.controls["school"].value = PENASCO
    assert explorer.last.inquiry.school == PENASCO
    assert "Grade" in explorer.last.tables["contributions"].data.columns  # within a school: grades, not schools

    explorer.controls["metric"].value = "chronic_absence"
    assert explorer.last.pattern.metric_words == "chronic absence rate"
    assert "attendance" not in explorer.last.tables

    explorer.controls["district"].value = "long_beach"
    assert explorer.last.inquiry.district == "long_beach" and explorer.last.inquiry.school == "all"
    assert PENASCO not in explorer.controls["school"].options
    assert explorer.renders == renders + 5


def test_the_explorer_for_one_school_names_it(harmonised):  # noqa: F811
    inquiry = start_inquiry("fresno", 2025, PENASCO, str(harmonised))
    explorer = RootCauseExplorer(inquiry, check_pattern(inquiry, "chronic_absence", "math", "el_status", "EL", "all"))
    assert f"{PENASCO} (Fresno Unified)" in explorer.last.charts["trend"].to_dict()["title"]
    assert any("English learners" in sentence and "up" in sentence for sentence in explorer.last.sentences["shows"])
