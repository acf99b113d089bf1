"""A meeting pack on a district harmonised from the state's own score files (TOMS), read as a principal would.

The synthetic third district (``flp-inquiry sample --format toms``: three years of CAASPP and
Summative ELPAC files, each in its own layout) is harmonised with ``--mapping toms`` and every
question runs for the district and one school.  Its reports are checked as the sample pack's
are (no student id, no count under 11, no hidden count given away by another report, nothing
fetched, no empty table), and each measure its files have nothing for (attendance, math
courses, graduation outcomes) says so instead of failing or showing 0%.
"""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from flp_inquiry.ingest.harmonise import harmonise_district
from flp_inquiry.ingest.store import load_district
from flp_inquiry.ingest.toms.sample import write_toms_sample
from flp_inquiry.measures.privacy import find_derivable_counts, read_tables, scan_report
from flp_inquiry.packs.batch import run_pack
from flp_inquiry.packs.figures import find_external_references
from flp_inquiry.packs.pack import slugify
from tests.battery_report import STATE_FILES, checking
from tests.conftest import PROJECT
from tests.packs.test_browser import CHROMIUM, Chromium, opened

SCHOOL = "Sample Ridge Middle"
DISTRICT_NAME = "Sample Toms Valley Unified"
QUESTIONS = ("attendance", "college_career", "common_metrics", "english_learners", "mathematics", "root_cause_explorer")
#: What the top of every report says about the district's data (the state's files hold no more).
HELD = (f"{DISTRICT_NAME}'s data comes from the state's test score files (CAASPP and Summative ELPAC), so its "
        "students are those with a test record (the tested grades and English learners) and it has no attendance, "
        "math course records or graduation outcomes: what needs them is not shown.")
NO_ATTENDANCE = (f"{DISTRICT_NAME}'s data, from the state's test score files, holds no attendance (days enrolled "
                 "and absent): chronic absence cannot be shown.")

pytestmark = pytest.mark.xdist_group("toms_pack")


@pytest.fixture(scope="module")
def toms_pack(tmp_path_factory):
    folder = tmp_path_factory.mktemp("toms_pack")
    write_toms_sample(folder / "downloads" / "toms_valley", students=2400, seed=2008)
    harmonised = folder / "harmonised"
    harmonise_district("toms_valley", folder / "downloads" / "toms_valley", harmonised, mapping="toms")
    output = folder / "pack"
    summary = run_pack({
        "title": "State files pack", "school_year": 2025, "districts": ["toms_valley"], "questions": "all",
        "schools": {"toms_valley": ["all", SCHOOL]}, "output": str(output), "notebooks": str(PROJECT / "notebooks"),
        "data": str(harmonised), "timeout": 300}, workers=2, progress=False)
    assert summary.ok, summary.table()
    reports = sorted(p for p in output.rglob("*.html") if "_executed" not in p.parts and p.name != "index.html")
    assert [p.relative_to(output).as_posix() for p in reports] == [
        f"toms_valley/{question}/{slug}.html" for question in QUESTIONS for slug in ("district", slugify(SCHOOL))]
    return output, harmonised, reports


def text_of(output, question: str, school: str = "all") -> str:
    page = output / "toms_valley" / question / f"{'district' if school == 'all' else slugify(school)}.html"
    return BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").get_text(" ")


def test_no_report_shows_a_student_id_or_a_count_under_11(toms_pack):
    with checking("a pack on the state's files: no student id (SSID), no count under 11 in any report", "toms_valley",
                  STATE_FILES):
        output, harmonised, reports = toms_pack
        keys = load_district("toms_valley", harmonised, tables=["enrollment"]).enrollment["student_key"].unique().tolist()
        assert len(keys) > 2000
        for report in reports:
            assert scan_report(report, student_ids=keys) == [], report.name
        pages = {report.relative_to(output).as_posix(): report.read_text(encoding="utf-8") for report in reports}
        assert find_derivable_counts(pages) == []


def test_the_scan_would_see_an_ssid_planted_in_a_report(toms_pack, tmp_path):
    """The scan above could not fail if SSIDs went unseen: one planted without its leading zeros is caught."""
    output, harmonised, reports = toms_pack
    keys = load_district("toms_valley", harmonised, tables=["enrollment"]).enrollment["student_key"].unique().tolist()
    ssid = keys[0].split(":")[1]
    assert ssid.startswith("00") and len(ssid) == 10
    planted = tmp_path / "planted.html"
    planted.write_text(reports[0].read_text(encoding="utf-8").replace("</body>", f"<p>see {ssid.lstrip('0')}</p></body>"))
    assert [finding.kind for finding in scan_report(planted, student_ids=keys)] == ["student_id"]


def test_reports_are_self_contained_show_no_code_and_no_empty_table(toms_pack):
    _, _, reports = toms_pack
    for report in reports:
        html = report.read_text(encoding="utf-8")
        assert find_external_references(html) == [], report
        assert "flp_inquiry" not in html and "import " not in html, report
        soup = BeautifulSoup(html, "html.parser")
        assert [t for t in soup.find_all("table") if not t.find("td")] == [], report.name
        items = [item.get_text(" ", strip=True) for item in soup.find_all("li")]
        items = [item for item in items if not item.endswith("(see above).")]
        assert sorted({item for item in items if items.count(item) > 1}) == [], report.name


def test_every_report_says_what_the_districts_data_does_not_hold(toms_pack):
    with checking("a pack on the state's files: each report says what the data holds no records of", "toms_valley",
                  STATE_FILES):
        output, _, reports = toms_pack
        for report in reports:
            assert HELD in BeautifulSoup(report.read_text(encoding="utf-8"), "html.parser").get_text(" "), report.name
        for school in ("all", SCHOOL):
            attendance = text_of(output, "attendance", school)
            assert NO_ATTENDANCE in attendance and "No attendance in the data here either (see above)." in attendance
            assert f"{DISTRICT_NAME}'s data, from the state's test score files, holds no graduation outcomes: " \
                   "graduation and a-g completion cannot be shown." in text_of(output, "college_career", school)
            assert f"{DISTRICT_NAME}'s data, from the state's test score files, holds no math course records: " \
                   "Algebra 1 / Integrated 1 and math course marks cannot be shown." in text_of(output, "mathematics", school)
            assert NO_ATTENDANCE in text_of(output, "root_cause_explorer", school)
            # (not "Chronic absence is counted in grades K-8 only": the grades are there, the attendance is not)
            assert "cannot be compared by attendance here" not in text_of(output, "root_cause_explorer", school)
        attendance = BeautifulSoup((output / "toms_valley" / "attendance" / "district.html").read_text(), "html.parser")
        assert attendance.find("table") is None and not attendance.select("figure.chart")


def test_common_metrics_show_the_state_tests_and_say_which_indicators_the_data_lacks(toms_pack):
    output, _, _ = toms_pack
    html = (output / "toms_valley" / "common_metrics" / "district.html").read_text(encoding="utf-8")
    headings, rows = next(table for table in read_tables(html) if "Indicator" in table[0])
    rows = {row[0]: dict(zip(headings, row)) for row in rows}
    for indicator, lacking in (("Chronic absenteeism (grades K-8)", "attendance"),
                               ("Algebra 1 / Integrated 1 by grade 8 (C or better)", "math course records"),
                               ("Four-year graduation rate", "graduation outcomes"),
                               ("a-g completion (of graduates)", "graduation outcomes")):
        assert (rows[indicator]["Students"], rows[indicator]["2024-25"], rows[indicator]["Note"]) == (
            "", "", f"not in this district's data: no {lacking}")
    for indicator in ("ELA: percent met or exceeded", "Math: distance from standard, grades 3-8",
                      "English learner progress (ELPI)", "Reclassification rate"):
        assert int(rows[indicator]["Students"]) >= 11 and rows[indicator]["2024-25"] not in ("", "*")


def test_a_report_opens_offline_and_fetches_nothing(toms_pack):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run 'make browser' (Debian's chromium)")
    with checking("a pack on the state's files: a report opens offline in Chromium and fetches nothing", "toms_valley",
                  STATE_FILES):
        output, _, _ = toms_pack
        browser = Chromium(CHROMIUM)
        try:
            charts = opened(browser, output / "toms_valley" / "mathematics" / "district.html")
            assert charts and all(chart["kind"] == "svg" and chart["marks"] > 0 for chart in charts)
            assert browser.blocked == [] and all(url.startswith(("file:", "data:")) for url in browser.requested)
        finally:
            browser.close()
