"""Remembered results are handed out only for the very tables they were worked out from."""
from __future__ import annotations

import gc

import pandas as pd

from flp_inquiry.memo import Recent


def _counting(recent: Recent):
    made = []

    def rows_of(table: pd.DataFrame) -> int:
        return recent.get_or_make([table], "rows", lambda: made.append(1) or len(table))

    return rows_of, made


def test_a_table_gone_by_is_never_mistaken_for_a_new_one_at_its_address():
    recent = Recent(size=4)
    rows_of, made = _counting(recent)
    assert rows_of(pd.DataFrame({"a": [1, 2, 3]})) == 3
    gc.collect()
    # a new table may well take the old one's memory address (its id): it must be worked out afresh
    for size in range(1, 20):
        assert rows_of(pd.DataFrame({"a": list(range(size))})) == size
    assert len(made) == 20


def test_only_the_latest_results_are_kept_and_each_source_counts():
    recent = Recent(size=2)
    rows_of, made = _counting(recent)
    tables = [pd.DataFrame({"a": [0] * n}) for n in (1, 2, 3)]
    for table in tables:
        rows_of(table)
    assert rows_of(tables[2]) == 3 and rows_of(tables[1]) == 2 and len(made) == 3  # the latest two: kept
    assert rows_of(tables[0]) == 1 and len(made) == 4  # the oldest: made again
    both = recent.get_or_make([tables[0], tables[1]], "pair", lambda: "first")
    assert recent.get_or_make([tables[0], tables[2]], "pair", lambda: "second") == "second" != both


def test_a_result_used_again_outlives_ones_used_once():
    """A notebook's own tables are asked for again and again, between one-off subsets."""
    recent = Recent(size=2)
    rows_of, made = _counting(recent)
    district = pd.DataFrame({"a": [0] * 5})
    rows_of(district)
    subsets = [pd.DataFrame({"a": [0] * n}) for n in range(1, 4)]  # still alive, each used once
    for subset in subsets:
        rows_of(subset)
        assert rows_of(district) == 5
    assert len(made) == 4  # the district's rows were worked out once
