"""Hostile school names: text from an export is only ever text, in every report and the index.

A district's export is data from another system.  Here Long Beach's seven sites are renamed with
markup (``<img onerror>``, ``<svg onload>``, closing table tags, ``<script>``), Markdown
(emphasis, a ``javascript:`` link), a bare URL with ``src=``, a spreadsheet formula, path
characters and ``..``, quotes, a reserved word (``all``) and a name two schools share.  The pack
runs every question for the district and every school; headless Chromium opens every report and
the index, offline, and the DOM must hold no element, attribute, link or script from the data, no
dialog may open (an injected ``alert``), and each name must be shown exactly as written.
"""
from __future__ import annotations

import csv
import json

import pytest

from flp_inquiry.ingest.harmonise import harmonise_district
from flp_inquiry.ingest.sample import write_sample
from flp_inquiry.packs.batch import run_pack
from tests.battery_report import NAMES_IN_REPORTS, checking
from tests.conftest import PROJECT
from tests.packs.test_browser import CHROMIUM, SCREENSHOTS, Chromium, require_chromium

TWIN = "Twin Middle"
LONG_TAIL = " of the Long Beach Unified School District's Harbor Area Learning Community" * 3
HOSTILE = {  # site_type: names, in sites.csv order within each type
    "ES": ['<img src=x onerror=alert(1)> Elementary',
           'Tidewater</td></tr></table><svg onload=alert(2)></svg><script>alert(3)</script>'],
    "K8": ['[Click](javascript:alert(4)) **Bold** _Marina_ http://evil.example/x.png?src=y'],
    "MS": [TWIN, TWIN],
    "HS": ['all', '=HYPERLINK("http://evil.example") ../../etc/passwd O\'Brien "Prep" / Academy' + LONG_TAIL],
}

# Everything a report or the index may hold that could fetch or run something, or that only data
# could have put there: found through the DOM, after Chromium parsed the page.
ACTIVE_CONTENT = """
JSON.stringify({
  forbidden: Array.from(document.querySelectorAll(
      'script, iframe, frame, object, embed, img, image, link, base, form, meta[http-equiv], foreignObject'))
      .map(e => e.outerHTML.slice(0, 120)),
  handlers: Array.from(document.querySelectorAll('*')).flatMap(e => Array.from(e.attributes)
      .filter(a => a.name.toLowerCase().startsWith('on')).map(a => e.tagName + ' ' + a.name)),
  links: Array.from(document.querySelectorAll('a')).map(a => a.getAttribute('href')),
  stray_svg: Array.from(document.querySelectorAll('svg')).filter(s => !s.closest('figure.chart')).length,
  // what a name's own Markdown would have made: <strong>Bold</strong>, <em>Marina</em> (the report's own
  // bold scope line holds the whole name, asterisks and all)
  emphasis_with_data: Array.from(document.querySelectorAll('em, strong, code'))
      .map(e => e.textContent).filter(t => /Bold|Marina/.test(t) && !t.includes('**Bold** _Marina_')),
  text: document.body.innerText,
  school: (Array.from(document.querySelectorAll('.facts div'))
      .find(d => d.querySelector('dt').textContent === 'School') || {querySelector: () => ({textContent: ''})})
      .querySelector('dd').textContent,
})
"""


def hostile_export(folder):
    """The synthetic Long Beach export with its sites renamed: returns the names, by CDS code."""
    write_sample(folder, scale=0.02, seed=2008)
    sites = folder / "long_beach" / "sites.csv"
    with sites.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    left = {kind: list(names) for kind, names in HOSTILE.items()}
    for row in rows:
        row["site_name"] = left[row["site_type"]].pop(0)
    assert not any(left.values()), f"the sample has fewer sites of a kind than HOSTILE names: {left}"
    with sites.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return {row["cds_code"]: row["site_name"] for row in rows}


@pytest.fixture(scope="module")
def hostile_pack(tmp_path_factory):
    require_chromium()
    folder = tmp_path_factory.mktemp("hostile")
    names = hostile_export(folder / "exports")
    harmonised = folder / "harmonised"
    harmonise_district("long_beach", folder / "exports" / "long_beach", harmonised)
    summary = run_pack({
        "title": "Hostile <b>names</b> pack", "school_year": 2025, "districts": ["long_beach"], "questions": "all",
        "schools": "all", "output": str(folder / "pack"), "notebooks": str(PROJECT / "notebooks"),
        "data": str(harmonised), "timeout": 300,
    }, workers=2, progress=False)
    return folder / "pack", names, summary


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    chromium = Chromium(CHROMIUM)
    yield chromium
    chromium.close()


def read_page(browser: Chromium, page) -> dict:
    browser.requested.clear()
    browser.blocked.clear()
    browser.open(page.as_uri())
    found = json.loads(browser.evaluate(ACTIVE_CONTENT))
    found["dialogs"] = [e for e in browser.events if e["method"] == "Page.javascriptDialogOpening"]
    found["blocked"] = list(browser.blocked)
    return found


CASES = {
    "markup": "markup in a name (<img onerror>, <svg onload>, closing table tags, <script>): shown as text, nothing runs",
    "markdown": "Markdown in a name (**bold**, _em_, [x](javascript:...)): shown as written, no emphasis, no link",
    "url": "a bare URL and src= in a name: no link, no fetch, the report's own checks not tripped",
    "paths": "quotes, a formula, path characters and .. in a name: a safe file name, the name shown as written",
    "twins": "two schools with one name: two reports, the name disambiguated by its school code",
    "reserved": "a school named all: its own reports, not the district's",
    "long": "a name of 300 characters: a bounded file name",
}


def case(key: str):
    return checking(CASES[key], "long_beach", NAMES_IN_REPORTS)


def test_every_school_gets_every_report(hostile_pack):
    output, names, summary = hostile_pack
    with case("paths"), case("long"), case("reserved"), case("twins"):
        failed = [(result.job.key, result.error.strip().splitlines()[-1:]) for result in summary.results
                  if not result.ok]
        assert not failed, failed
        reports = [p for p in output.rglob("*.html") if "_executed" not in p.parts and p.name != "index.html"]
        assert all(output in report.parents and len(report.name) <= 100 for report in reports)
    with case("twins"), case("reserved"):
        # the two schools named alike are two schools, and the one called "all" is not the district
        schools = {result.job.school for result in summary.results} - {"all"}
        assert len(schools) == len(names) == 7
        assert len(reports) == 6 * (len(names) + 1)


def test_no_report_holds_markup_links_or_script_from_the_data(hostile_pack, browser):
    output, names, _ = hostile_pack
    reports = sorted(p for p in output.rglob("*.html") if "_executed" not in p.parts and p.name != "index.html")
    shown_schools = set()
    for number, report in enumerate(reports):
        page = read_page(browser, report)
        where = report.relative_to(output)
        with case("markup"):
            assert page["forbidden"] == [] and page["handlers"] == [], (where, page["forbidden"], page["handlers"])
            assert page["stray_svg"] == 0 and page["dialogs"] == [], where
        with case("markdown"), case("url"):
            # the only links are a sentence's pointers to a table of the same page (#table-...), never one from data
            stray = [link for link in page["links"] if not (link or "").startswith("#table-")]
            assert stray == [] and page["emphasis_with_data"] == [], (where, page["links"])
        with case("url"):
            assert page["blocked"] == [], where
        shown_schools.add(page["school"])
        if number == 0:
            browser.screenshot(SCREENSHOTS / "hostile-names-report.png")
    # each name is shown as written: exactly, or (the twins) with its school code after it
    for cds, name in names.items():
        if name == TWIN:
            with case("twins"):
                assert f"{TWIN} (school {cds[-7:]})" in shown_schools, shown_schools
        elif name == "all":  # the reserved word: the school's name with its code, never the district
            with case("reserved"):
                assert f"all (school {cds[-7:]})" in shown_schools, shown_schools
        else:
            with case("markup"), case("markdown"), case("paths"):
                assert name in shown_schools, (name, shown_schools)


def test_a_report_shows_its_school_name_verbatim_in_its_sentences(hostile_pack, browser):
    output, names, _ = hostile_pack
    name = next(name for name in names.values() if name.startswith("[Click]"))
    pages = [read_page(browser, report) for report in (output / "long_beach" / "attendance").glob("*.html")]
    page = next(page for page in pages if page["school"] == name)
    with case("markdown"):
        # in the sentences too (the scope line, "... at <school>"), not only in the header
        assert page["text"].count(name) >= 2, "the sentences name the school exactly as the export spells it"


def test_the_index_shows_every_name_as_text(hostile_pack, browser):
    output, names, _ = hostile_pack
    page = read_page(browser, output / "index.html")
    assert page["forbidden"] == [] and page["handlers"] == [] and page["dialogs"] == [] and page["blocked"] == []
    assert page["links"] and all(not link.startswith(("javascript:", "data:", "/", "http")) for link in page["links"])
    assert all((output / link).resolve().is_file() and output in (output / link).resolve().parents
               for link in page["links"])
    for name in set(names.values()) - {TWIN, "all"}:
        assert name in page["text"], name
    assert "Hostile <b>names</b> pack" in page["text"]
    browser.screenshot(SCREENSHOTS / "hostile-names-index.png")
