"""The output scan: no student id, no count under 11, no row-level table reaches a report."""
from __future__ import annotations

import nbformat
import pandas as pd
import pytest

from flp_inquiry.inquiry.tables import reader_table
from flp_inquiry.measures.privacy import (
    PrivacyError,
    check_notebook_outputs,
    check_report,
    find_derivable_counts,
    scan_report,
)
from flp_inquiry.packs.report import render_report
from tests.packs.test_report import HEADER, built_notebook

KEYS = ["fresno:004518233", "long_beach:1234567"]


def table_html(column: str, values: list, shown_in_full: bool = True) -> str:
    """A DataFrame as pandas writes it in HTML (index included): in full, or as a notebook displays it."""
    table = pd.DataFrame({"group": [f"G{i}" for i in range(len(values))], column: values})
    return table.to_html() if shown_in_full else table._repr_html_()


def kinds(findings) -> list[str]:
    return [finding.kind for finding in findings]


@pytest.mark.parametrize(("column", "value", "expected"), [
    ("n", 7, ["small_count"]),
    ("n", 10, ["small_count"]),
    ("n", 11, []),              # exactly the threshold may be shown
    ("n", 0, []),               # an empty group identifies no one
    ("n", "*", []),             # suppressed
    ("Students tested", 3, ["small_count"]),
    ("enrolled", "1,204", []),
    ("count", 10.5, ["small_count"]),
    ("Percent tested", 7.0, []),  # a share, not a number of students
    ("value", 4, []),
])
def test_counts_under_eleven_are_found(column, value, expected):
    assert kinds(scan_report(table_html(column, [40, value]))) == expected


@pytest.mark.parametrize("shown_in_full", [True, False])
@pytest.mark.parametrize(("rows", "expected"), [(200, []), (201, ["row_level_table"]), (500, ["row_level_table"])])
def test_long_tables_are_row_level(rows, expected, shown_in_full):
    assert kinds(scan_report(table_html("n", [50] * rows, shown_in_full))) == expected


@pytest.mark.parametrize("heading", ["student_key", "Student ID", "SSID", "local_id"])
def test_a_column_of_student_ids_is_found(heading):
    assert "id_column" in kinds(scan_report(table_html(heading, ["x", "y"])))


@pytest.mark.parametrize(("text", "found"), [
    ("Top scorer: fresno:004518233", "fresno:004518233"),
    ("Top scorer: 004518233", "004518233"),            # the district's id with its leading zeros
    ("Top scorer: 4518233", "4518233"),                # ... and as a spreadsheet shows it, without them
    ("<td>1234567</td>", "1234567"),
    ("aria-label=\"id: long_beach:99999\"", "long_beach:99999"),  # any district key, even one not listed
])
def test_student_ids_are_found_in_any_form(text, found):
    assert [f.value for f in scan_report(text, KEYS)] == [found]


@pytest.mark.parametrize("text", ["Enrolled: 45180233 (not an id: one digit more)", "School year 2024-25, 12345 students",
                                  "fresno: 52.5%"])
def test_numbers_that_are_not_ids_pass(text):
    assert scan_report(text, KEYS) == []


def test_a_clean_rendered_report_passes_and_a_report_with_an_id_fails(tmp_path):
    path = render_report(built_notebook(), tmp_path / "report.html", HEADER, student_ids=KEYS)
    check_report(path, KEYS)
    text = path.read_text(encoding="utf-8").replace("Sample Pine", "Sample Pine (1234567)")
    with pytest.raises(PrivacyError, match="1234567"):
        check_report(text, KEYS)


def test_check_report_lists_every_problem():
    html = table_html("n", [7, 40, 3]) + "<p>fresno:004518233</p>"
    with pytest.raises(PrivacyError) as raised:
        check_report(html)
    assert sorted(kinds(raised.value.findings)) == ["small_count", "small_count", "student_id"]
    assert "3 privacy problems" in str(raised.value)


def output_cell(output) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [output]
    return cell


@pytest.mark.parametrize("output", [
    nbformat.v4.new_output("stream", name="stdout", text="checking 004518233\n"),
    nbformat.v4.new_output("execute_result", execution_count=1, data={"text/html": table_html("n", list(range(20, 520)), shown_in_full=False)}),
    nbformat.v4.new_output("execute_result", execution_count=1, data={
        "application/vnd.vegalite.v6+json": {"mark": "point", "data": {"values": [{"student_key": "x", "score": 2500}]}}}),
    nbformat.v4.new_output("error", ename="KeyError", evalue="'long_beach:1234567'", traceback=[]),
])
def test_notebook_outputs_holding_student_data_are_refused(output):
    with pytest.raises(PrivacyError):
        check_notebook_outputs(nbformat.v4.new_notebook(cells=[output_cell(output)]), KEYS)


def test_aggregate_notebook_outputs_pass():
    check_notebook_outputs(built_notebook(), KEYS)


def test_render_report_refuses_a_raw_table_and_writes_nothing(tmp_path):
    cell = output_cell(nbformat.v4.new_output("execute_result", execution_count=1,
                                              data={"text/html": table_html("score", list(range(500)))}))
    with pytest.raises(PrivacyError, match="longer than 200 rows"):
        render_report(nbformat.v4.new_notebook(cells=[cell]), tmp_path / "r.html", HEADER)
    assert list(tmp_path.iterdir()) == []


def test_digits_after_a_decimal_point_are_not_an_id_but_an_id_ending_a_sentence_is():
    """A chart coordinate 0.004048583 once hid Long Beach id 4048583 in its decimals: not a finding."""
    from flp_inquiry.measures.privacy import find_student_ids

    ids = ["long_beach:4048583"]
    assert find_student_ids('<path d="M0.004048583,12.5L3.4048583,2"/>', ids) == []
    assert [f.value for f in find_student_ids("Top student: 4048583.", ids)] == ["4048583"]


def test_a_hidden_count_in_each_year_is_worked_out_from_that_years_total():
    """A table over two years hides one group in each; the report's 2024-25 total (355 students) gives that
    year's away (355 - 42 - 310 = 3), though the column as a whole hides two.  With the groups marked as
    parts of each year's whole (``parts_of``), the smallest other group is hidden too and nothing is left."""
    years = pd.DataFrame({"school_year": [2024, 2024, 2024, 2025, 2025, 2025], "el_status": ["EL", "EO", "TBD"] * 2,
                          "n": [40, 300, 4, 42, 310, 3], "value": [12.5] * 6})
    columns = {"school_year": "School year", "el_status": "Group", "n": "Students", "value": "Percent met"}
    glance = pd.DataFrame({"Indicator": ["Math, 2024-25"], "Students": [355]}).to_html(index=False)

    forgot = reader_table(years, columns).to_html()
    assert [str(finding) for finding in find_derivable_counts({"math": forgot, "glance": glance})] == [
        "math, table 1, column 'Students' in 2024-25, value '3': the hidden count is 355 (glance) minus the 352 shown"]
    protected = reader_table(years, columns, parts_of=["school_year"]).to_html()
    assert find_derivable_counts({"math": protected, "glance": glance}) == []


def test_a_hidden_half_in_each_grade_is_worked_out_from_that_grades_total():
    """The explorer's attendance table: grade 7 and grades 3-8, each split into chronically absent students and
    the others, one half hidden in each.  Neither the column (two hidden) nor the one school year (two hidden)
    gives anything away; grade 7's own rows do: the report shows 37 students in grade 7, so 37 - 30 = 7."""
    halves = pd.DataFrame({"grade": ["7", "7", "3-8", "3-8"], "school_year": [2025] * 4,
                           "attendance": ["Chronically absent", "Not chronically absent"] * 2,
                           "n": [7, 30, 9, 200], "value": [-80.0, -40.0, -75.0, -30.0]})
    columns = {"grade": "Grades", "school_year": "School year", "attendance": "Attendance", "n": "Students",
               "value": "Distance from standard"}
    trend = pd.DataFrame({"Students": ["English learners in Grade 7"], "Students tested": [37]}).to_html(index=False)

    forgot = reader_table(halves, columns).to_html()
    assert [str(finding) for finding in find_derivable_counts({"explorer": forgot, "trend": trend})] == [
        "explorer, table 1, column 'Students' in Grade 7, 2024-25, value '7': "
        "the hidden count is 37 (trend) minus the 30 shown"]
    protected = reader_table(halves, columns, parts_of=["grade", "school_year"]).to_html()
    assert find_derivable_counts({"explorer": protected, "trend": trend}) == []
