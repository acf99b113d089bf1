"""The audit of hidden counts and their protection (issue 22): hand-built tables, expected values worked out by hand."""
from __future__ import annotations

import math

import pytest

from flp_inquiry.measures.audit import audit_hidden_counts
from flp_inquiry.measures.audit_protection import hide_cells, protect_hidden_counts
from flp_inquiry.measures.audit_relations import AuditError, numerator_range
from flp_inquiry.measures.privacy import find_derivable_counts
from flp_inquiry.measures.table_meaning import Count, Rate, TableMeaning, cells_frame, partitions_frame

YEAR = {"school_year": 2025}
SCHOOL_A = {"school": "A", **YEAR}


def audited(meanings):
    return audit_hidden_counts(cells_frame(meanings), partitions_frame(meanings))


def range_of(result, population, measure="math.tested"):
    row = result.hidden[(result.hidden["population"] == population) & (result.hidden["measure"] == measure)]
    assert len(row) == 1, f"{measure} of {population} is not a hidden count"
    return float(row["low"].iloc[0]), float(row["high"].iloc[0])


# ---------------------------------------------------------------------------
# a hidden count worked out through three tables, none of which gives it away alone
# ---------------------------------------------------------------------------

def school_total():
    """School A's common metrics: 73 students tested in math."""
    return TableMeaning("a/common_metrics#1", SCHOOL_A, [], [Count("n", "math.tested")], rows=[{"n": 73}])


def school_groups():
    """School A by student group: EO 40 shown; TBD (3) hidden as small, EL (30) hidden beside it."""
    return TableMeaning("a/english_learners#3", SCHOOL_A, ["el_status"], [Count("n", "math.tested")],
                        complete={"el_status": "all"},
                        rows=[{"el_status": "EL", "n": "*", "hidden": {"n": "complementary"}},
                              {"el_status": "EO", "n": 40},
                              {"el_status": "TBD", "n": "*", "hidden": {"n": "small"}}])


def attendance_halves():
    """School A's English learners by attendance: 12 chronically absent, 18 not (they make up the ELs)."""
    return TableMeaning("a/attendance#3", {**SCHOOL_A, "el_status": "EL"}, ["attendance"], [Count("n", "math.tested")],
                        complete={"attendance": "all"},
                        rows=[{"attendance": "Chronically absent", "n": 12},
                              {"attendance": "Not chronically absent", "n": 18}])


TBD_AT_A = "el_status=TBD;school=A;school_year=2025"
EL_AT_A = "el_status=EL;school=A;school_year=2025"


def test_two_tables_leave_the_hidden_counts_protected():
    # EL + TBD = 73 - 40 = 33, EL 11 or more: TBD is 0-10 (11 values), EL 23-33
    result = audited([school_total(), school_groups()])
    assert range_of(result, TBD_AT_A) == (0, 10)
    assert range_of(result, EL_AT_A) == (23, 33)
    assert result.passed


def test_grades_add_up_to_the_tested_grades_by_definition():
    # tested students are in grades 3-8 and 11: 630 in grades 3-8 of 734 tested leaves 104 in grade 11
    all_grades = TableMeaning("t#1", YEAR, [], [Count("n", "math.tested")], rows=[{"n": 734}])
    span = TableMeaning("t#2", {**YEAR, "grade": "3-8"}, ["el_status"], [Count("n", "math.tested")],
                        rows=[{"el_status": "all", "n": 630}])
    grade_11 = TableMeaning("t#3", {**YEAR, "grade": 11}, ["el_status"], [Count("n", "math.tested")],
                            complete={"el_status": "all"},
                            rows=[{"el_status": "EO", "n": 97}, {"el_status": "IFEP", "n": "*", "hidden": {"n": "small"}}])
    result = audited([all_grades, span, grade_11])
    assert range_of(result, "el_status=IFEP;grade=11;school_year=2025") == (7, 7)


def test_a_three_table_chain_gives_a_hidden_count_away():
    # EL = 12 + 18 = 30 (the halves), so TBD = 73 - 40 - 30 = 3
    result = audited([school_total(), school_groups(), attendance_halves()])
    assert range_of(result, TBD_AT_A) == (3, 3)
    assert range_of(result, EL_AT_A) == (30, 30)
    assert not result.passed


def test_one_subtraction_does_not_find_the_chain():
    reports = {
        "common": "<table><tr><th>Indicator</th><th>Students</th></tr><tr><td>Math</td><td>73</td></tr></table>",
        "groups": "<table><tr><th>Group</th><th>Students</th></tr><tr><td>EL</td><td>*</td></tr>"
                  "<tr><td>EO</td><td>40</td></tr><tr><td>TBD</td><td>*</td></tr></table>",
        "attendance": "<table><tr><th>Attendance</th><th>Students</th></tr><tr><td>Chronically absent</td><td>12</td></tr>"
                      "<tr><td>Not chronically absent</td><td>18</td></tr></table>",
    }
    assert find_derivable_counts(reports) == []


def test_protection_hides_a_group_and_a_half_and_the_audit_passes():
    # round 1: the figures in EL's own relations are EO 40, the school's total 73 and the halves 12 and 18;
    #          the total only as a last resort; all counts; EO in the fewest relations (the school's groups, and
    #          the district's EO): EO goes (EO 11 or more: TBD 0-10, but EL = 12 + 18 still);
    # round 2: EL's figures are the total and the halves: the smaller half, 12, goes.
    # Then EL = CA + 18 with CA >= 11, EL + EO + TBD = 73 with EO >= 11: EL 29-62, TBD 0-10, CA and EO 11-44.
    meanings = [school_total(), school_groups(), attendance_halves()]
    extra, cells, last = protect_hidden_counts(cells_frame(meanings), partitions_frame(meanings))
    assert sorted(extra["shown"].tolist()) == [12.0, 40.0]
    assert last.passed
    assert range_of(last, TBD_AT_A) == (0, 10)
    assert range_of(last, EL_AT_A) == (29, 62)
    assert range_of(last, "el_status=EO;school=A;school_year=2025") == (11, 44)
    assert range_of(last, "attendance=Chronically absent;el_status=EL;school=A;school_year=2025") == (11, 44)


SCHOOL_C = {"school": "C", **YEAR}
ABSENT_AT_C = "school=C;school_year=2025"


def school_c_headline():
    """School C's headline: 200 students enrolled, 20.0% chronically absent (so 40)."""
    return TableMeaning("c/common_metrics#1", SCHOOL_C, [], [Count("n", "chronic_absence.enrolled")],
                        [Rate("value", "chronic_absence.absent", "n", 1)], rows=[{"n": 200, "value": 20.0}],
                        headline=True)


def school_c_absent_by_group():
    """School C's chronically absent students by group: EL 30 shown, TBD hidden as small (so 40 - 30 = 10)."""
    return TableMeaning("c/attendance#2", SCHOOL_C, ["el_status"], [Count("absent", "chronic_absence.absent")],
                        complete={"el_status": "all"},
                        rows=[{"el_status": "EL", "absent": 30}, {"el_status": "TBD", "absent": "*",
                                                                   "hidden": {"absent": "small"}}])


def test_a_small_group_is_hidden_before_a_total():
    """Hiding the school's 20.0% (the total of 40, a headline figure) or EL's 30 would each protect TBD's 10.
    A percentage alone costs less than a count, so the school's headline went before; a total now goes last:
    EL's 30 is hidden, and EL + TBD = 40 with EL 11 or more leaves TBD 0-10 and EL 30-40."""
    meanings = [school_c_headline(), school_c_absent_by_group()]
    tbd = "el_status=TBD;school=C;school_year=2025"
    assert range_of(audited(meanings), tbd, "chronic_absence.absent") == (10, 10)
    extra, _, last = protect_hidden_counts(cells_frame(meanings), partitions_frame(meanings))
    assert list(zip(extra["kind"], extra["population"], extra["shown"])) == [
        ("count", "el_status=EL;school=C;school_year=2025", 30.0)]
    assert last.passed
    assert range_of(last, tbd, "chronic_absence.absent") == (0, 10)
    assert range_of(last, "el_status=EL;school=C;school_year=2025", "chronic_absence.absent") == (30, 40)


def test_a_total_is_hidden_when_nothing_else_would_do():
    """EL's 30 is also its girls' 14 and boys' 16 (every EL): hiding it alone would give nothing, a reader adds
    them up again.  So the school's 20.0% goes: TBD = C's absent - 30, C's absent at most its 200: TBD 0-10."""
    by_gender = TableMeaning("c/attendance#3", {**SCHOOL_C, "el_status": "EL"}, ["gender"],
                             [Count("absent", "chronic_absence.absent")], complete={"gender": "all"},
                             rows=[{"gender": "F", "absent": 14}, {"gender": "M", "absent": 16}])
    meanings = [school_c_headline(), school_c_absent_by_group(), by_gender]
    extra, _, last = protect_hidden_counts(cells_frame(meanings), partitions_frame(meanings))
    assert list(zip(extra["kind"], extra["population"], extra["shown"])) == [("rate", ABSENT_AT_C, 20.0)]
    assert last.passed
    assert range_of(last, "el_status=TBD;school=C;school_year=2025", "chronic_absence.absent") == (0, 10)


# ---------------------------------------------------------------------------
# edge tables
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("hidden_count", [1, 10])
def test_one_hidden_cell_beside_a_shown_total(hidden_count):
    total = 340 + hidden_count
    table = TableMeaning("t#1", YEAR, ["el_status"], [Count("n", "math.tested")], complete={"el_status": "all"},
                         rows=[{"el_status": "EL", "n": 40}, {"el_status": "EO", "n": 300},
                               {"el_status": "TBD", "n": "*", "hidden": {"n": "small"}},
                               {"el_status": "all", "n": total}])
    result = audited([table])
    assert range_of(result, "el_status=TBD;school_year=2025") == (hidden_count, hidden_count)
    extra, _, last = protect_hidden_counts(cells_frame([table]), partitions_frame([table]))
    # the smallest other group goes: EL + TBD = 40 + hidden_count, EL 11 or more
    assert extra["population"].tolist() == ["el_status=EL;school_year=2025"]
    assert range_of(last, "el_status=TBD;school_year=2025") == (0, min(10, 29 + hidden_count))
    assert last.passed


def district_marks():
    """The district's ALG 1 HON: 14 marks, 7.1% D or F, so 1 D or F."""
    return TableMeaning("district/mathematics#3", YEAR, ["course"], [Count("n", "marks.given")],
                        [Rate("value", "marks.d_or_f", "n", 1)], complete={"course": "all"},
                        rows=[{"course": "ALG 1 HON", "n": 14, "value": 7.1}])


def school_marks():
    """A school's ALG 1 HON: fewer than 11 marks, hidden with its rate."""
    return TableMeaning("x/mathematics#3", {"school": "X", **YEAR}, ["course"], [Count("n", "marks.given")],
                        [Rate("value", "marks.d_or_f", "n", 1)], complete={"course": "all"},
                        rows=[{"course": "ALG 1 HON", "n": "*", "value": "*", "hidden": {"n": "small"}}])


def test_a_rounded_percentage_pins_a_hidden_numerator():
    result = audited([district_marks(), school_marks()])
    # the school's D/F marks are at most the district's one
    assert range_of(result, "course=ALG 1 HON;school=X;school_year=2025", "marks.d_or_f") == (0, 1)
    assert range_of(result, "course=ALG 1 HON;school=X;school_year=2025", "marks.given") == (0, 10)
    extra, _, last = protect_hidden_counts(cells_frame([district_marks(), school_marks()]),
                                           partitions_frame([district_marks(), school_marks()]))
    # the district's D/F rate goes (its 14 marks stay): the district's D/F is 0-14, the school's 0-10
    assert extra[["kind", "population"]].values.tolist() == [["rate", "course=ALG 1 HON;school_year=2025"]]
    assert range_of(last, "course=ALG 1 HON;school_year=2025", "marks.d_or_f") == (0, 14)
    assert range_of(last, "course=ALG 1 HON;school=X;school_year=2025", "marks.d_or_f") == (0, 10)


@pytest.mark.parametrize("denominator, shown, decimals, expected", [
    (261, 28.0, 1, (73, 73)),          # 73/261 = 27.97%
    (261, 28.0, 0, (72, 74)),          # 72/261 = 27.59%, 74/261 = 28.35%, both 28%
    (8, 13.0, 0, (1, 1)),              # 1/8 = 12.5%, rounded half away from zero
    (14, 7.1, 1, (1, 1)),
    (25, 0.0, 1, (0, 0)),
    (971, 22.6570545829, math.nan, (220, 220)),   # a chart's unrounded rate
])
def test_numerator_range(denominator, shown, decimals, expected):
    assert numerator_range(denominator, shown, decimals) == expected


def test_a_rate_no_numerator_fits_is_an_error():
    with pytest.raises(AuditError):
        numerator_range(8, 12.0, 0)  # 12.5% rounds to 13%, never 12%


def test_whole_numbers_matter_where_a_rate_has_an_unknown_denominator():
    # A + B = 19, both under 11: A is 9 or 10 over the reals; half of A's ELs are at level 1
    # (50.0% shown, its count not), a whole number, so A is 10 and B 9
    groups = TableMeaning("t#1", YEAR, ["school"], [Count("n", "elpac.tested")], complete={"school": "all"},
                          rows=[{"school": "A", "n": "*", "hidden": {"n": "small"}},
                                {"school": "B", "n": "*", "hidden": {"n": "small"}},
                                {"school": "all", "n": 19}])
    shares = TableMeaning("t#2", {**YEAR, "school": "A"}, ["level"],
                          [Count("n", "elpac.tested", displayed=False), Count("group", "elpac.tested", displayed=False)],
                          [Rate("value", "elpac.tested", "group", 1, {"level": "all"})],
                          rows=[{"level": 1, "n": None, "group": None, "value": 50.0}])
    result = audited([groups, shares])
    assert range_of(result, "school=A;school_year=2025", "elpac.tested") == (10, 10)
    assert range_of(result, "school=B;school_year=2025", "elpac.tested") == (9, 9)
    assert "milp" in set(result.hidden["how"])


def test_the_same_population_shown_elsewhere_is_one_number():
    # EL at A hidden in the group table is shown in a chart of English learners by school
    chart = TableMeaning("district/el#1 (chart)", {**YEAR, "el_status": "EL"}, ["school"], [Count("n", "math.tested")],
                         rows=[{"school": "A", "n": 30}])
    meanings = [school_total(), school_groups(), chart]
    result = audited(meanings)
    assert range_of(result, EL_AT_A) == (30, 30)
    assert range_of(result, TBD_AT_A) == (3, 3)
    extra, _, last = protect_hidden_counts(cells_frame(meanings), partitions_frame(meanings))
    assert extra[["table", "shown"]].values.tolist() == [["district/el#1 (chart)", 30.0]]
    assert last.passed


def test_hiding_a_count_takes_its_rates():
    cells = cells_frame([district_marks()])
    hidden = hide_cells(cells, [("marks.given", "course=ALG 1 HON;school_year=2025")])
    assert hidden["hidden"].tolist() == ["complementary", "with its count"]
    assert hidden["shown"].isna().all()


def test_contradicting_figures_are_an_error():
    one = TableMeaning("t#1", YEAR, [], [Count("n", "math.tested")], rows=[{"n": 73}])
    other = TableMeaning("t#2", YEAR, [], [Count("n", "math.tested")], rows=[{"n": 74}])
    with pytest.raises(AuditError, match="contradicts"):
        audited([one, other])


def test_nothing_hidden_nothing_to_protect():
    result = audited([school_total()])
    assert result.hidden.empty and result.passed
