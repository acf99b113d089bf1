"""Small-cell suppression: fewer than 11 hidden, complementary cells, caution under 30."""
from __future__ import annotations

import pandas as pd
import pytest

from flp_inquiry.errors import ParameterError
from flp_inquiry.measures.suppression import suppress_small_cells


@pytest.mark.parametrize(("n", "hidden", "caution"), [(10, True, True), (11, False, True), (29, False, True),
                                                     (30, False, False), (0, True, True)])
def test_threshold_eleven_and_caution_thirty(n, hidden, caution):
    table = pd.DataFrame({"school": ["A"], "n": [n], "value": [55.5]})
    result = suppress_small_cells(table)
    assert result["value"].tolist() == (["*"] if hidden else [55.5])
    assert result["n"].tolist() == (["*"] if hidden else [n])
    assert result["caution"].tolist() == [caution]


def test_nothing_changes_when_no_cell_is_small():
    table = pd.DataFrame({"el_status": ["EL", "EO", "All"], "n": [11, 40, 51], "value": [20.0, 30.0, 27.8]})
    result = suppress_small_cells(table, complementary={"el_status": "All"})
    assert result.drop(columns="caution").astype(object).equals(table.astype(object))
    assert result["caution"].tolist() == [True, False, False]


def test_single_hidden_cell_beside_a_shown_total_forces_the_next_smallest():
    # EL 8 is hidden; All 88 is shown, so EL = 88 - 30 - 50 could be worked out:
    # the next-smallest, RFEP (30), is hidden too; EO (50) stays.
    table = pd.DataFrame({"el_status": ["EO", "EL", "RFEP", "All"], "n": [50, 8, 30, 88],
                          "value": [60.0, 12.5, 40.0, 50.0]})
    result = suppress_small_cells(table, complementary={"el_status": "All"})
    assert result["n"].tolist() == [50, "*", "*", 88]
    assert result["value"].tolist() == [60.0, "*", "*", 50.0]


def test_no_second_cell_without_a_shown_total():
    table = pd.DataFrame({"el_status": ["EO", "EL", "RFEP"], "n": [50, 8, 30], "value": [60.0, 12.5, 40.0]})
    result = suppress_small_cells(table, complementary={"el_status": "All"})
    assert result["n"].tolist() == [50, "*", 30]


def test_two_hidden_cells_need_no_third():
    table = pd.DataFrame({"el_status": ["EO", "EL", "RFEP", "All"], "n": [50, 8, 9, 67],
                          "value": [1.0, 2.0, 3.0, 4.0]})
    assert suppress_small_cells(table, complementary={"el_status": "All"})["n"].tolist() == [50, "*", "*", 67]


def test_complementary_works_per_group_and_along_columns():
    # Two schools x (EL, EO, All) and a district row per status.
    # School A: EL 5 hidden beside A's total, so A's EO (20) goes too (within school A).
    # Column EL now has one hidden (A) beside the district EL total: B's EL (12) goes;
    # column EO has one hidden (A) beside the district EO total: B's EO (40) goes.
    # The district row and the totals stay: every group now hides two cells or none.
    rows = [("A", "EL", 5), ("A", "EO", 20), ("A", "All", 25),
            ("B", "EL", 12), ("B", "EO", 40), ("B", "All", 52),
            ("District", "EL", 17), ("District", "EO", 60), ("District", "All", 77)]
    table = pd.DataFrame(rows, columns=["school", "el_status", "n"]).assign(value=1.0)
    result = suppress_small_cells(table, complementary={"el_status": "All", "school": "District"})
    hidden = result.loc[result["n"] == "*", ["school", "el_status"]].apply(tuple, axis=1).tolist()
    assert hidden == [("A", "EL"), ("A", "EO"), ("B", "EL"), ("B", "EO")]


def test_input_is_not_mutated_and_missing_columns_are_named():
    table = pd.DataFrame({"school": ["A", "B"], "n": [3, 50], "value": [1.0, 2.0], "status_level": [1, 2]})
    before = table.copy()
    suppress_small_cells(table, values=("value", "status_level"))
    pd.testing.assert_frame_equal(table, before)
    with pytest.raises(ParameterError, match="needs the column colour"):
        suppress_small_cells(table, values=("value", "colour"))


def test_other_value_columns_hidden_too_and_missing_n_is_hidden():
    table = pd.DataFrame({"n": [5, None], "value": [1.0, 2.0], "status_level": [3, 4]})
    result = suppress_small_cells(table, values=("value", "status_level"), caution_n=None)
    assert result["status_level"].tolist() == ["*", "*"]
    assert "caution" not in result
