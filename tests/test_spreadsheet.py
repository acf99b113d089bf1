"""spreadsheet_csv and spreadsheet_text: no cell a spreadsheet runs, and every text given back as it was."""
from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flp_inquiry.spreadsheet import spreadsheet_csv, spreadsheet_safe, spreadsheet_text


@pytest.mark.parametrize("cell, written", [
    ("=1+1", "'=1+1"),
    ("+x", "'+x"),
    ("-x", "'-x"),
    ("--5", "'--5"),
    ("-5%", "'-5%"),          # a spreadsheet reads a formula-like text, not a plain number
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("'quoted", "''quoted"),  # so that the quote added can always be taken off again
    ("-5.2", "-5.2"),         # numbers as they are
    ("+3", "+3"),
    ("-1e-05", "-1e-05"),
    ("-.5", "-.5"),
    ("Lincoln = best", "Lincoln = best"),  # only the first character counts
    (" =1", " =1"),
    ("", ""),
    (-5.2, -5.2),
])
def test_each_kind_of_cell(cell, written):
    assert spreadsheet_safe(cell) == written


def test_a_carriage_return_inside_a_cell_is_quoted_and_rows_keep_their_line_ending():
    table = pd.DataFrame({"name": ["a\rb", "=c\r\nd", "e"], "n": [1, 2, 3]})
    text = spreadsheet_csv(table)
    assert text == 'name,n\n"a\rb",1\n"\'=c\r\nd",2\ne,3\n'
    assert spreadsheet_csv(table, lineterminator="\r\n") == 'name,n\r\n"a\rb",1\r\n"\'=c\r\nd",2\r\ne,3\r\n'


def test_column_names_numbers_and_missing_values():
    table = pd.DataFrame({"=name": ["x", None], "value": [-5.2, np.nan], "count": [-3, 4]})
    assert spreadsheet_csv(table) == "'=name,value,count\nx,-5.2,-3\n,,4\n"
    assert table.columns.tolist() == ["=name", "value", "count"]  # the frame itself is not changed


TEXT = st.text(alphabet=st.sampled_from(list("=+-@'\t\r\n\",;a1. ") + ["\u00f1"]), min_size=1, max_size=6)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(cells=st.lists(TEXT, min_size=1, max_size=5))
def test_no_cell_runs_and_every_text_comes_back(cells):
    """As a spreadsheet splits the CSV (rows at a CR or LF outside quotes), no cell starts like a
    formula unless it is a number; read back, every cell is the text it was."""
    table = pd.DataFrame({"group": cells, "value": range(len(cells))})
    text = spreadsheet_csv(table)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == len(cells) + 1  # no cell's CR or LF started a row
    for row in rows[1:]:
        assert len(row) == 2
        first = row[0][:1]
        assert first not in ("=", "+", "-", "@", "\t", "\r") or spreadsheet_safe(row[0]) == row[0]
    read = spreadsheet_text(pd.read_csv(io.StringIO(text, newline=""), dtype=str, keep_default_na=False))
    assert read["group"].tolist() == cells
