"""name_schools: one name per school code, unique in the district, by the rule in its module's notes."""
from __future__ import annotations

import pandas as pd
import pytest

from flp_inquiry.ingest.school_names import clean_name, name_schools


def rows(*uses: tuple[str, int, str, str | None]) -> pd.DataFrame:
    """Enrollment rows from (file, school year, school code, name) tuples."""
    return pd.DataFrame(uses, columns=["file", "school_year", "school_cds", "school_name"])


A, B, C = "10621660000001", "10621660000002", "19647250000001"  # C: another district part, A's school code


@pytest.mark.parametrize("uses, expected", [
    # the latest year's name, whatever the earlier years had
    ([("e22", 2022, A, "Old"), ("e22", 2022, A, "Old"), ("e23", 2023, A, "New")], "New"),
    # two names in the latest year: the one on more rows
    ([("e23", 2023, A, "Lincoln"), ("e23", 2023, A, "Lincoln"), ("e23", 2023, A, "Lincon")], "Lincoln"),
    # a tie: the first in alphabetical order
    ([("e23", 2023, A, "Zeta"), ("e23", 2023, A, "Alpha")], "Alpha"),
    # a blank row does not vote
    ([("e23", 2023, A, None), ("e23", 2023, A, None), ("e23", 2023, A, "Oak")], "Oak"),
    ([("e23", 2023, A, None)], "School 0000001"),
    ([("e23", 2023, A, "aLL")], "aLL (school 0000001)"),
    ([("e23", 2023, A, "\x07")], "School 0000001"),
])
def test_one_school(uses, expected):
    assert name_schools(rows(*uses)).names == {A: expected}


def test_a_renamed_school_that_also_shares_its_name_says_both():
    naming = name_schools(rows(("e22", 2022, A, "Hughes Middle School"), ("e23", 2023, A, "Hughes Middle"),
                               ("e23", 2023, B, "HUGHES  middle")))
    assert naming.names == {A: "Hughes Middle (school 0000001)", B: "HUGHES  middle (school 0000002)"}
    renamed = next(f for f in naming.findings if f["kind"] == "renamed")
    assert renamed["message"] == ("school 10621660000001 has 2 names: 'Hughes Middle School' (2022: e22); "
                                  "'Hughes Middle' (2023: e23): shown by its latest, 'Hughes Middle', "
                                  "as 'Hughes Middle (school 0000001)', for every year")
    shared = next(f for f in naming.findings if f["kind"] == "same_name")
    assert shared["school_cds"] == [A, B] and shared["names"] == ["HUGHES  middle", "Hughes Middle"]


def test_the_same_school_code_in_two_districts_parts_gets_the_whole_cds_code():
    naming = name_schools(rows(("e", 2023, A, "Oak"), ("e", 2023, C, "Oak")))
    assert naming.names == {A: f"Oak (school {A})", C: f"Oak (school {C})"}


def test_a_name_that_is_already_what_a_code_would_make_is_told_apart_again():
    naming = name_schools(rows(("e", 2023, A, "Oak"), ("e", 2023, B, "Oak"),
                               ("e", 2023, C, "Oak (school 0000001)")))
    names = naming.names
    assert len(set(names.values())) == 3 and names[B] == "Oak (school 0000002)"
    assert names[A] != names[C] and names[A].startswith("Oak (school 0000001)")


def test_a_school_with_no_conflicts_has_no_findings():
    naming = name_schools(rows(("e22", 2022, A, "Oak"), ("e23", 2023, A, "Oak"), ("e23", 2023, B, "Elm")))
    assert naming.names == {A: "Oak", B: "Elm"} and naming.findings == []


@pytest.mark.parametrize("name, cleaned", [
    ("Oak\tElementary", "Oak Elementary"),
    ("Oak\r\nElementary", "Oak Elementary"),
    ("Oak \u202eyratnemelE", "Oak yratnemelE"),   # a right-to-left override taken out
    ("Oak\x1b[31m", "Oak[31m"),                     # an escape taken out: the rest is text
    ("Oak\u0085Elementary", "Oak Elementary"),      # a next-line control
    ("Oak  Elementary", "Oak  Elementary"),         # no control character: exactly as written
    ("Pe\u00f1asco", "Pe\u00f1asco"),
])
def test_control_characters(name, cleaned):
    assert clean_name(name) == cleaned
