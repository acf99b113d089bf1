"""Blank counts in a Dashboard download that are zeros: a blank part of a row whose other parts add up to its total."""
from __future__ import annotations

import pandas as pd

from flp_inquiry.ingest.dashboard_downloads import fill_blank_parts, read_dashboard_download


def _rows():
    # total, a, b, c; worked by hand:
    return pd.DataFrame({
        "total": [30, 32, 32, 32, 32, None, 0],
        "a": [13, 20, 20, 20, 20, 5, None],
        "b": [17, None, 2, 2, 7, None, None],
        "c": [None, 10, 10, 5, 10, None, None],
    }, dtype="Int64")
    # row 0: 13 + 17 + blank = 30: the blank c is 0
    # row 1: 20 + blank + 10 = 30 < 32: the blank b hides 2 students (suppressed), stays blank
    # row 2: 20 + 2 + 10 = 32, no blank: consistent
    # row 3: 20 + 2 + 5 = 27 < 32 with no blank: inconsistent
    # row 4: 20 + 7 + 10 = 37 > 32: inconsistent
    # row 5: no total: left as it is
    # row 6: total 0, every part blank: all three are 0


def test_blanks_that_add_up_are_zeros_and_the_others_stay_blank():
    rows = _rows()
    before = rows.copy()
    found = fill_blank_parts(rows, "total", ["a", "b", "c"])
    pd.testing.assert_frame_equal(rows, before)  # the download as read is never changed
    assert found.zeros.tolist() == [True, False, False, False, False, False, True]
    assert found.hidden.tolist() == [False, True, False, False, False, False, False]
    assert found.inconsistent.tolist() == [False, False, False, True, True, False, False]
    assert found.checked.tolist() == [True, True, True, True, True, False, True]
    assert found.zero_cells == 4  # row 0's c, row 6's a, b and c
    assert found.filled["c"].tolist()[:2] == [0, 10] and found.filled["b"].isna().tolist()[1]
    assert found.filled.loc[6, ["a", "b", "c"]].tolist() == [0, 0, 0]
    assert found.filled.loc[5, ["b", "c"]].isna().all()


def test_parts_the_file_lacks_are_ignored_and_no_total_changes_nothing():
    rows = _rows()
    found = fill_blank_parts(rows, "total", ["a", "b", "c", "not_in_the_file"])
    assert found.parts == ("a", "b", "c")
    nothing = fill_blank_parts(rows, "no_such_total", ["a", "b"])
    assert nothing.parts == () and nothing.filled is rows and not nothing.zeros.any()


def test_the_2017_elpi_download_blanks(public_dir):
    # Read with plain pandas: a row's blank numerator parts are zeros where its other parts add up to currnumer.
    name = "elpidownload2017f_fresno_longbeach.txt"
    raw = pd.read_csv(public_dir / name, sep="\t")
    parts = ["curradvanced", "currmaintained", "currrfeps", "currltels"]
    known = raw[parts].fillna(0).sum(axis=1)
    zero_rows = raw["currnumer"].notna() & raw[parts].isna().any(axis=1) & (known == raw["currnumer"])
    found = fill_blank_parts(read_dashboard_download(public_dir / name), "currnumer", parts)
    assert int(found.zeros.sum()) == int(zero_rows.sum()) == 59
    assert found.zero_cells == int(raw.loc[zero_rows, parts].isna().sum().sum()) == 59
    assert not found.hidden.any() and not found.inconsistent.any()
