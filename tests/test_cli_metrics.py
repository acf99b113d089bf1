"""``flp-inquiry metrics`` and :func:`metric_table` on a small harmonised district written by hand."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from flp_inquiry.cli import main
from flp_inquiry.errors import ParameterError
from flp_inquiry.measures.metrics import METRICS, metric_table
from tests.measures.test_metrics import (
    assessment_table,
    course,
    course_table,
    enrolled,
    enrollment_table,
    outcome,
    outcome_table,
    scored,
)


@pytest.fixture(scope="module")
def harmonised(tmp_path_factory) -> Path:
    """fresno in the store's layout: Alder has 11 grade-5 students, Birch 10, in 2023 and 2024.

    2024 ELA: at Alder 4 of 11 score 2502 (DFS 0, level 3), 7 score 2480 (DFS -22, level 2);
    at Birch all 10 score 2502.  2023: every student scores 2492 (DFS -10, level 2).
    """
    data = tmp_path_factory.mktemp("harmonised")
    rows, scores, courses, outcomes = [], [], [], []
    for school, count in (("Sample Alder", 11), ("Sample Birch", 10)):
        for i in range(count):
            key = f"{school[7]}{i:02d}"
            for year in (2023, 2024):
                rows.append(enrolled(key, year=year, school=school, grade=5, absent=20.0 if i < 2 else 0.0))
                score = 2492 if year == 2023 else (2502 if school == "Sample Birch" or i < 4 else 2480)
                scores.append(scored(key, score, 3 if score >= 2502 else 2, year=year))
            courses.append(course(key, mark="D" if i < 3 else "B"))
            outcomes.append(outcome(key, graduated=i < 8))
    folder = data / "fresno"
    folder.mkdir()
    tables = {"enrollment": enrollment_table(*rows), "assessments": assessment_table(*scores),
              "math_courses": course_table(*courses), "outcomes": outcome_table(*outcomes)}
    for name, frame in tables.items():
        frame.to_parquet(folder / f"{name}.parquet", index=False)
    (folder / "manifest.json").write_text(json.dumps({"district": "fresno", "created": "test"}))
    return data


def _run(capsys, *args) -> tuple[int, str, str]:
    status = main(["metrics", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_percent_met_by_school_hides_the_school_of_ten(harmonised, capsys):
    status, out, err = _run(capsys, "percent_met", "--district", "fresno", "--year", "2024", "--subject", "ela",
                            "--by", "school", "--data", str(harmonised))
    assert status == 0, err
    table = pd.read_csv(io.StringIO(out), dtype=str)
    assert table.columns.tolist() == ["school", "n", "value", "caution"]
    # Alder: 4 of 11 met = 36.36...%; Birch: 10 students -> hidden
    assert table["school"].tolist() == ["Sample Alder", "Sample Birch"]
    assert table["n"].tolist() == ["11", "*"]
    # 4 / 11 = 36.36 %, printed to one decimal
    assert table["value"].iloc[0] == "36.4" and table["value"].iloc[1] == "*"
    assert table["caution"].tolist() == ["True", "True"]


def test_unsuppressed_shows_the_small_school(harmonised, capsys):
    status, out, _ = _run(capsys, "percent_met", "--district", "fresno", "--year", "2024", "--subject", "ela",
                          "--by", "school", "--data", str(harmonised), "--unsuppressed")
    table = pd.read_csv(io.StringIO(out))
    # Birch: 10 of 10 met
    assert status == 0 and table["n"].tolist() == [11, 10] and table["value"].tolist()[1] == 100.0
    assert "caution" not in table


def test_dfs_has_status_change_and_colour_columns(harmonised):
    table = metric_table("dfs", "fresno", 2024, subject="ela", by=["school"], data=harmonised, suppressed=False)
    assert table.columns.tolist()[:4] == ["school", "grade_span", "n", "value"]
    assert {"status_level", "change", "change_level", "colour"} <= set(table.columns)
    alder = table[table["school"] == "Sample Alder"].iloc[0]
    # 2024: (4 * 0 + 7 * -22) / 11 = -14.0 -> Low (2); 2023: -10.0; change -4.0 -> Declined (2)
    assert alder["value"] == pytest.approx(-14.0) and alder["status_level"] == 2
    assert alder["change"] == pytest.approx(-4.0) and alder["change_level"] == 2
    assert pd.isna(alder["colour"])  # 11 students: no colour under 30
    shown = metric_table("dfs", "fresno", 2024, subject="ela", by=["school"], data=harmonised)
    assert shown.loc[shown["school"] == "Sample Birch", ["n", "value", "change"]].values.tolist() == [["*"] * 3]


def test_district_wide_rows_and_other_metrics(harmonised):
    chronic = metric_table("chronic_absence", "fresno", 2024, data=harmonised)
    # 21 students, 2 at each school absent 20 of 180 days (11 %) -> 4 / 21
    assert chronic[["n", "value"]].values.tolist() == [[21, pytest.approx(400 / 21)]]
    df = metric_table("df_rate", "fresno", 2024, data=harmonised)
    # 3 D marks at each school of 21 marks
    assert df[["course_level", "n"]].values.tolist() == [["algebra_1", 21]]
    assert df["value"].iloc[0] == pytest.approx(600 / 21)
    grad = metric_table("grad_rate", "fresno", 2024, data=harmonised)
    # 8 of 11 + 8 of 10 graduated = 16 / 21
    assert grad["value"].iloc[0] == pytest.approx(1600 / 21)


@pytest.mark.parametrize("metric", list(METRICS))
def test_every_metric_runs_and_starts_with_groupings_n_value(harmonised, metric):
    table = metric_table(metric, "fresno", 2024, subject="math" if METRICS[metric].needs_subject else None,
                         by=["school", "sed"], data=harmonised)
    built_in = {"dfs": ["grade_span"], "df_rate": ["course_level", "course_title"],
                "growth": ["growth_span"]}.get(metric, [])
    start = ["school", "sed", *built_in, "n", "value"]
    assert table.columns.tolist()[:len(start)] == start
    assert "caution" in table


def test_unknown_metric_and_missing_subject_list_allowed_values(harmonised, capsys):
    status, _, err = _run(capsys, "percent_mett", "--district", "fresno", "--year", "2024", "--data", str(harmonised))
    assert status == 2 and "Allowed values: percent_met, participation, dfs, elpi" in err
    status, _, err = _run(capsys, "dfs", "--district", "fresno", "--year", "2024", "--data", str(harmonised))
    assert status == 2 and "subject = None is not allowed. Allowed values: ela, math" in err
    with pytest.raises(ParameterError, match="by = 'class'"):
        metric_table("grad_rate", "fresno", 2024, by=["class"], data=harmonised)
