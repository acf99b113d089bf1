"""Growth: residual gains worked out by hand, the shrunken averages' formulas, the 11-score minimum,
what a reader sees, and the planted growth of the synthetic sample found again at scale 0.1.

Expected values are worked out by hand in each test's docstring or comments, never pasted from the
code's output.  A *unit* is a school (or group) whose average is given; a *family* the units pulled
toward one mean (see :mod:`flp_inquiry.measures.growth_averages`).
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from flp_inquiry.cli import main
from flp_inquiry.errors import ParameterError
from flp_inquiry.ingest.harmonise import harmonise_district
from flp_inquiry.ingest.sample import planted_growth_effects, write_sample
from flp_inquiry.ingest.store import DistrictData, load_district
from flp_inquiry.inquiry.session import Inquiry
from flp_inquiry.measures.growth import (
    average_growth,
    growth,
    growth_regressions,
    residual_gains,
    suppress_growth,
)

ELA_OFFSETS = [-20, -20, -10, -10, 0, 0, 10, 10, 20, 20]
MATH_OFFSETS = [20, -20, 20, -20, 0, 0, -20, 20, -20, 20]
RESIDUALS = [5, -5, -5, 5, 10, -10, 5, -5, -5, 5]


# ---------------------------------------------------------------------------
# small canonical tables
# ---------------------------------------------------------------------------

def student_year(year: int, key: str, school: str, grade: int, **groups) -> dict:
    row = {"district": "fresno", "school_year": year, "student_key": key, "school_cds": "10621660000001",
           "school_name": school, "grade": grade, "gender": "F", "ethnicity": "HI", "el_status": "EO",
           "el_start_date": pd.NaT, "rfep_date": pd.NaT, "sed": True, "swd": False, "days_enrolled": 180,
           "days_absent": 0.0, "primary": True}
    return {**row, **groups}


def canonical(scores: list[tuple], students: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(year, key, test, grade tested, score) rows -> canonical assessments; and the enrollment rows."""
    assessments = pd.DataFrame(scores, columns=["school_year", "student_key", "test", "grade_tested", "scale_score"])
    assessments = assessments.assign(
        district="fresno", scale_score=assessments["scale_score"].astype("Int64"),
        tested=assessments["scale_score"].notna(),
        level=pd.array([pd.NA if pd.isna(s) else 2 for s in assessments["scale_score"]], dtype="Int64"))
    return assessments, pd.DataFrame(students)


def ten_students() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Grade 4 ELA and math in 2023, grade 5 ELA in 2024; f:01-f:05 at school A, f:06-f:10 at B.

    Prior ELA = 2450 + e, prior math = 2460 + m, grade 5 ELA = 2500 + e/2 + m/4 + r (e, m, r above).
    """
    scores, students = [], []
    for number, (e, m, r) in enumerate(zip(ELA_OFFSETS, MATH_OFFSETS, RESIDUALS), start=1):
        key, school = f"f:{number:02d}", "A" if number <= 5 else "B"
        scores += [(2023, key, "ela", 4, 2450 + e), (2023, key, "math", 4, 2460 + m),
                   (2024, key, "ela", 5, 2500 + e // 2 + m // 4 + r)]
        students += [student_year(2023, key, school, 4), student_year(2024, key, school, 5)]
    return canonical(scores, students)


def gains_table(units: dict[str, list[float]], column: str = "school", **constant) -> pd.DataFrame:
    """A table of residual gains (what :func:`residual_gains` returns, the columns averaging needs)."""
    rows = [{column: unit, "growth_span": "4-8", "residual_gain": value, **constant}
            for unit, values in units.items() for value in values]
    return pd.DataFrame(rows)


def spread(mean: float, deviation: float, pairs: int) -> list[float]:
    """``pairs`` scores at mean + deviation, ``pairs`` at mean - deviation and one at the mean:
    2 pairs + 1 scores whose squared deviations add up to 2 x pairs x deviation^2."""
    return [mean + deviation] * pairs + [mean - deviation] * pairs + [mean]


# ---------------------------------------------------------------------------
# residual gains, by hand
# ---------------------------------------------------------------------------

def test_ten_students_residual_gains_worked_by_hand():
    """The least-squares line of grade 5 ELA on grade 4 ELA and math, worked out by hand.

    The offsets e (ELA) and m (math) each add up to 0, and e . m = (-20)(20) + (-20)(-20) + (-10)(20)
    + (-10)(-20) + 0 + 0 + (10)(-20) + (10)(20) + (20)(-20) + (20)(20) = 0, so the slopes are
    b_ela = e . y / e . e and b_math = m . y / m . m.  With y = 2500 + e/2 + m/4 + r and r . e = r . m
    = sum r = 0 (r = 5, -5, -5, 5, 10, -10, 5, -5, -5, 5: e . r = -100 + 100 + 50 - 50 + 0 + 0 + 50 - 50
    - 100 + 100 = 0; m . r = 100 + 100 - 100 - 100 + 0 + 0 - 100 - 100 + 100 + 100 = 0):
    e . e = 2 (400 + 100 + 0 + 100 + 400) = 2000, e . y = 2000 / 2 = 1000, b_ela = 0.5;
    m . m = 8 x 400 = 3200, m . y = 3200 / 4 = 800, b_math = 0.25;
    intercept = 2500 - 0.5 x 2450 - 0.25 x 2460 = 2500 - 1225 - 615 = 660.
    Expected scores 2500 + e/2 + m/4: 2495, 2485, 2500, 2490, 2500, 2500, 2500, 2510, 2505, 2515;
    the residual gains are r.
    """
    assessments, enrollment = ten_students()
    line = growth_regressions(assessments, enrollment, "ela")
    assert line[["school_year", "subject", "grade_tested", "growth_span", "n"]].to_dict("records") == [
        {"school_year": 2024, "subject": "ela", "grade_tested": 5, "growth_span": "4-8", "n": 10}]
    assert line[["intercept", "prior_ela", "prior_math"]].iloc[0].tolist() == pytest.approx([660.0, 0.5, 0.25])
    # residual sd: sum r^2 = 25 x 8 + 100 x 2 = 400 over 10 - 3 = 7 degrees of freedom
    assert line["residual_sd"].iloc[0] == pytest.approx(math.sqrt(400 / 7))

    gains = residual_gains(assessments, enrollment, "ela")
    assert gains["student_key"].tolist() == [f"f:{n:02d}" for n in range(1, 11)]
    assert gains["expected_score"].tolist() == pytest.approx(
        [2495, 2485, 2500, 2490, 2500, 2500, 2500, 2510, 2505, 2515])
    assert gains["residual_gain"].tolist() == pytest.approx(RESIDUALS)
    assert gains["scale_score"].tolist() == [2500, 2480, 2495, 2495, 2510, 2490, 2505, 2505, 2500, 2520]
    assert set(gains["prior_year"]) == {2023} and set(gains["prior_grade"]) == {4}
    assert gains["school"].astype(str).tolist() == ["A"] * 5 + ["B"] * 5
    # no math score in grade 5: no math growth
    assert residual_gains(assessments, enrollment, "math").empty


def test_the_line_is_fitted_on_every_student_in_the_tables_whatever_their_school():
    """Fitted on all ten (two schools), school A's five residuals are 5, -5, -5, 5, 10 (mean 2) and B's
    -10, 5, -5, -5, 5 (mean -2): a school is measured against the district, not against itself."""
    gains = residual_gains(*ten_students(), "ela")
    means = gains.groupby(gains["school"].astype(str))["residual_gain"].mean()
    assert means.to_dict() == pytest.approx({"A": 2.0, "B": -2.0})


def test_who_has_a_growth_score():
    """A growth score needs this year's score and last year's ELA and math in the grade before, and a
    primary enrollment this year; of two scores in a year the last counts.

    f:11 repeated grade 4 (its prior is grade 4, not 3), f:12 has no prior math, f:13 has no primary
    enrollment in 2024, f:14 was tested twice in 2024 (2390 then 2400: 2400 counts).  So the line is
    fitted on the ten and f:14.  f:14's priors are the ten's means (2450, 2460): its centred priors are 0,
    so the centred sums, and the slopes 0.5 and 0.25, stay; the line now passes through the new mean
    score (25000 + 2400) / 11 = 27400 / 11 at the priors' means, which is f:14's expected score, and its
    residual gain is 2400 - 27400 / 11 = -90.9.
    """
    assessments, enrollment = ten_students()
    extra_scores = [
        (2023, "f:11", "ela", 4, 2450), (2023, "f:11", "math", 4, 2460), (2024, "f:11", "ela", 4, 2500),
        (2023, "f:12", "ela", 4, 2450), (2024, "f:12", "ela", 5, 2500),
        (2023, "f:13", "ela", 4, 2450), (2023, "f:13", "math", 4, 2460), (2024, "f:13", "ela", 5, 2500),
        (2023, "f:14", "ela", 4, 2450), (2023, "f:14", "math", 4, 2460),
        (2024, "f:14", "ela", 5, 2390), (2024, "f:14", "ela", 5, 2400),
    ]
    extra_students = [student_year(2023, "f:11", "A", 3), student_year(2024, "f:11", "A", 4),
                      student_year(2023, "f:12", "A", 4), student_year(2024, "f:12", "A", 5),
                      student_year(2023, "f:13", "A", 4), student_year(2024, "f:13", "A", 5, primary=False),
                      student_year(2023, "f:14", "B", 4), student_year(2024, "f:14", "B", 5)]
    more, _ = canonical(extra_scores, [])
    assessments = pd.concat([assessments, more], ignore_index=True)
    enrollment = pd.concat([enrollment, pd.DataFrame(extra_students)], ignore_index=True)
    gains = residual_gains(assessments, enrollment, "ela")
    assert sorted(gains["student_key"]) == [f"f:{n:02d}" for n in range(1, 11)] + ["f:14"]
    line = growth_regressions(assessments, enrollment, "ela").iloc[0]
    assert line["n"] == 11
    assert (line["prior_ela"], line["prior_math"]) == pytest.approx((0.5, 0.25))
    at_means = 27400 / 11
    assert gains.set_index("student_key").loc["f:14", "residual_gain"] == pytest.approx(2400 - at_means)


def test_grade_11_grows_from_grade_8_three_years_before_and_is_labelled_so():
    """Four students, grade 8 ELA and math in 2021, grade 11 math in 2024.

    e = -10, -10, 10, 10 and m = -10, 10, -10, 10 (centred, e . m = 100 - 100 - 100 + 100 = 0);
    y = 2600 + e + r with r = 3, -3, -3, 3 (sum 0, r . e = -30 + 30 - 30 + 30 = 0, r . m = -30 - 30 + 30
    + 30 = 0): b_ela = e . y / e . e = 400 / 400 = 1, b_math = 0, intercept 2600 - 2450 = 150; residuals r.
    A grade 9 or 10 score in between changes nothing; a grade 11 score has no growth score from grade 10.
    """
    ela, maths, residual = [-10, -10, 10, 10], [-10, 10, -10, 10], [3, -3, -3, 3]
    scores, students = [], []
    for number, (e, m, r) in enumerate(zip(ela, maths, residual), start=1):
        key = f"f:{number}"
        scores += [(2021, key, "ela", 8, 2450 + e), (2021, key, "math", 8, 2500 + m),
                   (2024, key, "math", 11, 2600 + e + r)]
        students += [student_year(2021 + k, key, "H" if k else "M", 8 + k) for k in range(4)]
    gains = residual_gains(*canonical(scores, students), "math")
    assert gains["growth_span"].tolist() == ["11"] * 4
    assert gains["prior_year"].tolist() == [2021] * 4 and gains["prior_grade"].tolist() == [8] * 4
    assert gains["residual_gain"].tolist() == pytest.approx(residual)
    line = growth_regressions(*canonical(scores, students), "math").iloc[0]
    assert (line["intercept"], line["prior_ela"], line["prior_math"]) == pytest.approx((150.0, 1.0, 0.0), abs=1e-9)
    table = average_growth(gains, by=["school"])
    assert table[["school", "subject", "growth_span", "n"]].to_dict("records") == [
        {"school": "H", "subject": "math", "growth_span": "11", "n": 4}]


def test_priors_on_one_straight_line_give_no_growth_score():
    """Prior math = prior ELA + 10 for every student: the two slopes cannot be told apart, so no line."""
    scores, students = [], []
    for number in range(6):
        key = f"f:{number}"
        scores += [(2023, key, "ela", 6, 2500 + 10 * number), (2023, key, "math", 6, 2510 + 10 * number),
                   (2024, key, "ela", 7, 2530 + 12 * number)]
        students += [student_year(2023, key, "M", 6), student_year(2024, key, "M", 7)]
    assessments, enrollment = canonical(scores, students)
    assert residual_gains(assessments, enrollment, "ela").empty
    line = growth_regressions(assessments, enrollment, "ela").iloc[0]
    assert line["n"] == 6 and np.isnan(line["prior_ela"])


def test_three_students_are_too_few_for_a_line():
    assessments, enrollment = ten_students()
    three = assessments["student_key"].isin(["f:01", "f:04", "f:09"])
    assert residual_gains(assessments[three], enrollment, "ela").empty


def test_no_smarter_balanced_scores_give_empty_tables():
    assessments, enrollment = ten_students()
    only_elpac = assessments.assign(test="elpac")
    assert residual_gains(only_elpac, enrollment, "ela").empty
    assert growth_regressions(only_elpac, enrollment, "ela").empty
    table = growth(only_elpac, enrollment, "ela", by=["school"])
    assert table.empty and list(table.columns)[:4] == ["school", "subject", "growth_span", "n"]


def test_inputs_are_not_changed():
    assessments, enrollment = ten_students()
    before = assessments.copy(), enrollment.copy()
    growth(assessments, enrollment, "ela", by=["school", "school_year"])
    pd.testing.assert_frame_equal(assessments, before[0])
    pd.testing.assert_frame_equal(enrollment, before[1])


@pytest.mark.parametrize("call, parameter", [
    (lambda a, e: residual_gains(a, e, "science"), "subject"),
    (lambda a, e: growth(a, e, "ela", by=["school", "classroom"]), "by"),
    (lambda a, e: growth(a, e, "ela", by=["school"], toward=["el_status"]), "toward"),
    (lambda a, e: residual_gains(a.drop(columns="scale_score"), e, "ela"), "table"),
])
def test_wrong_arguments_name_what_is_allowed(call, parameter):
    with pytest.raises(ParameterError) as error:
        call(*ten_students())
    assert error.value.name == parameter


# ---------------------------------------------------------------------------
# averages: the shrinkage, by hand
# ---------------------------------------------------------------------------

def test_three_schools_pulled_toward_the_mean_worked_by_hand():
    """Three schools of 21 scores, means +20, 0, -20, each spread +-21 (10 above, 10 below, 1 on the mean).

    sigma2 = 3 x 20 x 441 / (63 - 3) = 441; grand mean 0; MSB = 21 (400 + 0 + 400) / 2 = 8400;
    n0 = (63 - 3 x 441 / 63) / 2 = 21; tau2 = (8400 - 441) / 21 = 379.
    sigma2 / n = 21, lambda = 379 / 400 = 0.9475; weights all 1 / 400, mu = 0, V_mu = 400 / 3.
    A: 0 + 0.9475 x 20 = 18.95; se^2 = 0.9475 x 21 + 0.0525^2 x 400 / 3 = 19.8975 + 0.3675 = 20.265.
    """
    gains = gains_table({"A": spread(20, 21, 10), "B": spread(0, 21, 10), "C": spread(-20, 21, 10)})
    table = average_growth(gains, by=["school"]).set_index("school")
    assert table["n"].tolist() == [21, 21, 21]
    assert table["value"].tolist() == pytest.approx([18.95, 0.0, -18.95])
    assert table["mean_residual_gain"].tolist() == pytest.approx([20.0, 0.0, -20.0])
    assert table["reliability"].tolist() == pytest.approx([0.9475] * 3)
    assert table["standard_error"].tolist() == pytest.approx([math.sqrt(20.265)] * 3)
    assert table["shrunk_toward"].tolist() == pytest.approx([0.0] * 3)
    assert table["between_unit_sd"].iloc[0] == pytest.approx(math.sqrt(379))
    assert table["within_unit_sd"].iloc[0] == pytest.approx(21.0)


def test_schools_no_more_different_than_chance_are_all_given_the_mean():
    """Two schools of 11, both spread +-11 around 0 (5 above, 5 below, 1 on it): MSB = 0 < sigma2 =
    2 x 10 x 121 / 20 = 121, so tau2 = 0, lambda = 0, each value = mu = 0 and se = sqrt(121 / 22)."""
    table = average_growth(gains_table({"A": spread(0, 11, 5), "B": spread(0, 11, 5)}), by=["school"])
    assert table["value"].tolist() == pytest.approx([0.0, 0.0])
    assert table["reliability"].tolist() == [0.0, 0.0]
    assert table["standard_error"].tolist() == pytest.approx([math.sqrt(121 / 22)] * 2)


def test_identical_scores_everywhere_give_their_value_with_no_error():
    table = average_growth(gains_table({"A": [4.0] * 11, "B": [4.0] * 12}), by=["school"])
    assert table["value"].tolist() == [4.0, 4.0] and table["standard_error"].tolist() == [0.0, 0.0]


def test_a_small_school_is_pulled_toward_the_mean_more_than_a_big_one_with_the_same_mean():
    """Schools of 200 at -10, -5, 0, 5 and +20, and one of 12 at +20 (each spread +-30): the same plain
    mean, but the small school's estimate is nearer the family mean, with a lower reliability and a
    larger standard error."""
    units = {name: spread(mean, 30, 100)[:200] for name, mean in
             (("a", -10), ("b", -5), ("c", 0), ("d", 5), ("big", 20))}
    units["small"] = spread(20, 30, 6)[:12]
    table = average_growth(gains_table(units), by=["school"]).set_index("school")
    mu = table["shrunk_toward"].iloc[0]
    assert table.loc["small", "mean_residual_gain"] == pytest.approx(table.loc["big", "mean_residual_gain"])
    assert mu < table.loc["small", "value"] < table.loc["big", "value"] < 20
    assert table.loc["small", "reliability"] < table.loc["big", "reliability"]
    assert table.loc["small", "standard_error"] > table.loc["big", "standard_error"]


@pytest.mark.parametrize("n, shown", [(10, False), (11, True)])
def test_no_average_for_fewer_than_11_scores(n, shown):
    """School A has n scores (all +6, so its plain mean is 6); B has 30. n and the family's figures stay."""
    gains = gains_table({"A": [6.0] * n, "B": spread(0, 10, 15)[:30]})
    row = average_growth(gains, by=["school"]).set_index("school").loc["A"]
    assert row["n"] == n
    figures = row[["value", "standard_error", "mean_residual_gain", "reliability"]].astype(float)
    assert figures.notna().all() if shown else figures.isna().all()
    if shown:
        assert row["mean_residual_gain"] == pytest.approx(6.0)
    assert not np.isnan(row["shrunk_toward"])


def test_a_school_group_is_pulled_toward_the_district_group_not_toward_everyone():
    """by school and el_status: each school's English learners are pulled toward the English learners'
    mean (+10, two schools of 21 at +5 and +15), the English-only students toward theirs (-10)."""
    rows = []
    for school, el_mean, eo_mean in (("A", 5, -5), ("B", 15, -15)):
        rows += [{"school": school, "el_status": "EL", "growth_span": "4-8", "residual_gain": v}
                 for v in spread(el_mean, 21, 10)]
        rows += [{"school": school, "el_status": "EO", "growth_span": "4-8", "residual_gain": v}
                 for v in spread(eo_mean, 21, 10)]
    table = average_growth(pd.DataFrame(rows), by=["school", "el_status"])
    toward = table.groupby("el_status")["shrunk_toward"].first()
    assert toward.to_dict() == pytest.approx({"EL": 10.0, "EO": -10.0})
    everyone = average_growth(pd.DataFrame(rows), by=["school", "el_status"], toward=[])
    assert everyone["shrunk_toward"].tolist() == pytest.approx([0.0] * 4)


def test_district_groups_are_plain_averages():
    """Without school in by, each group is its own family: not pulled, se = sigma / sqrt(n)."""
    gains = gains_table({"EL": spread(8, 21, 10), "EO": spread(-2, 21, 10)}, column="el_status")
    table = average_growth(gains, by=["el_status"])
    assert table["value"].tolist() == pytest.approx([8.0, -2.0])
    assert table["standard_error"].tolist() == pytest.approx([math.sqrt(441 / 21)] * 2)  # sigma2 = 20 x 441 / 20


def test_subjects_and_spans_are_never_averaged_together():
    gains = pd.concat([gains_table({"A": [1.0] * 11}, subject="ela"), gains_table({"A": [3.0] * 11}, subject="math"),
                       gains_table({"A": [5.0] * 11}, subject="math").assign(growth_span="11")])
    table = average_growth(gains, by=["school"])
    assert table[["subject", "growth_span", "n", "mean_residual_gain"]].values.tolist() == [
        ["ela", "4-8", 11, 1.0], ["math", "11", 11, 5.0], ["math", "4-8", 11, 3.0]]


# ---------------------------------------------------------------------------
# what a reader sees
# ---------------------------------------------------------------------------

def test_a_reader_sees_n_value_and_standard_error_and_small_schools_hidden():
    """Schools A (40 scores), B (300) and C (6): only C is hidden (shrunken school figures are not parts
    that add up to a known total), and the plain mean, reliability and the family's figures are left out."""
    table = pd.DataFrame({"school": ["A", "B", "C"], "subject": "math", "growth_span": "4-8", "n": [40, 300, 6],
                          "value": [-4.0, 1.0, -30.0], "standard_error": [5.0, 2.0, 14.0],
                          "mean_residual_gain": [-4.5, 1.1, -40.0], "reliability": [0.9, 0.98, 0.5],
                          "shrunk_toward": 0.2, "between_unit_sd": 4.0, "within_unit_sd": 35.0})
    shown = suppress_growth(table)
    assert shown.columns.tolist() == ["school", "subject", "growth_span", "n", "value", "standard_error", "caution"]
    assert shown["n"].tolist() == [40, 300, "*"]
    assert shown["value"].tolist() == [-4.0, 1.0, "*"] and shown["standard_error"].tolist() == [5.0, 2.0, "*"]
    assert shown["caution"].tolist() == [False, False, True]


def test_district_groups_add_up_to_zero_so_one_hidden_group_hides_another():
    """Plain averages of the district's groups add up, with their counts, to 0 in each year (the line's
    residuals do): in 2024 RFEP (6) is hidden and so is the smaller of the others (EL, 40); in 2025 no
    group is under 11 and all are shown."""
    table = pd.DataFrame({"el_status": ["EL", "EO", "RFEP"] * 2, "school_year": [2024] * 3 + [2025] * 3,
                          "growth_span": "4-8", "n": [40, 300, 6, 50, 310, 20],
                          "value": [-4.0, 1.0, -30.0, -3.0, 0.8, -4.9],
                          "standard_error": [5.0, 2.0, 14.0, 4.0, 2.0, 8.0]})
    shown = suppress_growth(table)
    assert shown["n"].tolist() == ["*", 300, "*", 50, 310, 20]
    assert shown["value"].tolist() == ["*", 1.0, "*", -3.0, 0.8, -4.9]


# ---------------------------------------------------------------------------
# the planted growth of the synthetic sample, found again (scale 0.1)
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Sample:
    """One district of the synthetic sample at scale 0.1: its tables, planted effects and harmonised folder."""

    data: DistrictData
    planted: pd.DataFrame
    harmonised: Path


@pytest.fixture(scope="module")
def sample_at_scale_0_1(tmp_path_factory) -> dict[str, Sample]:
    """Both districts at scale 0.1 (about 7,000 students a year), harmonised, with their planted effects
    (about 4 s, once for the module)."""
    raw, harmonised = tmp_path_factory.mktemp("raw"), tmp_path_factory.mktemp("harmonised")
    write_sample(raw, scale=0.1, seed=2008)
    districts = {}
    for district in ("fresno", "long_beach"):
        harmonise_district(district, raw / district, harmonised)
        planted = planted_growth_effects(district, scale=0.1, seed=2008)
        planted = planted.rename(columns={"school_name": "school"})
        districts[district] = Sample(load_district(district, harmonised), planted, harmonised)
    return districts


def band(grade_tested: pd.Series) -> np.ndarray:
    """The planted effects' grade band of a grade tested (a K-8 school has one effect per band)."""
    return np.select([grade_tested <= 5, grade_tested <= 8], ["TK-5", "6-8"], "9-12")


@pytest.mark.parametrize("district", ["fresno", "long_beach"])
@pytest.mark.parametrize("subject", ["ela", "math"])
def test_planted_school_effects_are_found_at_scale_0_1(sample_at_scale_0_1, district, subject):
    """School averages of 2022-23 to 2024-25, grades 4-8, by grade band, against the planted effects:
    correlation at least 0.9 over the schools with 30 or more growth scores; the school serving the
    poorest zone (+10 a year, the largest) has the highest growth of its band."""
    data, planted = sample_at_scale_0_1[district].data, sample_at_scale_0_1[district].planted
    gains = residual_gains(data.assessments, data.enrollment, subject)
    gains = gains[gains["growth_span"] == "4-8"].assign(grades=lambda g: band(g["grade_tested"]))
    table = pd.concat([average_growth(gains[gains["grades"] == b], by=["school"]).assign(grades=b)
                       for b in ("TK-5", "6-8")])
    table = table.merge(planted[planted["subject"] == subject], on=["school", "grades"], validate="one_to_one")
    counted = table[table["n"] >= 30]
    assert len(counted) >= 6
    assert np.corrcoef(counted["value"], counted["effect"])[0, 1] >= 0.9
    poorest = counted[counted["poorest_zone"]]
    for _, row in poorest.iterrows():
        same_band = counted[counted["grades"] == row["grades"]]
        assert row["value"] == same_band["value"].max()


@pytest.mark.parametrize("district", ["fresno", "long_beach"])
def test_students_with_disabilities_grow_less(sample_at_scale_0_1, district):
    """Planted: 6 points a year less.  Measured gap to the other students, both subjects, 2022-23 to 2024-25:
    more than 4 points and less than 13 (a residual-gain measure adds about 3-4 for any group that scores
    low every year: the generator without planted growth gives students with disabilities about -3.5)."""
    data = sample_at_scale_0_1[district].data
    for subject in ("ela", "math"):
        gains = residual_gains(data.assessments, data.enrollment, subject)
        table = average_growth(gains[gains["growth_span"] == "4-8"], by=["swd"]).set_index("swd")
        gap = table.loc[True, "value"] - table.loc[False, "value"]
        assert -13 < gap < -4, (subject, gap)


def test_at_scale_0_1_small_cells_are_pulled_most_and_cells_under_11_have_no_average(sample_at_scale_0_1):
    """Fresno math by school, grade, ethnicity and year: every estimate lies between its plain mean and
    the family mean; cells of 11-29 scores are less reliable than cells of 100 or more; under 11, none."""
    data = sample_at_scale_0_1["fresno"].data
    gains = residual_gains(data.assessments, data.enrollment, "math")
    table = average_growth(gains, by=["school", "grade", "ethnicity", "school_year"])
    shown = table[table["n"] >= 11]
    distance_kept = (shown["value"] - shown["shrunk_toward"]).abs()
    distance_plain = (shown["mean_residual_gain"] - shown["shrunk_toward"]).abs()
    assert (distance_kept <= distance_plain + 1e-9).all()
    small, large = shown[shown["n"] < 30], shown[shown["n"] >= 100]
    assert len(small) and len(large)
    assert small["reliability"].median() < large["reliability"].median()
    under = table[table["n"] < 11]
    assert len(under) and under[["value", "standard_error", "mean_residual_gain"]].isna().all().all()


def test_grade_11_carries_three_years_of_a_high_school_effect(sample_at_scale_0_1):
    """Grade 11 growth from grade 8 (three years of planted growth, 2022-23 to 2024-25) in 2025 only
    (the sample's first year is 2021-22): each high school's figure has the sign of 3 x its effect."""
    for district in ("fresno", "long_beach"):
        data, planted = sample_at_scale_0_1[district].data, sample_at_scale_0_1[district].planted
        for subject in ("ela", "math"):
            gains = residual_gains(data.assessments, data.enrollment, subject)
            eleven = gains[gains["growth_span"] == "11"]
            assert set(eleven["school_year"]) == {2025} and set(eleven["prior_year"]) == {2022}
            table = average_growth(eleven, by=["school"]).merge(
                planted[(planted["subject"] == subject) & (planted["grades"] == "9-12")], on="school")
            big = table[table["effect"].abs() > 2]  # (an effect near 0 can show either sign)
            assert (np.sign(big["value"]) == np.sign(big["effect"])).all(), table


# ---------------------------------------------------------------------------
# the command line and a notebook's scope (scale 0.1)
# ---------------------------------------------------------------------------

def test_flp_inquiry_metrics_growth_by_school(sample_at_scale_0_1, capsys):
    """``flp-inquiry metrics growth`` gives each school's 2024-25 growth, grades 4-8 and grade 11 in their own
    rows, as :func:`growth` gives it from the district's tables (to one decimal); by school and EL status
    the cells under 11 growth scores are ``*``."""
    sample = sample_at_scale_0_1["fresno"]
    arguments = ["metrics", "growth", "--district", "fresno", "--year", "2025", "--subject", "math",
                 "--data", str(sample.harmonised)]
    assert main([*arguments, "--by", "school"]) == 0
    shown = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str)
    assert shown.columns.tolist() == ["school", "growth_span", "n", "value", "standard_error", "caution"]
    expected = growth(sample.data.assessments, sample.data.enrollment, "math", by=["school", "school_year"])
    expected = expected[expected["school_year"] == 2025].reset_index(drop=True)
    assert shown[["school", "growth_span"]].values.tolist() == expected[["school", "growth_span"]].values.tolist()
    assert {"4-8", "11"} <= set(shown["growth_span"])
    assert shown["n"].astype(int).tolist() == expected["n"].tolist()
    assert shown["value"].astype(float).tolist() == pytest.approx(expected["value"].tolist(), abs=0.05)

    assert main([*arguments, "--by", "school,el_status"]) == 0
    groups = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str)
    every = growth(sample.data.assessments, sample.data.enrollment, "math", by=["school", "el_status", "school_year"])
    every = every[every["school_year"] == 2025].reset_index(drop=True)
    small = (every["n"] < 11).to_numpy()
    assert small.any() and not small.all()
    assert (groups.loc[small, ["n", "value", "standard_error"]] == "*").all().all()
    assert (groups.loc[~small, "n"].astype(int) == every.loc[~small, "n"]).all()


def test_a_schools_growth_is_fitted_on_the_whole_district(sample_at_scale_0_1):
    """For one school, ``Inquiry.growth`` gives the school's rows of the district-wide table (the line fitted
    on every student of the district, each grade pulled toward the district's grade).  At the school of the
    poorest zone (planted +10 a year) growth is well above 0; a line fitted on the school's own students
    would put it near 0 (their residuals add up to 0 but for the few who moved)."""
    sample = sample_at_scale_0_1["fresno"]
    school = sample.planted.query("poorest_zone")["school"].iloc[0]
    inquiry = Inquiry("fresno", 2025, school, sample.data)
    mine = inquiry.growth("math", by=["grade", "school_year"])
    district = growth(sample.data.assessments, sample.data.enrollment, "math", by=["school", "grade", "school_year"])
    district = district[district["school"] == school].drop(columns="school").reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, district)
    (pooled,) = inquiry.growth("math").itertuples()
    assert pooled.value > 5
    own = residual_gains(inquiry.scoped_data.assessments, inquiry.scoped_data.enrollment, "math")
    assert abs(own.loc[own["school"] == school, "residual_gain"].mean()) < 3


def test_an_inquirys_growth_leaves_out_later_years(sample_at_scale_0_1):
    """An inquiry of 2023-24 has growth of 2022-23 and 2023-24 only (2021-22 has no prior year), each the
    same as the 2024-25 inquiry's for that year: a year's line is fitted on that year's scores."""
    data = sample_at_scale_0_1["fresno"].data
    earlier = Inquiry("fresno", 2024, "all", data).growth("ela", by=["school", "school_year"])
    later = Inquiry("fresno", 2025, "all", data).growth("ela", by=["school", "school_year"])
    assert sorted(set(earlier["school_year"])) == [2023, 2024]
    pd.testing.assert_frame_equal(earlier, later[later["school_year"] <= 2024].reset_index(drop=True))
