"""Reports on paper, and their tables for a screen reader.

A principal prints a report (Chromium's print to PDF, Letter, portrait): each headline table and
chart stays whole on one page, no heading is left at the foot of a page, a long table leaves no row
alone on a page, and every page after the first repeats a header with the school (or all schools),
the question and "Page 2 of 5".  Headless Chromium prints over the DevTools protocol
(``Page.printToPDF``, as :mod:`tests.packs.test_browser` drives it) and pypdf reads the text of each
page back.  The PDFs and screenshots go to ``build/screenshots/`` for people to look at.
"""
from __future__ import annotations

import base64
import io
import re
import unicodedata
from collections import Counter
from pathlib import Path

import nbformat
import pandas as pd
import pypdf
import pytest
from bs4 import BeautifulSoup

from flp_inquiry.ingest.sample import HARBOR, PENASCO
from flp_inquiry.inquiry import tables
from flp_inquiry.packs.pack import slugify
from flp_inquiry.packs.report import ReportHeader, render_report, running_header
from tests.packs.test_browser import CHROMIUM, SCREENSHOTS, Chromium

#: With pytest-xdist, the tests reading the session's sample pack share one worker, so the pack runs once.
pytestmark = pytest.mark.xdist_group("sample_pack")

#: Three reports printed: a school's common metrics (its headline table of every indicator), a district's
#: attendance (a chart, then tables) and a high school's mathematics.
PRINTED = [("fresno", "common_metrics", PENASCO), ("long_beach", "attendance", "all"), ("long_beach", "mathematics", HARBOR)]
PAGE_NUMBER = re.compile(r"Page (\d+) of (\d+)")


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run 'make browser' (Debian's chromium)")
    chromium = Chromium(CHROMIUM)
    yield chromium
    chromium.close()


def report_path(sample_pack, district: str, question: str, school: str) -> Path:
    return sample_pack.output / district / question / f"{'district' if school == 'all' else slugify(school)}.html"


def printed(browser: Chromium, page: Path, keep_as: str | None = None) -> list[str]:
    """The text of each page of ``page`` printed to PDF, as Chromium prints it for a reader (Letter, the page's CSS)."""
    browser.open(page.as_uri())
    result = browser.call("Page.printToPDF", session=True, timeout=120, preferCSSPageSize=True, printBackground=True)
    pdf = base64.b64decode(result["data"])
    if keep_as:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (SCREENSHOTS / keep_as).write_bytes(pdf)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert {(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages} == {(612.0, 792.0)}  # Letter, portrait
    return [_normal(p.extract_text()) for p in reader.pages]


def _normal(text: str) -> str:
    # (the PDF's ligatures and minus signs as the HTML writes them)
    return unicodedata.normalize("NFKC", text).replace("\u2212", "-")


def _words(text: str) -> Counter:
    """The words of ``text``, cut after each hyphen and slash too: a cell may wrap there ("2024-" above "25")."""
    return Counter(re.findall(r"[^\s/-]+[/-]?|[/-]", _normal(text)))


def pages_holding(pages: list[str], text: str) -> list[int]:
    """The (1-based) pages whose words include every word of ``text``, as many times as it has them."""
    wanted = _words(text)
    return [number for number, page in enumerate(pages, 1) if not wanted - _words(page)]


def first_table(html: str) -> tuple[str, list[str]]:
    """A report's first table: its caption, and each row's text (headings first)."""
    table = BeautifulSoup(html, "html.parser").find("table")
    rows = [" ".join(cell.get_text(" ", strip=True) for cell in tr.find_all(["th", "td"])) for tr in table.find_all("tr")]
    return table.caption.get_text(" ", strip=True), rows


def test_printed_reports_keep_their_first_table_and_every_chart_whole_and_repeat_a_header(browser, sample_pack):
    for number, (district, question, school) in enumerate(PRINTED):
        report = report_path(sample_pack, district, question, school)
        html = report.read_text(encoding="utf-8")
        name = report.relative_to(sample_pack.output).as_posix()
        pages = printed(browser, report, keep_as=f"print-{district}-{question}-{slugify(school)}.pdf" if number < 2 else None)
        assert len(pages) >= 2, f"{name}: one page only, no running header to check"

        # the first table: caption, headings and every row on one page, the same page
        soup = BeautifulSoup(html, "html.parser")
        caption, rows = first_table(html)
        on = pages_holding(pages, " ".join([caption, *rows]))
        assert on, f"{name}: the first table ({caption}) is split: its rows are on pages {[pages_holding(pages, r) for r in rows]}"

        # every chart: its title (drawn in the SVG) and its caption on one page
        for figure in soup.select("figure.chart"):
            title = " ".join(t.get_text() for t in figure.select("g.role-title-text text"))
            assert pages_holding(pages, f"{title} {figure.figcaption.get_text(' ', strip=True)}"), f"{name}: {title} split"

        # the running header: on every page after the first, with the page number; page 1 has only its number
        question_title = soup.h1.get_text(" ", strip=True)
        header = ReportHeader(district, question_title, 2025, "2025-01-01", school=None if school == "all" else school)
        place = _normal(running_header(header).split(" · ")[0])  # the school, or all schools and the district
        for page_number, page in enumerate(pages, 1):
            assert PAGE_NUMBER.search(page).groups() == (str(page_number), str(len(pages))), (name, page_number)
            top = " ".join(page.splitlines()[:3])  # (a long question wraps in the page's margin)
            if page_number > 1:
                assert top.startswith(f"{place} · ") and not _words(running_header(header)) - _words(top), (name, top)
            else:
                assert f"{place} · " not in top, (name, top)

        # no heading left alone at the foot of a page
        headings = {h.get_text(" ", strip=True) for h in soup.find_all(["h2", "h3", "h4"])}
        for page_number, page in enumerate(pages, 1):
            lines = [line for line in page.splitlines() if line.strip() and not PAGE_NUMBER.fullmatch(line.strip())]
            assert lines[-1].strip() not in headings, f"{name}: page {page_number} ends with the heading {lines[-1]!r}"


def long_table_report(folder: Path, paragraphs: int, rows: int = 70) -> Path:
    """A report with ``paragraphs`` of text, then a reader table of ``rows`` rows (longer than a page)."""
    table = pd.DataFrame({"school": [f"School {i:03d}" for i in range(rows)], "n": [40 + i for i in range(rows)],
                          "value": [30.0 + i % 9 for i in range(rows)]})
    reader = tables.reader_table(table, {"school": "School", "n": "Students", "value": "Percent met"},
                                 caption="Percent met by school")
    cells = [nbformat.v4.new_markdown_cell("## A long table\n\n" + "\n\n".join(
        f"Paragraph {i} of the introduction, one line long." for i in range(paragraphs)))]
    code = nbformat.v4.new_code_cell("table")
    code.outputs = [nbformat.v4.new_output("display_data", data={"text/html": reader.to_html(), "text/plain": "table"})]
    notebook = nbformat.v4.new_notebook(cells=[*cells, code])
    header = ReportHeader("fresno", "How long is a long table?", 2025, "2025-03-01T08:00:00+00:00", school="Sample Oak")
    return render_report(notebook, folder / f"long-{paragraphs}.html", header)


def rows_per_page(pages: list[str]) -> list[int]:
    return [count for count in (len(re.findall(r"School \d{3}", page)) for page in pages) if count]


def without_print_rules(report: Path, *rules: str) -> Path:
    """``report`` with some of its print rules taken out (to see the checks fail without them)."""
    html = report.read_text(encoding="utf-8")
    bare = html
    for rule in rules:
        bare = re.sub(rule, "", bare)
    assert bare != html, rules
    report.write_text(bare, encoding="utf-8")
    return report


def test_a_table_that_fits_on_a_page_is_never_split(browser, tmp_path):
    """Ten rows below text of every length (one line more each time): never split, and split without the rules."""
    caption_and_rows = None
    for paragraphs in range(30, 46):
        report = long_table_report(tmp_path, paragraphs, rows=10)
        caption, rows = first_table(report.read_text(encoding="utf-8"))
        caption_and_rows = " ".join([caption, *rows])
        assert pages_holding(printed(browser, report), caption_and_rows), f"{paragraphs} paragraphs above: split"
    for paragraphs in range(30, 46):
        report = without_print_rules(long_table_report(tmp_path, paragraphs, rows=10),
                                     r"table, figure\.chart, \.facts, tr \{ break-inside: avoid; \}")
        if not pages_holding(printed(browser, report), caption_and_rows):
            break  # the check sees a split table
    else:
        pytest.fail("no length of text split the table even without the rules: the check could not fail")


def test_a_long_table_leaves_no_row_alone_on_a_page(browser, tmp_path):
    """With text of every length above it (one line more each time), the table breaks at every place it can."""
    splits = {}
    for paragraphs in range(12, 44):
        report = long_table_report(tmp_path, paragraphs)
        splits[paragraphs] = rows_per_page(printed(browser, report))
        assert sum(splits[paragraphs]) == 70 and len(splits[paragraphs]) >= 2, splits[paragraphs]
        assert min(splits[paragraphs]) >= 2, f"{paragraphs} paragraphs above: a row alone on a page {splits[paragraphs]}"
    # the rules at work: without them, one of those lengths does leave a row alone (so the check above can fail)
    for paragraphs in splits:
        report = without_print_rules(long_table_report(tmp_path, paragraphs),
                                     r"tbody tr:(first|last)-child \{ break-(after|before): avoid; \}")
        if min(rows_per_page(printed(browser, report))) == 1:
            break
    else:
        pytest.fail(f"no length of text left a row alone even without the rules: {splits}")


def test_a_school_name_with_quotes_and_markup_prints_as_text_in_the_running_header(browser, tmp_path):
    school = 'Sample "Oak" \\ Elm\n</style><b>K-8</b>'
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "\n\n".join(f"## Part {i}\n\n" + "A sentence of the report. " * 30 for i in range(12)))])
    report = render_report(notebook, tmp_path / "hostile.html", ReportHeader(
        "fresno", "Who is chronically absent?", 2025, "2025-03-01T08:00:00+00:00", school=school))
    html = report.read_text(encoding="utf-8")
    style = BeautifulSoup(html, "html.parser").style.get_text()
    assert "</style><b>" not in html.split("</head>")[0] and "@top-left" in style
    pages = printed(browser, report)
    assert len(pages) >= 2
    expected = 'Sample "Oak" \\ Elm </style><b>K-8</b> · Who is chronically absent?'
    assert expected in pages[1].splitlines()[0], pages[1].splitlines()[0]


def test_every_table_of_every_report_has_a_caption_scoped_headings_and_a_unique_id(sample_pack):
    reports = sample_pack.reports()
    assert len(reports) == 24
    checked = 0
    for report in reports:
        soup = BeautifulSoup(report.read_text(encoding="utf-8"), "html.parser")
        ids = [table.get("id") for table in soup.find_all("table")]
        assert len(ids) == len(set(ids)) and None not in ids, (report.name, ids)
        for table in soup.find_all("table"):
            name = f"{report.relative_to(sample_pack.output).as_posix()}: {table.get('id')}"
            assert table.caption and table.caption.get_text(strip=True), name
            assert table.thead and all(th.get("scope") == "col" for th in table.thead.find_all("th")), name
            for row in table.tbody.find_all("tr"):
                cells = row.find_all(["th", "td"], recursive=False)
                assert cells[0].name == "th" and cells[0].get("scope") == "row", name
                assert all(cell.name == "td" for cell in cells[1:]), name
            checked += 1
    assert checked >= 24


def test_screenshots_of_two_reports_on_screen_and_as_printed(browser, sample_pack):
    for district, question, school in PRINTED[:2]:
        report = report_path(sample_pack, district, question, school)
        stem = f"{district}-{question}-{slugify(school)}"
        browser.open(report.as_uri())
        browser.screenshot(SCREENSHOTS / f"screen-{stem}.png")
        # the page as the printer lays it out (print styles, the printable width of Letter paper)
        browser.call("Emulation.setEmulatedMedia", session=True, media="print")
        browser.call("Emulation.setDeviceMetricsOverride", session=True, width=710, height=900, deviceScaleFactor=1,
                     mobile=False)
        try:
            browser.screenshot(SCREENSHOTS / f"print-{stem}.png")
        finally:
            browser.call("Emulation.setEmulatedMedia", session=True, media="")
            browser.call("Emulation.setDeviceMetricsOverride", session=True, width=1100, height=900,
                         deviceScaleFactor=1, mobile=False)
        for shot in (f"screen-{stem}.png", f"print-{stem}.png"):
            assert (SCREENSHOTS / shot).stat().st_size > 20_000, shot
