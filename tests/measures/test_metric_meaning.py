"""What a metric's table counts, carried by the reader table to the pack's audit (issue 22); values worked out by hand."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from flp_inquiry.inquiry import tables
from flp_inquiry.inquiry.charts import chart_table
from flp_inquiry.measures.extract_meaning import extract_meanings, hide_extract_figures
from flp_inquiry.measures.metric_meaning import complete_dimensions, metric_meaning, parts_per_whole
from flp_inquiry.measures.table_meaning import HIDE_VARIABLE, MEANING_ATTRIBUTE, MIMETYPE, cells_frame, partitions_frame


def chronic_absence_by_group(complete=("el_status",)) -> pd.DataFrame:
    """A district's chronic absence by group: EL 261 (73 absent = 28.0%), EO 599, TBD 4 (hidden, small)."""
    table = pd.DataFrame({"el_status": ["EL", "EO", "TBD"], "school_year": 2025, "n": [261, 599, 4],
                          "value": [100 * 73 / 261, 100 * 120 / 599, 25.0]})
    table.attrs[MEANING_ATTRIBUTE] = metric_meaning(
        "chronic_absenteeism", {}, {}, {c: parts_per_whole(table, c) for c in complete}, list(table.columns))
    return table


COLUMNS = {"el_status": "Student group", "n": "Students", "value": "Chronically absent (%)"}


def test_a_reader_table_shows_what_it_counts_in_its_output_metadata():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shown = []
    shell.display_pub.publish = lambda data, metadata=None, **kwargs: shown.append((data, metadata))
    table = tables.reader_table(chronic_absence_by_group(), COLUMNS, parts_of=["school_year"])
    table._ipython_display_()
    data, metadata = shown[-1]
    meaning = metadata[MIMETYPE]
    assert "text/html" in data and meaning["table"] == table.table_id
    assert meaning["counts"] == [{"column": "n", "measure": "chronic_absence.enrolled", "displayed": True}]
    assert meaning["rates"][0]["numerator"] == "chronic_absence.absent" and meaning["complete"] == {"el_status": "all"}
    # TBD's 4 is small; EL's 261 is the smallest other group, hidden beside it (parts_of)
    assert [(r["el_status"], r["n"], r["value"], r.get("hidden")) for r in meaning["rows"]] == [
        ("EL", "*", "*", {"n": "complementary"}), ("EO", 599, 20.0, None), ("TBD", "*", "*", {"n": "small"})]
    assert "4" not in json.dumps([r["n"] for r in meaning["rows"]])  # a hidden count never travels
    InteractiveShell.clear_instance()


def test_a_table_that_lost_some_of_its_parts_is_not_complete():
    table = chronic_absence_by_group().query("el_status != 'EO'")
    assert tables.reader_table(table, COLUMNS).meaning.complete == {}
    assert tables.reader_table(chronic_absence_by_group(), COLUMNS).meaning.complete == {"el_status": "all"}


def test_completeness_is_worked_out_from_the_whole():
    parts = pd.DataFrame({"el_status": ["EL", "EO"], "school_year": 2025, "n": [261, 599]})
    # 261 + 599 = 860 of 864 students (4 with no group recorded): parts of the whole, not all of it
    assert complete_dimensions(parts, {"el_status": pd.DataFrame({"school_year": [2025], "n": [864]})}) == []
    assert complete_dimensions(parts, {"el_status": pd.DataFrame({"school_year": [2025], "n": [860]})}) == ["el_status"]


def test_a_table_split_by_groups_added_after_its_metric_says_nothing():
    table = chronic_absence_by_group().assign(pathway="Algebra in grade 8")
    assert tables.reader_table(table, COLUMNS).meaning is None


def test_the_figures_the_pack_hides_are_hidden(tmp_path, monkeypatch):
    figures = tmp_path / "fresno.json"
    # EO's count (and so its rate), and nothing else
    figures.write_text(json.dumps([["chronic_absence.enrolled", "el_status=EO;school_year=2025"]]))
    monkeypatch.setenv(HIDE_VARIABLE, str(figures))
    table = tables.reader_table(chronic_absence_by_group(complete=()), COLUMNS)
    # without parts_of only TBD is hidden by the rule; EO goes by the pack's list, EL's 261 and 28.0% stay
    assert table.data["Students"].tolist() == [261, "*", "*"]
    assert table.data["Chronically absent (%)"].tolist() == [28.0, "*", "*"]
    assert table.meaning.rows[1]["hidden"] == {"n": "complementary"} and table.meaning.rows[1]["value"] == "*"


def test_a_rate_alone_is_hidden_its_count_stays(tmp_path, monkeypatch):
    figures = tmp_path / "fresno.json"
    figures.write_text(json.dumps([["chronic_absence.absent", "el_status=EL;school_year=2025"]]))
    monkeypatch.setenv(HIDE_VARIABLE, str(figures))
    table = tables.reader_table(chronic_absence_by_group(complete=()), COLUMNS)
    assert table.data.loc[0, ["Students", "Chronically absent (%)"]].tolist() == [261, "*"]
    cells = cells_frame([table.meaning])
    assert cells.loc[(cells["kind"] == "rate") & (cells["population"].str.contains("EL;")), "hidden"].tolist() == [
        "with its count"]


def test_chart_tables_round_their_rates():
    # 73 of 261 = 27.969...%: unrounded in a tooltip beside its 261, it would give the 73 away
    table = chart_table(pd.DataFrame({"school": ["A"], "n": [261], "value": [100 * 73 / 261]}))
    assert table["value"].tolist() == [28.0]


def test_the_extract_as_tables_and_its_figures_hidden():
    extract = pd.DataFrame({"metric": "percent_met", "subject": "math", "grade_span": None, "school_year": 2025,
                            "group_type": ["all", "el_status", "el_status", "el_status"],
                            "group": ["All", "EL", "EO", "TBD"], "n": [70, 40, "*", "*"],
                            "value": [50.0, 25.0, "*", "*"], "colour": ["Red", "Red", "*", "*"]})
    meanings = extract_meanings(extract, "extract")
    cells, parts = cells_frame(meanings), partitions_frame(meanings)
    assert set(cells.loc[cells["hidden"] == "hidden", "population"]) == {"el_status=EO;school_year=2025",
                                                                          "el_status=TBD;school_year=2025"}
    assert parts[["measure", "dimension"]].values.tolist() == [["math.tested", "el_status"], ["math.met", "el_status"]]
    hidden = hide_extract_figures(extract, frozenset({("math.met", "el_status=EL;school_year=2025")}))
    assert hidden.loc[1, ["n", "value", "colour"]].tolist() == [40, "*", "*"]


@pytest.mark.parametrize("metric, options, expected", [
    ("percent_met", {"subject": "ela"}, ("ela.tested", "ela.met")),
    ("distance_from_standard", {"subject": "math"}, ("math.tested", None)),
    ("algebra_by_grade", {"grade": 9}, ("algebra_by_9.students", "algebra_by_9.completed")),
    ("d_or_f_rate", {}, ("marks.given", "marks.d_or_f")),
])
def test_each_metric_names_its_measures(metric, options, expected):
    meaning = metric_meaning(metric, options, {})
    assert (meaning["count"], meaning["numerator"]) == expected


def percent_met_by_group(subject: str, tested: list[int], met: list[int]) -> pd.DataFrame:
    table = pd.DataFrame({"el_status": ["EL", "EO", "TBD"][:len(tested)], "school_year": 2025, "n": tested,
                          "value": [100 * m / n for m, n in zip(met, tested)]})
    table.attrs[MEANING_ATTRIBUTE] = metric_meaning("percent_met", {"subject": subject}, {},
                                                    {"el_status": parts_per_whole(table, "el_status")},
                                                    list(table.columns))
    return table


def test_two_metrics_side_by_side_each_say_what_they_count():
    # math: EL 40 (10 met = 25.0%), EO 60 (30 = 50.0%); ELA: EL 41 (20 = 48.8%), EO 59 (29 = 49.2%)
    merged = tables.side_by_side(percent_met_by_group("math", [40, 60], [10, 30]),
                                 percent_met_by_group("ela", [41, 59], [20, 29]), ["el_status", "school_year"], "_ela")
    shown = tables.reader_table(merged, {"el_status": "Student group", "n": "Tested in math", "value": "Math (%)",
                                         "n_ela": "Tested in ELA", "value_ela": "ELA (%)"},
                                counts={"n": ["value"], "n_ela": ["value_ela"]})
    cells = cells_frame([shown.meaning])
    assert cells[["measure", "population", "shown"]].values.tolist() == [
        ["math.tested", "el_status=EL;school_year=2025", 40.0], ["ela.tested", "el_status=EL;school_year=2025", 41.0],
        ["math.met", "el_status=EL;school_year=2025", 25.0], ["ela.met", "el_status=EL;school_year=2025", 48.8],
        ["math.tested", "el_status=EO;school_year=2025", 60.0], ["ela.tested", "el_status=EO;school_year=2025", 59.0],
        ["math.met", "el_status=EO;school_year=2025", 50.0], ["ela.met", "el_status=EO;school_year=2025", 49.2]]
    assert shown.meaning.complete == {"el_status": "all"}


def test_a_side_by_side_merge_that_lost_a_group_is_not_complete():
    # ELA has no TBD row: the merge keeps EL and EO only, which are not every group of the math table
    merged = tables.side_by_side(percent_met_by_group("math", [40, 60, 12], [10, 30, 6]),
                                 percent_met_by_group("ela", [41, 59], [20, 29]), ["el_status", "school_year"], "_ela")
    shown = tables.reader_table(merged, {"el_status": "Group", "n": "Math", "n_ela": "ELA"},
                                counts={"n": [], "n_ela": []})
    assert shown.meaning.complete == {} and len(shown.meaning.counts) == 2


def test_a_row_with_a_second_subject_hidden_carries_no_caution(tmp_path, monkeypatch):
    """Math 28 shown (fewer than 30: a caution), ELA hidden by the pack's audit: "fewer than 30 students" beside
    the * would say ELA's hidden count is 11-29, so the row has no caution."""
    figures = tmp_path / "fresno.json"
    figures.write_text(json.dumps([["ela.tested", "el_status=EO;school_year=2025"]]))
    monkeypatch.setenv(HIDE_VARIABLE, str(figures))
    merged = tables.side_by_side(percent_met_by_group("math", [40, 28], [10, 14]),
                                 percent_met_by_group("ela", [41, 27], [20, 9]), ["el_status", "school_year"], "_ela")
    shown = tables.reader_table(merged, {"el_status": "Group", "n": "Math", "n_ela": "ELA"},
                                counts={"n": [], "n_ela": []})
    assert shown.data[["Math", "ELA"]].values.tolist() == [[40, 41], [28, "*"]]
    assert "Note" not in shown.data or "caution" not in shown.data.loc[1, "Note"]
