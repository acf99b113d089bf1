"""Reports for principals: no code, no logs, charts as labelled inline SVG, nothing fetched, header facts."""
from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from datetime import datetime

import altair as alt
import nbclient
import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from flp_inquiry.inquiry.charts import bar_chart
from flp_inquiry.measures.privacy import PrivacyError
from flp_inquiry.packs.figures import ReportError, chart_spec, find_external_references
from flp_inquiry.packs.index import JobRecord, render_index
from flp_inquiry.packs.report import ReportHeader, render_report
from tests.conftest import FIXTURES, PROJECT

FIXTURE_NOTEBOOK = FIXTURES / "notebooks" / "school_math.ipynb"
HEADER = ReportHeader(
    district="fresno", school="Sample Oak", question="Are more students meeting the math standard?",
    school_year=2025, data_as_of="2025-03-12T14:05:00+00:00", made=datetime(2025, 3, 13, 9, 30),
)
# Worked out by hand from the table below: Oak is highest, Pine lowest, Elm hidden by suppression.
BAR_DESCRIPTION = ("Bar chart of Percent met or exceeded by School. Highest: Sample Oak (52.5%); lowest: Sample Pine (31.0%)."
                   " 1 group with fewer than 11 students is not shown.")
ONE_PIXEL_PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a2e3b1b20000000049454e44ae426082")).decode()


def results_table() -> pd.DataFrame:
    return pd.DataFrame({"school": ["Sample Oak", "Sample Pine", "Sample Elm"], "n": [40, 25, "*"], "value": [52.5, 31.0, "*"]})


def kernel_output(chart: alt.TopLevelMixin) -> nbformat.NotebookNode:
    """A chart's output as a Vega-Lite mimebundle (the key JupyterLab reads and nbformat can store)."""
    return nbformat.v4.new_output("execute_result", execution_count=3, data={
        "application/vnd.vegalite.v6+json": chart.to_dict(), "text/plain": "<VegaLite 6 object>"})


def built_notebook() -> nbformat.NotebookNode:
    """Heading, prose, two charts (one without a description), a table, printed text, a PNG."""
    v4 = nbformat.v4
    table = results_table()
    described = bar_chart(table, "school", title="Math, 2024-25", value_title="Percent met or exceeded", category_title="School")
    undescribed = alt.Chart(pd.DataFrame({"year": ["2023-24", "2024-25"], "rate": [30.0, 35.0]})).mark_line(point=True).encode(
        x=alt.X("year:O", title="School year"), y=alt.Y("rate:Q", title="Chronic absence rate")).properties(title="Sample Oak")
    chart_cell = v4.new_code_cell("secret_code_marker = bar_chart(results)\nsecret_code_marker")
    chart_cell.outputs = [kernel_output(described)]
    trend_cell = v4.new_code_cell("trend")
    trend_cell.outputs = [kernel_output(undescribed)]
    table_cell = v4.new_code_cell("results")
    table_cell.outputs = [v4.new_output("execute_result", execution_count=4, data={
        "text/html": table.rename(columns={"n": "Students tested"})._repr_html_(), "text/plain": table.to_string()})]
    log_cell = v4.new_code_cell("print('debug')")
    log_cell.outputs = [v4.new_output("stream", name="stdout", text="debug: loaded 1234 rows\n"),
                        v4.new_output("stream", name="stderr", text="FutureWarning: something internal\n")]
    image_cell = v4.new_code_cell("Image(logo)")
    image_cell.outputs = [v4.new_output("display_data", data={"image/png": ONE_PIXEL_PNG, "text/plain": "<Image>"},
                                        metadata={"image/png": {"alt": "The partnership's logo"}})]
    return v4.new_notebook(cells=[
        v4.new_markdown_cell("# Math results\n\nWhat changed this year."),
        chart_cell,
        v4.new_markdown_cell("## Attendance\n\nChronic absence over two years."),
        trend_cell, table_cell, log_cell, image_cell,
    ])


def executed_fixture() -> nbformat.NotebookNode:
    """The committed fixture notebook, executed by a real kernel (Altair's default renderer)."""
    notebook = nbformat.read(FIXTURE_NOTEBOOK, as_version=4)
    # the package's charts bring their own renderer; a coach may switch back to Altair's (HTML fetching from a CDN)
    notebook.cells.insert(3, nbformat.v4.new_code_cell('import altair as alt\nalt.renderers.enable("default")'))
    nbclient.NotebookClient(notebook, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(PROJECT)}}).execute()
    return notebook


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> tuple[str, BeautifulSoup]:
    path = render_report(built_notebook(), tmp_path_factory.mktemp("report") / "math.html", HEADER)
    text = path.read_text(encoding="utf-8")
    return text, BeautifulSoup(text, "html.parser")


def test_report_fetches_nothing_from_anywhere(rendered):
    text, _ = rendered
    assert "<script" not in text
    assert "<link" not in text
    assert "https://" not in text and "http://" not in text
    assert find_external_references(text) == []


def test_report_shows_no_code_prompts_or_printed_text(rendered):
    text, _ = rendered
    for hidden in ("secret_code_marker", "In&nbsp;[", "Out[", "debug: loaded", "FutureWarning", "<VegaLite"):
        assert hidden not in text


def test_each_chart_is_inline_svg_with_marks_and_its_description(rendered):
    _, soup = rendered
    charts = soup.select("figure.chart svg")
    assert len(charts) == 2
    for svg in charts:
        assert svg["role"] == "img"
        assert len(svg.select("g.role-mark path, g.role-mark rect, g.role-mark circle")) > 0
    assert charts[0]["aria-label"] == BAR_DESCRIPTION
    assert charts[0].find_parent("figure").figcaption.get_text() == BAR_DESCRIPTION
    # No description set: one is built from the mark, encodings and title.
    assert charts[1]["aria-label"] == "Line chart of Chronic absence rate by School year, Sample Oak."
    assert "No description has been provided" not in str(soup)


def test_two_charts_on_one_page_keep_their_own_clip_paths(rendered):
    _, soup = rendered
    ids = [element["id"] for element in soup.select("svg [id]")]
    assert len(ids) == len(set(ids))


#: A system font, where Debian puts it (Chromium's packages bring it); it is not one of vl-convert's own.
SYSTEM_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#: In a fresh process (vl-convert loads its fonts once): how wide chart text is measured in the system's font
#: and in a font nobody has, and the FONTCONFIG_FILE the process is left with.
MEASURED_WIDTHS = """
import json, os, vl_convert
from flp_inquiry.packs.figures import chart_figure
chart_figure({"mark": "bar", "data": {"values": [{"a": 1}]}, "encoding": {"x": {"field": "a", "type": "ordinal"}}})
def width(font):
    text = {"text": {"value": "Sample Almendro Elementary"}, "font": {"value": font}}
    return vl_convert.vega_to_scenegraph({"marks": [{"type": "text", "encode": {"enter": text}}]})["width"]
print(json.dumps([width("DejaVu Sans"), width("No Such Font"), os.environ.get("FONTCONFIG_FILE")]))
"""


@pytest.mark.skipif(not os.path.exists(SYSTEM_FONT), reason="this machine has no DejaVu Sans to leave out")
def test_chart_text_is_measured_with_vl_converts_own_fonts_not_the_systems(tmp_path):
    """vl-convert re-reads a system font's file for every label it measures, so charts load none of them.

    Text set in the system's DejaVu Sans is measured as text in a font nobody
    has (172 px here; with the system's fonts loaded DejaVu's letters make it
    165 px), and the process's own FONTCONFIG_FILE is given back as it was.
    """
    env = dict(os.environ, FONTCONFIG_FILE=str(tmp_path / "coach.conf"))
    result = subprocess.run([sys.executable, "-c", MEASURED_WIDTHS], capture_output=True, text=True, env=env,
                            check=True, timeout=120)
    dejavu, unknown, fontconfig_file = json.loads(result.stdout)
    assert dejavu == unknown
    assert fontconfig_file == str(tmp_path / "coach.conf")


def test_header_shows_district_school_question_year_and_times(rendered):
    _, soup = rendered
    assert soup.h1.get_text() == "Are more students meeting the math standard?"
    facts = {div.dt.get_text(): div.dd.get_text() for div in soup.select("dl.facts > div")}
    assert facts == {
        "District": "Fresno Unified", "School": "Sample Oak", "School year": "2024-25",
        "Data as of": "March 12, 2025, 7:05 AM PDT", "Made": "March 13, 2025, 9:30 AM",
    }


def test_footer_says_what_is_hidden_and_how_a_change_is_rounded(rendered):
    _, soup = rendered
    footer = " ".join(soup.select_one("footer.report-footer").get_text().split())
    assert footer.startswith("Aggregates only: groups with fewer than 11 students are not shown (marked *). "
                             "A change is worked out before rounding, as on the California School Dashboard, "
                             "so it can differ by 0.1 from the difference of the two figures shown. Made ")


def test_headings_follow_the_title_without_skipping_levels(rendered):
    _, soup = rendered
    levels = [int(h.name[1]) for h in soup.find_all(re.compile(r"^h[1-6]$"))]
    # The notebook's "#" and "##" follow the report's title as h2 and h3; the glossary of the words the
    # report uses closes it at h2
    assert levels == [1, 2, 3, 2]
    assert [h.get_text() for h in soup.find_all(["h2", "h3"])] == ["Math results", "Attendance", "Words used in this report"]
    assert "¶" not in soup.get_text()


def test_tables_and_images_are_kept(rendered):
    _, soup = rendered
    table = soup.select_one("table.dataframe")
    assert [th.get_text() for th in table.thead.find_all("th")][1:] == ["school", "Students tested", "value"]
    assert "Sample Pine" in table.get_text()
    image = soup.select_one("figure.chart img")
    assert image["src"].startswith("data:image/png;base64,") and image["alt"] == "The partnership's logo"


def test_every_image_has_alt_text_even_when_its_html_gave_none(tmp_path):
    pixel = f"data:image/png;base64,{ONE_PIXEL_PNG}"
    cell = nbformat.v4.new_code_cell("display(HTML(...))")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": f'<p>Logo</p><img src="{pixel}">'})]
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell(f'A map drawn by hand: <IMG width="20" src="{pixel}">'), cell])
    soup = BeautifulSoup(render_report(notebook, tmp_path / "r.html", HEADER).read_text(), "html.parser")
    images = soup.find_all("img")
    assert len(images) == 2
    assert [image.get("alt") for image in images] == ["Figure from the analysis (no description was given)"] * 2


def test_render_leaves_the_notebook_unchanged_and_no_temporary_file(tmp_path):
    notebook = built_notebook()
    before = nbformat.writes(notebook)
    render_report(notebook, tmp_path / "r.html", HEADER)
    assert nbformat.writes(notebook) == before
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]


def test_an_error_shows_as_a_one_line_notice_without_traceback(tmp_path):
    cell = nbformat.v4.new_code_cell("1/0")
    cell.outputs = [nbformat.v4.new_output("error", ename="ZeroDivisionError", evalue="division by zero",
                                           traceback=["Traceback (most recent call last)", "  File x, line 1"])]
    text = render_report(nbformat.v4.new_notebook(cells=[cell]), tmp_path / "r.html", HEADER).read_text()
    assert "stopped with an error (ZeroDivisionError: division by zero)" in text
    assert "Traceback" not in text


def test_a_report_showing_a_student_id_is_never_written(tmp_path):
    notebook = built_notebook()
    notebook.cells[4].outputs[0].data["text/html"] = "<table><tr><th>who</th></tr><tr><td>fresno:004518233</td></tr></table>"
    with pytest.raises(PrivacyError):
        render_report(notebook, tmp_path / "r.html", HEADER, student_ids=["fresno:004518233"])
    assert not (tmp_path / "r.html").exists()


def test_a_remote_image_in_markdown_is_refused(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("![map](https://example.org/map.png)")])
    with pytest.raises(ReportError, match="would not open offline"):
        render_report(notebook, tmp_path / "r.html", HEADER)
    assert not (tmp_path / "r.html").exists()


def test_html_output_scripts_and_remote_styles_are_removed(tmp_path):
    cell = nbformat.v4.new_code_cell("display(HTML(...))")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": (
        '<style>@import url("https://fonts.example/x.css"); .k{font-weight:bold}</style>'
        '<script src="https://cdn.example/lib.js"></script><p class="k" onclick="steal()">Kept</p>')})]
    text = render_report(nbformat.v4.new_notebook(cells=[cell]), tmp_path / "r.html", HEADER).read_text()
    assert "Kept" in text and "https://" not in text and "onclick" not in text and "<script" not in text


def test_a_kernel_executed_notebook_with_altairs_default_renderer_draws_its_chart(tmp_path):
    notebook = executed_fixture()
    outputs = [output for cell in notebook.cells for output in cell.get("outputs", [])]
    assert any("cdn.jsdelivr.net" in output.get("data", {}).get("text/html", "") for output in outputs)  # the trap is real
    text = render_report(notebook, tmp_path / "r.html", HEADER).read_text()
    soup = BeautifulSoup(text, "html.parser")
    assert "https://" not in text and "<script" not in text and "loaded 4 rows" not in text
    svg = soup.select_one("figure.chart svg")
    assert svg["aria-label"].startswith("Bar chart of Percent met or exceeded by School. Highest: Sample Oak (52.5%)")
    assert "The dashed line marks District (45.0%)" in svg["aria-label"]
    assert soup.select_one("table.dataframe") is not None


def test_chart_spec_reads_altair_html_output():
    chart = bar_chart(results_table(), "school", title="Math", value_title="Percent", category_title="School")
    with alt.renderers.enable("default"):  # Altair's own, not the package's
        html = chart._repr_mimebundle_()["text/html"]
    assert chart_spec({"text/html": html})["description"] == chart.to_dict()["description"]


JOBS = [
    JobRecord("fresno", None, "Math pathways", "ok", 12.34, "fresno/all-schools/math_pathways.html"),
    JobRecord("fresno", "Sample Oak", "Math pathways", "skipped-unchanged", 0.0, "fresno/sample-oak/math_pathways.html"),
    JobRecord("fresno", "Sample Oak", "English learners", "failed", 3.5, None, "KeyError: 'el_status'\nTraceback ..."),
    JobRecord("long_beach", None, "English learners", "ok", 8.0, "long_beach/all-schools/english_learners.html"),
]


def test_index_is_a_table_of_schools_by_questions_per_district(tmp_path):
    text = render_index(JOBS, tmp_path / "index.html", "March meeting pack", school_year=2025,
                        made="2025-03-13T16:00:00Z").read_text()
    soup = BeautifulSoup(text, "html.parser")
    assert find_external_references(text) == [] and "https://" not in text
    assert soup.h1.get_text() == "March meeting pack"
    assert [h.get_text() for h in soup.find_all("h2")] == ["Fresno Unified", "Long Beach Unified"]
    fresno = soup.find_all("table")[0]
    assert [th.get_text() for th in fresno.thead.find_all("th")] == ["School", "Math pathways", "English learners"]
    rows = {tr.th.get_text(): [td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in fresno.tbody.find_all("tr")}
    assert list(rows) == ["All schools", "Sample Oak"]
    assert rows["All schools"] == ["Open report : Math pathways, All schools OK 12.3 s", "Not in this pack"]
    assert rows["Sample Oak"] == ["Open report : Math pathways, Sample Oak Unchanged (not re-run) 0.0 s",
                                  "Failed 3.5 s KeyError: 'el_status'"]
    assert [a["href"] for a in soup.find_all("a")] == [job.report for job in JOBS if job.report]
    facts = {div.dt.get_text(): div.dd.get_text() for div in soup.select("dl.facts > div")}
    assert facts == {"School year": "2024-25", "Reports": "4", "OK": "2", "Failed": "1", "Unchanged (not re-run)": "1", "Made": "March 13, 2025, 9:00 AM PDT"}


def test_index_accepts_mappings_and_refuses_absolute_links(tmp_path):
    render_index([vars(JOBS[0])], tmp_path / "index.html", "Pack")
    with pytest.raises(ReportError, match="relative path"):
        render_index([{**vars(JOBS[0]), "report": "/srv/packs/a.html"}], tmp_path / "index.html", "Pack")
    with pytest.raises(ReportError, match="relative path"):
        render_index([{**vars(JOBS[0]), "report": "https://example.org/a.html"}], tmp_path / "index.html", "Pack")


def test_index_escapes_what_it_is_given(tmp_path):
    job = JobRecord("fresno", "<b>Oak</b>", "Q", "failed", None, None, "<script>alert(1)</script>")
    text = render_index([job], tmp_path / "index.html", "Pack").read_text()
    assert "<script>" not in text and "&lt;b&gt;Oak&lt;/b&gt;" in text
