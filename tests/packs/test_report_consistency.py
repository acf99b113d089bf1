"""Every report read as a careful principal would: true for that school, every hypothesis with a verdict.

Two packs: the sample pack (both districts, district-wide and two schools each) and a larger one
(a scale-0.1 synthetic sample, both districts, ``schools: all``).  Every report of both is read with
:mod:`tests.packs.report_checks`: no grade the school has no students in, no hypothesis without a
verdict, every stated change and difference the difference of its two figures, every figure in a
table or chart of the same report, no pointer to a table that is not there, no funnel of fewer than
five schools, no causal wording.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from flp_inquiry.ingest.harmonise import harmonise_district
from flp_inquiry.ingest.sample import write_sample
from flp_inquiry.ingest.store import load_district
from flp_inquiry.packs.batch import run_pack
from tests.conftest import PROJECT
from tests.packs.report_checks import fact, json_report, page, read_report

YEAR = 2025


def school_grades(harmonised: Path) -> dict[tuple[str, str], set[int]]:
    """Each school's grades (primary enrollments in the pack's year), from the harmonised data."""
    grades = {}
    for district in ("fresno", "long_beach"):
        enrollment = load_district(district, harmonised).enrollment
        enrollment = enrollment[(enrollment["school_year"] == YEAR) & enrollment["primary"].astype(bool)]
        for school, rows in enrollment.groupby("school_name"):
            grades[(district, school)] = {int(grade) for grade in rows["grade"].unique()}
    return grades


def problems_of(output: Path, harmonised: Path) -> dict[str, dict[str, list[str]]]:
    grades = school_grades(harmonised)
    found = {}
    reports = sorted(p for p in output.rglob("*.html") if "_executed" not in p.parts and p.name != "index.html")
    assert reports, f"no reports in {output}"
    for report in reports:
        relative = report.relative_to(output)
        school = fact(page(report), "School")
        scope = None if school == "All schools" else grades[(relative.parts[0], school)]
        problems = read_report(report, output / "_executed" / relative.with_suffix(".ipynb"), scope)
        if problems:
            found[str(relative)] = problems
    return found


@pytest.fixture(scope="module")
def larger_pack(tmp_path_factory):
    folder = tmp_path_factory.mktemp("larger")
    write_sample(folder / "exports", scale=0.1, seed=2008)
    harmonised = folder / "harmonised"
    for district in ("fresno", "long_beach"):
        harmonise_district(district, folder / "exports" / district, harmonised)
    summary = run_pack({
        "title": "Larger pack", "school_year": YEAR, "districts": ["fresno", "long_beach"], "questions": "all",
        "schools": "all", "output": str(folder / "pack"), "notebooks": str(PROJECT / "notebooks"),
        "data": str(harmonised), "timeout": 300,
    }, workers=2, progress=False)
    return folder / "pack", harmonised, summary


def test_every_report_of_the_sample_pack_holds_for_its_school(sample_pack):
    assert sample_pack.summary.ok
    problems = problems_of(sample_pack.output, sample_pack.harmonised)
    assert not problems, json_report(problems)


def test_every_report_of_a_larger_pack_of_every_school_holds_for_its_school(larger_pack):
    output, harmonised, summary = larger_pack
    failed = [result.job.key for result in summary.results if not result.ok]
    assert not failed, failed
    schools = {(result.job.district, result.job.school) for result in summary.results} - {("fresno", "all"), ("long_beach", "all")}
    assert len(schools) >= 15  # every school of both districts
    problems = problems_of(output, harmonised)
    assert not problems, json_report(problems)


def test_the_checks_can_fail(tmp_path):
    """Each check finds what it is there to find, in a page written to break it."""
    bad = tmp_path / "report.html"
    bad.write_text(
        '<dl class="facts"><div><dt>School</dt><dd>Sample Oak</dd></div></dl><div class="prose"><ul>'
        '<li>If absence drives results, scores fall.</li>'
        '<li>Math went from <span class="figure" data-kind="value" data-value="-124.5">-124.5 points</span> to '
        '<span class="figure" data-kind="value" data-value="-105.9">-105.9 points</span> (<span class="figure" '
        'data-kind="change" data-value="8.5" data-between="-124.5 -105.9">up 8.5 points</span>), see the table above.</li>'
        '<li>English learners in Grade 7 fell.</li></ul></div><table><tr><th>x</th></tr><tr><td>-124.5</td></tr></table>',
        encoding="utf-8")
    problems = read_report(bad, None, {3, 4, 5})
    assert set(problems) == {"verdicts", "arithmetic", "traceability", "pointers", "scope", "language"}, problems
