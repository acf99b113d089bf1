"""Every question notebook runs on the sample data, and shows what a principal must (and must not) see.

The sample is harmonised once; every notebook in ``notebooks/`` is then executed with
papermill for both districts, district-wide and for one school, two at a time, into a
temporary folder (:func:`executed`).  The tests read what the executed notebooks show
(Markdown and HTML outputs): the planted patterns of the sample
(``data/sample/README.md``) are named, small groups are ``*``, nothing identifies a
student; a wrong parameter stops at once with the allowed values.
"""
from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import papermill
import pytest
from bs4 import BeautifulSoup

from flp_inquiry.codes import DISTRICTS, PARTNERSHIP
from flp_inquiry.ingest.sample import HARBOR, PENASCO
from flp_inquiry.ingest.store import list_schools, load_district
from flp_inquiry.measures.assessment import distance_from_standard
from flp_inquiry.measures.privacy import check_notebook_outputs, read_tables
from flp_inquiry.packs.figures import chart_spec
from tests.conftest import PACK_SCHOOLS, PROJECT

NOTEBOOKS = PROJECT / "notebooks"
TEMPLATE = PROJECT / "templates" / "new_question.ipynb"
QUESTIONS = sorted(path.stem for path in NOTEBOOKS.glob("*.ipynb"))
#: One school per district for the school-level runs: the schools the sample's patterns are planted in.
SCHOOLS = PACK_SCHOOLS  # the schools the sample pack of conftest.py reports on
KERNEL = "flp-inquiry"
#: With pytest-xdist, the tests reading the session's sample pack share one worker, so the pack runs once.
pytestmark = pytest.mark.xdist_group("sample_pack")

JOBS = [(question, district, school) for question in QUESTIONS for district in PARTNERSHIP
        for school in ("all", SCHOOLS[district])]
#: Wrong parameters: (question, parameters, text the error must show).
WRONG_PARAMETERS = [
    ("mathematics", {"district": "fresnoo"}, "Allowed values: fresno, long_beach"),
    ("attendance", {"school": "Sample Nowhere Elementary"}, "Allowed values: all, "),
    ("english_learners", {"school_year": 2019}, "Allowed values: 2022, 2023, 2024, 2025"),
    ("root_cause_explorer", {"group": "LTEL"}, "Allowed values: EL, EO, IFEP, RFEP, TBD"),
    ("root_cause_explorer", {"metric": "dfss"}, "Allowed values: dfs, percent_met, chronic_absence"),
]


@pytest.fixture(scope="session")
def harmonised(sample_harmonised) -> Path:
    """Both districts' committed sample, harmonised once for the session (tests/conftest.py)."""
    return sample_harmonised


def _run(notebook: Path, out: Path, parameters: dict) -> tuple[nbformat.NotebookNode | None, Exception | None, float]:
    started = time.monotonic()
    try:
        executed = papermill.execute_notebook(str(notebook), str(out), parameters=parameters, kernel_name=KERNEL,
                                              cwd=str(PROJECT), progress_bar=False, execution_timeout=120)
        return executed, None, time.monotonic() - started
    except Exception as error:  # kept for the test of that job to report
        return None, error, time.monotonic() - started


@pytest.fixture(scope="session")
def executed(sample_pack, harmonised, tmp_path_factory) -> dict:
    """key -> (notebook, error, seconds) for every job of :data:`JOBS` and :data:`WRONG_PARAMETERS`.

    The :data:`JOBS` are the session's sample meeting pack (``sample_pack`` in
    conftest.py: the same batch run principals' reports come from); the wrong
    parameters are run with plain papermill, two at a time.
    """
    results = {}
    by_key = {result.job.key: result for result in sample_pack.summary.results}
    for question, district, school in JOBS:
        path = sample_pack.executed(district, question, school)
        result = next(r for r in by_key.values()
                      if (r.job.district, r.job.question, r.job.school) == (district, question, school))
        notebook = nbformat.read(path, as_version=4) if path.is_file() else None
        error = RuntimeError(f"{result.job.key}: {result.error}") if not result.ok else None
        results[(question, district, school)] = (notebook, error, result.seconds)
    out = tmp_path_factory.mktemp("wrong")
    wrong = {("wrong", number): (NOTEBOOKS / f"{question}.ipynb", out / f"wrong-{number}.ipynb",
                                 {"data_dir": str(harmonised), **parameters})
             for number, (question, parameters, _) in enumerate(WRONG_PARAMETERS)}
    with ThreadPoolExecutor(max_workers=2) as pool:
        results.update(zip(wrong, pool.map(lambda job: _run(*job), wrong.values())))
    return results


def _finished(executed: dict, key) -> nbformat.NotebookNode:
    notebook, error, _ = executed[key]
    if error is not None:
        pytest.fail(f"{key} did not run: {error}")
    return notebook


def shown_outputs(notebook: nbformat.NotebookNode) -> list[dict]:
    """The data of every displayed output (Markdown, HTML, charts), in order."""
    return [output.get("data", {}) for cell in notebook.cells if cell.cell_type == "code"
            for output in cell.get("outputs", []) if output.get("output_type") in ("display_data", "execute_result")]


def shown_text(notebook: nbformat.NotebookNode) -> str:
    """What a reader sees as text: sentences (as their plain text: bullets ``- ``) and the text of tables."""
    parts = []
    for data in shown_outputs(notebook):
        if data.get("text/html", "").startswith('<div class="prose">'):
            parts.append(data["text/plain"])
        elif "text/html" in data and chart_spec(data) is None:
            parts.append(BeautifulSoup(data["text/html"], "html.parser").get_text(" ", strip=True))
    return "\n".join(parts)


def shown_tables(notebook: nbformat.NotebookNode) -> list[tuple[list[str], list[list[str]]]]:
    return [table for data in shown_outputs(notebook) if "text/html" in data and chart_spec(data) is None
            for table in read_tables(data["text/html"])]


def shown_charts(notebook: nbformat.NotebookNode) -> list[dict]:
    return [spec for spec in map(chart_spec, shown_outputs(notebook)) if spec is not None]


def row_of(tables, heading: str, label: str) -> list[str]:
    """The row whose first cell is ``label`` in the table with ``heading`` among its headings."""
    for headings, rows in tables:
        if heading in headings:
            for row in rows:
                if row and row[0] == label:
                    return dict(zip(headings, row))
    raise AssertionError(f"no table with {heading!r} and a row {label!r}")


# ---------------------------------------------------------------------------
# the committed notebooks
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("path", [*sorted(NOTEBOOKS.glob("*.ipynb")), TEMPLATE], ids=lambda p: p.name)
def test_committed_notebook_is_clean_and_parameterised(path):
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(not cell.outputs and cell.execution_count is None for cell in code), f"{path.name} has outputs"
    assert notebook.metadata["kernelspec"] == {"name": "flp-inquiry", "display_name": "Python (flp-inquiry)",
                                               "language": "python"}
    tagged = [cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0] is notebook.cells[0]
    declared = papermill.inspect_notebook(str(path))
    assert {name: declared[name]["inferred_type_name"] for name in ("district", "school_year", "school", "data_dir")} == {
        "district": "str", "school_year": "int", "school": "str", "data_dir": "str"}
    assert all(info["help"] for info in declared.values()), "every parameter needs a comment"
    headings = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    for heading in ("What the data shows", "What is surprising", "Hypotheses", "Questions for the meeting"):
        assert f"## {heading}" in headings or heading in "\n".join(c.source for c in code), f"{path.name}: {heading}"
    assert not any(line.lstrip().startswith(("def ", "class ", "lambda")) for cell in code for line in cell.source.splitlines())


def test_the_catalogue_has_every_question():
    assert QUESTIONS == ["attendance", "college_career", "common_metrics", "english_learners", "mathematics",
                         "root_cause_explorer"]


def test_the_chosen_schools_are_in_the_sample(harmonised):
    for district, school in SCHOOLS.items():
        assert school in set(list_schools(district, harmonised)["school_name"])


# ---------------------------------------------------------------------------
# every notebook, both districts, district-wide and one school
# ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def student_keys(harmonised) -> dict[str, list[str]]:
    """Each district's student keys, to search the outputs for."""
    return {district: load_district(district, harmonised, tables=["enrollment"]).enrollment["student_key"]
            .drop_duplicates().tolist() for district in PARTNERSHIP}


@pytest.mark.parametrize("question,district,school", JOBS)
def test_notebook_runs_and_shows_a_finished_document(executed, student_keys, question, district, school):
    notebook = _finished(executed, (question, district, school))
    text = shown_text(notebook)
    name = DISTRICTS[district]["name"]
    scope = f"All schools of {name}" if school == "all" else f"{school}, {name}"
    assert scope in text and "2024-25" in text
    for heading in ("What the data shows", "What is surprising", "Questions for the meeting"):
        assert heading in "\n".join(cell.source for cell in notebook.cells) + text
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.get("outputs", [])]
    assert not [output for output in outputs if output.get("output_type") == "error"]
    # every question shows at least one chart, unless the school has none of the grades it counts and says so
    assert shown_charts(notebook) or "there is nothing to show here" in text or "can be drawn" in text, \
        "no chart, and no reason given"
    for spec in shown_charts(notebook):  # every chart is titled, described and has tooltips
        assert spec.get("title") and spec.get("description"), spec.get("title")
        assert "tooltip" in str(spec)
    check_notebook_outputs(notebook, student_ids=student_keys[district])


def test_the_notebooks_run_within_the_time_budget(executed):
    seconds = [run[2] for run in executed.values()]
    assert max(seconds) < 60, f"slowest notebook took {max(seconds):.0f} s"


# ---------------------------------------------------------------------------
# the sample's planted patterns are named
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("question", ["mathematics", "root_cause_explorer"])
def test_fresno_math_names_penasco_and_the_grade7_english_learner_drop(executed, question):
    text = shown_text(_finished(executed, (question, "fresno", "all")))
    assert PENASCO in text
    drop = {  # the math notebook finds it among the schools' grades; the explorer takes the district's grade 7 apart
        "mathematics": rf"English learners in Grade 7 at {PENASCO}: from -?\d+\.\d points to -?\d+\.\d points \(down (\d+\.\d)",
        "root_cause_explorer": r"math distance from standard of English learners in Grade 7 went down (\d+\.\d) points",
    }[question]
    found = re.search(drop, text)
    assert found and float(found.group(1)) > 15, "the grade 7 English-learner drop is not named"
    assert re.search(rf"At {PENASCO}, chronic absence among English learners moved far more than elsewhere: "
                     r"from \d+\.\d% to (\d+\.\d)%", text)


def test_the_explorer_finds_chronic_absence_behind_the_drop(executed):
    text = shown_text(_finished(executed, ("root_cause_explorer", "fresno", "all")))
    gap = re.search(r"Supported: math distance from standard of chronically absent English learners in Grade 7 was "
                    r"(-?\d+\.\d) points \(95% interval [^)]*\) against (-?\d+\.\d) points", text)
    assert gap and float(gap.group(1)) < float(gap.group(2)) - 50


@pytest.mark.parametrize("district", list(PARTNERSHIP))
def test_english_learner_notebook_shows_the_level3_bottleneck(executed, district):
    text = shown_text(_finished(executed, ("english_learners", district, "all")))
    found = re.search(r"Level-3 bottleneck: of last year's \d+ English learners at ELPAC level 3 tested again, "
                      r"(\d+\.\d)% were still at level 3 in 2024-25 and (\d+\.\d)% reached level 4", text)
    assert found, "the level-3 bottleneck is not named"
    still, up = map(float, found.groups())
    assert still > 55 and up < 30  # planted: about 75% stay, about 17% move up


@pytest.mark.parametrize("district", list(PARTNERSHIP))
def test_the_reclassification_extremes_name_english_learners(executed, district):
    """The rate is of English learners, so the sentence names them, at the school with the highest rate
    the by-school table shows: beside a school under 11 the next smallest is hidden too, and the pack's
    audit may hide more (findings.as_published), so the extremes are among the rates the table shows."""
    notebook = _finished(executed, ("english_learners", district, "all"))
    text = shown_text(notebook)
    headings, rows = next(table for table in shown_tables(notebook)
                          if "English learners at the start of the year" in table[0] and "School" in table[0])
    column = headings.index("Reclassified (%)")
    rates = {row[0]: float(row[column]) for row in rows if row[column] not in ("*", "")}
    assert rates, "the by-school table shows no rate"
    if len(rates) == 1:
        (school, rate), = rates.items()
        assert f"Reclassification rate: English learners at {school} ({rate:.1f}%), the only group" in text
        return
    found = re.search(r"Highest reclassification rate: English learners at (.+?) \((\d+\.\d)%\); "
                      r"lowest: English learners at (.+?) \(", text)
    assert found, "the reclassification extremes do not name English learners"
    assert found.group(1) == max(rates, key=rates.get) and float(found.group(2)) == max(rates.values())
    assert found.group(3) == min(rates, key=rates.get)


def test_long_beach_college_notebook_names_the_harbor_graduation_gap(executed):
    """The planted gap at Harbor is named when the graduation table by socioeconomic status shows it; when
    that table is hidden (the pack's audit protects a smaller group), the sentence says they cannot be compared."""
    notebook = _finished(executed, ("college_career", "long_beach", "all"))
    text = shown_text(notebook)
    named = re.search(rf"Socioeconomically disadvantaged students at {HARBOR}, \d+\.\d% against \d+\.\d% for "
                      r"students not socioeconomically disadvantaged \(\d+\.\d percentage points lower", text)
    if "Every group in the graduation table by socioeconomic status is hidden" in text:
        assert not named and ("The four-year graduation rate by socioeconomic status cannot be compared with "
                              "students not socioeconomically disadvantaged") in text
    else:
        assert named


def test_common_metrics_shows_the_partner_district_beside_it(executed):
    tables = shown_tables(_finished(executed, ("common_metrics", "fresno", "all")))
    row = row_of(tables, "Indicator", "Algebra 1 / Integrated 1 by grade 8 (C or better)")
    fresno, long_beach = float(row["2024-25"]), float(row["Long Beach Unified (partner district)"])
    assert long_beach > fresno + 15  # planted: about a third in Long Beach, about one in ten in Fresno
    assert "Fresno Unified (district)" not in row  # a district report is the district's figures


def test_a_schools_common_metrics_stand_beside_its_own_district_and_california(executed):
    """A Long Beach school is read against Long Beach first (its district report's own figures), then Fresno,
    then California (the pack's state file: STATE_2025, for rates of percent met only)."""
    district = shown_tables(_finished(executed, ("common_metrics", "long_beach", "all")))
    school = shown_tables(_finished(executed, ("common_metrics", "long_beach", HARBOR)))
    for indicator in ("ELA: percent met or exceeded", "Reclassification rate", "a-g completion (of graduates)"):
        own = row_of(district, "Indicator", indicator)
        beside = row_of(school, "Indicator", indicator)
        assert beside["Long Beach Unified (district)"] == own["2024-25"], indicator
        assert beside["Fresno Unified (partner district)"] == own["Fresno Unified (partner district)"], indicator
    ela = row_of(school, "Indicator", "ELA: percent met or exceeded")
    math = row_of(school, "Indicator", "Math: percent met or exceeded")
    assert (ela["California"], math["California"]) == ("47.3", "35.5")  # 47.25: half away from zero
    assert row_of(school, "Indicator", "Reclassification rate")["California"] == ""
    text = shown_text(_finished(executed, ("common_metrics", "long_beach", HARBOR)))
    assert "California's figures: the state's own files for 2024-25 (statewide, all students)." in text


def test_a_blank_dashboard_colour_always_says_why(executed):
    for district in SCHOOLS:
        for school in ("all", SCHOOLS[district]):
            tables = shown_tables(_finished(executed, ("common_metrics", district, school)))
            headings, rows = next(table for table in tables if "Dashboard colour (projected)" in table[0])
            for row in map(lambda cells: dict(zip(headings, cells)), rows):
                colour, note = row["Dashboard colour (projected)"], row.get("Note", "")
                if colour in ("", "none") and row["Students"] != "*":
                    assert re.search(r"no colour: \w|not on the Dashboard|not counted at this school", note), \
                        (district, school, row)


def test_the_projected_dashboard_lists_red_and_orange_first(executed):
    tables = shown_tables(_finished(executed, ("common_metrics", "fresno", "all")))
    headings, rows = next(table for table in tables if "Student group" in table[0] and "Change level" in table[0])
    colours = [dict(zip(headings, row))["Colour"] for row in rows]
    watched = [colour in ("Red", "Orange") for colour in colours]
    assert any(watched) and watched == sorted(watched, reverse=True), colours
    notebook = _finished(executed, ("common_metrics", "fresno", "all"))
    assert any("It is a projection, not the state's Dashboard" in cell.source for cell in notebook.cells)
    text = shown_text(notebook)
    assert re.search(r"Projected for Fresno Unified, in Red: [^.]+ for ", text)


# ---------------------------------------------------------------------------
# small groups
# ---------------------------------------------------------------------------

def test_a_group_under_11_is_shown_as_a_star(executed, harmonised):
    data = load_district("fresno", harmonised)
    table = distance_from_standard(data.assessments, data.enrollment, "math", by=["el_status", "school_year"])
    small = table[(table["school_year"] == 2025) & (table["grade_span"] == "3-8") & (table["n"] < 11)]
    assert not small.empty, "the sample should have a group under 11"
    label = {"TBD": "To be determined", "IFEP": "Initially fluent (IFEP)", "RFEP": "Reclassified (RFEP)",
             "EL": "English learners", "EO": "English only"}[small["el_status"].iloc[0]]
    tables = shown_tables(_finished(executed, ("mathematics", "fresno", "all")))
    row = row_of(tables, "Distance from standard (points)", label)
    assert row["Students tested"] == "*" and row["Distance from standard (points)"] == "*"


def test_no_count_under_11_is_shown_anywhere(executed):
    for key, (notebook, error, _) in executed.items():
        if error is None:
            for headings, rows in shown_tables(notebook):
                for heading, cells in zip(headings, zip(*rows)) if rows else ():
                    if heading.startswith(("Students", "Tested", "Marks", "Graduates", "Same students", "ELs at")):
                        assert all(cell == "*" or cell == "" or int(cell) >= 11 for cell in cells), (key, heading)


# ---------------------------------------------------------------------------
# wrong parameters
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("number", range(len(WRONG_PARAMETERS)))
def test_a_wrong_parameter_stops_at_once_naming_the_allowed_values(executed, number):
    question, parameters, allowed = WRONG_PARAMETERS[number]
    _, error, _ = executed[("wrong", number)]
    assert isinstance(error, papermill.PapermillExecutionError)
    assert error.ename == "ParameterError"
    assert allowed in error.evalue
    assert error.cell_index <= 3  # the first code cell after the parameters, not deep in the analysis
    if "school" in parameters:
        assert PENASCO in error.evalue


@pytest.mark.parametrize("district", sorted(PARTNERSHIP))
def test_english_learners_notebook_compares_students_by_years_as_an_english_learner(executed, district):
    tables = shown_tables(_finished(executed, ("english_learners", district, "all")))
    headings, rows = next(t for t in tables if "Years as an English learner" in t[0])
    bands = [row[0] for row in rows]
    assert bands[:3] == ["Ever-ELs, 0-3 years since first identified", "Ever-ELs, 4-5 years since first identified",
                         "Ever-ELs, 6+ years since first identified"]
    assert "Never English learners" in bands
    for row in rows:  # every shown figure is a percentage of 11 or more students, or hidden
        counts = dict(zip(headings, row))
        assert counts["Tested in math"] == "*" or int(counts["Tested in math"]) >= 11


def test_a_high_schools_mathematics_question_asks_about_its_own_grades(executed):
    """Sample Harbor High has grades 9-12: the state tests its grade 11, and Algebra 1 by grade 9 is its own."""
    text = shown_text(_finished(executed, ("mathematics", "long_beach", HARBOR)))
    assert "how grade 11 students do" in text and "by grade 9?" in text
    assert "grade 6" not in text.split("What the data shows")[0]
