"""Each headline figure beside its district, the partner and California; the projected Dashboard as a report shows it.

California's figures come from the state's files for the report's own year only: the real Dashboard
downloads in ``../shared/data/public`` are the districts' subsets of 2017 (no statewide row), and the
hand-made research-file fixture holds a statewide row for 2024 (its numbers made up, its layout the
state's).  A state file for the sample's 2024-25 is written here the same way.
"""
from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from flp_inquiry.ingest.sample import HARBOR, PENASCO
from flp_inquiry.inquiry.claims import CANT_TELL, NOT_SUPPORTED, SUPPORTED
from flp_inquiry.inquiry.findings import (
    common_metrics,
    dashboard_colours,
    projected_dashboard_for,
    projection_table,
    with_context,
)
from flp_inquiry.inquiry.findings.glance_hypotheses import particular_areas
from flp_inquiry.inquiry.session import start_inquiry
from flp_inquiry.measures.state_context import state_figures
from tests.conftest import FIXTURES, write_state_file

RESEARCH_2024 = FIXTURES / "public" / "sb_ca2024_research_layout_2024.txt"


def test_the_real_dashboard_downloads_have_no_statewide_row_and_the_note_says_so(public_dir):
    files = sorted(public_dir.glob("*download2017f_fresno_longbeach.txt"))
    figures, note = state_figures(files, 2017)
    assert figures.empty
    assert note.startswith("The state files given hold no statewide figures, not for 2016-17")
    assert "Without a statewide row: ccidownload2017f_fresno_longbeach.txt" in note


def test_a_state_file_of_another_year_is_not_set_beside_this_years_figures():
    figures, note = state_figures([RESEARCH_2024], 2025)
    assert figures.empty
    assert "statewide figures for 2023-24 only, not for 2024-25" in note
    figures, note = state_figures([RESEARCH_2024], 2024)
    assert figures.set_index("subject")["state_value"].to_dict() == {"ela": 49.88, "math": 37.34}  # the fixture's rows
    assert note == "California's figures: the state's own files for 2023-24 (statewide, all students)."


def test_a_file_that_is_not_a_state_file_is_named_not_an_error(tmp_path):
    stray = tmp_path / "notes.txt"
    stray.write_text("not a state file\n")
    figures, note = state_figures([stray], 2025)
    assert figures.empty and "Not read (not a Dashboard download or CAASPP research file): notes.txt" in note


@pytest.fixture(scope="module")
def penasco(sample_harmonised):
    return start_inquiry("fresno", 2025, PENASCO, sample_harmonised)


def test_a_school_is_set_beside_its_own_district_the_partner_and_california(penasco, tmp_path):
    state = write_state_file(tmp_path, 2025, ela=47.5, math=35.25)
    inquiry = dataclasses.replace(penasco, state_files=(state,))
    table, notes = with_context(inquiry, common_metrics(inquiry))
    rows = table.set_index("indicator")
    district = common_metrics(dataclasses.replace(inquiry, school="all")).set_index("indicator")
    for indicator in ("ELA: percent met or exceeded", "Chronic absenteeism (grades K-8)"):
        assert rows.loc[indicator, "district_value"] == round(district.loc[indicator, "value"], 1)
    assert rows.loc["ELA: percent met or exceeded", "state_value"] == 47.5
    assert rows.loc["Math: percent met or exceeded", "state_value"] == 35.3  # 35.25: half away from zero
    assert rows.loc["Reclassification rate", "state_value"] == ""  # not in a research file
    assert notes[0] == "Fresno Unified's figures: the whole district, worked out from the same data as the school's."
    assert notes[-1] == "California's figures: the state's own files for 2024-25 (statewide, all students)."


def test_a_high_schools_grade_11_figure_is_set_beside_the_districts_grade_11(sample_harmonised):
    harbor = start_inquiry("long_beach", 2025, HARBOR, sample_harmonised)
    table, _ = with_context(harbor, common_metrics(harbor))
    ela = table.set_index("indicator").loc["ELA: distance from standard, grade 11"]
    district = start_inquiry("long_beach", 2025, "all", sample_harmonised)
    from flp_inquiry.inquiry.findings.glance import indicator_rows
    grade_11 = indicator_rows(district, "dfs", "ela", "11")
    assert ela["district_value"] == round(float(grade_11.loc[grade_11["school_year"] == 2025, "value"].iloc[0]), 1)


def test_every_blank_dashboard_colour_says_why(penasco):
    glance = dashboard_colours(common_metrics(penasco), projected_dashboard_for(penasco))
    blank = glance[glance["colour"].isin(["", "none"])]
    says_it_itself = blank["not_counted"].astype(str) != "" if "not_counted" in blank else False
    assert not blank.empty and (blank.loc[~says_it_itself, "no_colour"] != "").all()
    assert (blank.loc[says_it_itself, "no_colour"] == "").all()
    assert set(glance.loc[glance["metric"] == "percent_met", "no_colour"]) == {"not on the Dashboard"}
    assert (glance.loc[~glance["colour"].isin(["", "none"]), "no_colour"] == "").all()


def test_the_projected_dashboard_table_hides_a_second_part_beside_a_hidden_one():
    """English learners (Dashboard) = English learners only + reclassified within four years: with RFP hidden
    (8 students, 10 last year) and EL (40) and ELO (32) shown, RFP would be 40 - 32; so ELO is hidden too."""
    projection = pd.DataFrame({
        "title": ["ELA"] * 3, "measure": ["ela_3_8"] * 3, "dashboard_group": ["EL", "ELO", "RFP"],
        "group": ["EL", "ELO", "RFP"], "n": pd.array([40, 32, 8], dtype="Int64"),
        "prior_n": pd.array([40, 30, 10], dtype="Int64"), "value": [-50.0, -60.0, -10.0],
        "prior_value": [-55.0, -65.0, -20.0], "change": [5.0, 5.0, 10.0], "status": ["Low"] * 3,
        "change_name": ["Increased"] * 3, "colour_name": ["Yellow", "Yellow", None],
        "no_colour_reason": ["", "", "fewer than 30 students this year"], "note": [""] * 3})
    shown = projection_table(projection).set_index("dashboard_group")
    assert shown.loc["EL", "n"] == 40 and shown.loc["EL", "value"] == -50.0
    assert shown.loc["ELO", "n"] == "*" and shown.loc["ELO", "value"] == "*"
    assert "RFP" not in shown.index  # under 11 both years: left out, and the table says so
    assert projection_table(projection).attrs["left_out"] == 1


def _rates(values, reference):
    return pd.DataFrame({"indicator": list("ABC"), "metric": ["grad_rate", "ag_rate", "chronic_absence"],
                         "unit": ["%"] * 3, "n": [400] * 3, "value": values, "district_value": reference})


@pytest.mark.parametrize("values, verdict", [
    ([90.0, 40.0, 10.0], SUPPORTED),  # better on A and C (lower absence), worse on B
    ([90.0, 70.0, 10.0], NOT_SUPPORTED),  # better on all three: across the board
    ([80.5, 50.5, 19.5], CANT_TELL),  # each within its interval of the district's
])
def test_particular_areas_or_across_the_board(penasco, values, verdict):
    hypothesis = particular_areas(penasco, _rates(values, [80.0, 50.0, 20.0]))
    assert hypothesis.verdict == verdict, hypothesis.claim()


def test_each_question_sets_its_headline_figures_beside_the_district_and_the_partner(penasco, sample_harmonised):
    from flp_inquiry.inquiry.findings import headline_context

    district = start_inquiry("fresno", 2025, "all", sample_harmonised)
    whole = common_metrics(district).set_index("indicator")
    shown, notes = headline_context(penasco, "mathematics")
    rows = shown.data.set_index("Indicator")
    assert list(rows.index) == ["Math: percent met or exceeded", "Math: distance from standard, grades 3-8",
                                "Algebra 1 / Integrated 1 by grade 8 (C or better)"]
    for indicator in rows.index:  # the district column is the district report's own figure, rounded as shown
        assert rows.loc[indicator, "Fresno Unified (district)"] == round(float(whole.loc[indicator, "value"]), 1)
    # Peñasco's grades 6, 7, 8: 62, 72 and 52 students at -75.6, -82.3, -73.8 -> -14450.4 / 186 = -77.7
    assert rows.loc["Math: distance from standard, grades 3-8", "2024-25"] == -77.7
    assert notes[0].startswith("Fresno Unified's figures: the whole district")
    ela, _ = headline_context(penasco, "mathematics", subject="ela")
    assert list(ela.data["Indicator"]) == ["ELA: percent met or exceeded", "ELA: distance from standard, grades 3-8"]


def test_a_question_the_school_does_not_count_shows_no_headline_table(sample_harmonised):
    from flp_inquiry.inquiry.findings import headline_context

    middle_school = start_inquiry("fresno", 2025, PENASCO, sample_harmonised)
    shown, notes = headline_context(middle_school, "college_career")  # graduation: grades 9-12 only
    assert shown.data.empty and notes == []


def test_a_state_file_without_the_questions_indicators_leaves_no_empty_california_column(sample_harmonised, tmp_path):
    from flp_inquiry.inquiry.findings import headline_context

    state = write_state_file(tmp_path, 2025, ela=47.5, math=35.25)  # CAASPP only: no graduation figures
    orchard = start_inquiry("fresno", 2025, "Sample Orchard High", sample_harmonised)
    graduation, notes = headline_context(dataclasses.replace(orchard, state_files=(state,)), "college_career")
    assert "California" not in graduation.data.columns
    assert notes[-1] == "The state's files given hold no California figure for these indicators."
    mathematics, _ = headline_context(dataclasses.replace(orchard, state_files=(state,)), "mathematics")
    assert mathematics.data.set_index("Indicator").loc["Math: percent met or exceeded", "California"] == 35.3


def test_the_headline_table_says_what_each_of_its_figures_counts(penasco):
    """The privacy audit reads the headline table as it reads the common metrics (issue 22): each row its measure."""
    from flp_inquiry.inquiry.findings import headline_context
    from flp_inquiry.measures.table_meaning import cells_frame

    shown, _ = headline_context(penasco, "mathematics")
    cells = cells_frame([shown.meaning])
    school = f"school={PENASCO};school_year=2025"
    students = [float(n) for n in shown.data["Students"]]
    rates = shown.data["2024-25"].tolist()
    # Peñasco's grades 6, 7, 8: 62 + 72 + 52 = 186 tested in math, all of them in grades 3-8
    assert students[:2] == [186.0, 186.0]
    assert cells[["kind", "measure", "population", "shown"]].values.tolist() == [
        ["count", "math.tested", school, 186.0], ["rate", "math.met", school, rates[0]],
        ["count", "math.tested", f"grade=3-8;{school}", 186.0],
        ["count", "algebra_by_8.students", school, students[2]], ["rate", "algebra_by_8.completed", school, rates[2]]]
    # the rates' denominators are the rows' own counts; the mean distance from standard is no rate
    assert cells.loc[cells["kind"] == "rate", "of_measure"].tolist() == ["math.tested", "algebra_by_8.students"]
    # a headline without Distance from Standard has no grade span: its rows are the school's, not a blank grade's
    english_learners, _ = headline_context(penasco, "english_learners")
    assert set(cells_frame([english_learners.meaning])["population"]) == {school}
