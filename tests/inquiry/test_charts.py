"""Tables a principal reads (flp_inquiry.inquiry.tables.reader_table): a table of stars, and a measure not counted at all."""
from __future__ import annotations

import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.display import display
from IPython.utils.capture import capture_output

from flp_inquiry.inquiry import tables

COLUMNS = {"grade": "Grade", "n": "Students", "value": "Percent met"}


def shown(table) -> list[dict]:
    """What Jupyter (and so a report) gets from a displayed reader table: the data of each output."""
    InteractiveShell.instance()  # display() publishes to a shell, as in a notebook
    with capture_output() as captured:
        display(table)
    return [output.data for output in captured.outputs]


@pytest.mark.parametrize("counts,note", [
    # every group under 11: one sentence, no table
    ([10, 3], "Every group in the table by grade has fewer than 11 students, so it is not shown."),
    ([0, 10], "Every group in the table by grade has fewer than 11 students, so it is not shown."),
    # one group of 11: the table is shown
    ([11, 3], ""),
])
def test_a_table_whose_every_row_is_hidden_is_one_sentence(counts, note):
    table = pd.DataFrame({"grade": [3, 4], "n": counts, "value": [40.0, 60.0]})
    reader = tables.reader_table(table, COLUMNS, what="the table by grade")
    assert reader.hidden_note == note
    if note:
        assert shown(reader) == [{"text/html": f'<div class="prose"><p>{note}</p></div>', "text/plain": note}]
        assert not reader.shows_rows
    else:
        assert [list(data) for data in shown(reader)] == [["text/html", "text/plain"]]


def test_groups_hidden_beside_a_shown_total_keep_the_table():
    # grade 3 has 8 students, grade 4 (12) is hidden beside it so the total of 20 does not give it away:
    # every group is hidden, but the total shows, so the table does too
    table = pd.DataFrame({"grade": [3, 4, "Total"], "n": [8, 12, 20], "value": [40.0, 60.0, 52.0]})
    reader = tables.reader_table(table, COLUMNS, complementary={"grade": "Total"})
    assert reader.hidden_note == "" and reader.data["Students"].tolist() == ["*", "*", 20]


def test_a_measure_not_counted_at_the_school_is_said_so_not_starred():
    table = pd.DataFrame({"indicator": ["Math: percent met", "Chronic absenteeism (grades K-8)"], "n": [40, 0],
                          "value": [25.0, None], "why": ["", "not counted at this school: grades K-8 only"]})
    data = tables.reader_table(table, {"indicator": "Indicator", "n": "Students", "value": "2024-25"},
                               not_counted="why").data
    assert data.to_dict("records") == [
        {"Indicator": "Math: percent met", "Students": 40, "2024-25": 25.0, "Note": ""},
        {"Indicator": "Chronic absenteeism (grades K-8)", "Students": "", "2024-25": "",
         "Note": "not counted at this school: grades K-8 only"}]


def test_the_decomposition_headings_say_each_row_is_a_part_of_the_change():
    # grade 4 went from -111.5 to -90.8 (up 20.7) but its part of the total change is -2.1: "Change" misread it
    decomposition = pd.DataFrame({"grade": [4, 5, "Total"], "before_n": [16, 20, 36], "after_n": [18, 20, 38],
                                  "before_value": [-111.5, -100.0, -105.1], "after_value": [-90.8, -130.0, -111.4],
                                  "composition": [-7.2, 1.0, -6.2], "performance": [5.1, -15.0, -9.9],
                                  "change": [-2.1, -14.0, -16.1]})
    headings = list(tables.decomposition_table(decomposition, "grade", unit="points").data.columns)
    assert "Change" not in headings and "Part of the change (points)" in headings
