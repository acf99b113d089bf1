"""Small and odd schools in a `schools: all` pack, over data whose parent folder nobody may write to.

A synthetic district in Fresno's export format (written here, every value by rule, no randomness):

| school | grades | students per grade | what is odd |
|---|---|---|---|
| Sample Tiny Elementary | 3-5 | 2 (1 English learner) | fewer than 11 students in every group |
| Sample English-Only Middle | 6-8 | 14 (2 of 3 English-only, 1 of 3 IFEP) | no English learners |
| Sample Primary Academy | K-2 | 7 (4 English learners) | no state tests (grades 3-8 and 11) |
| Sample Tiny High | 9-12 | 2 (1 English learner) | 2 grade 11 students, 2 graduating |

The pack runs every question for the district and every school.  The harmonised data sits in a
folder whose parent is read-only, with a *file* named ``extracts`` beside the data (so nothing
can be written there, even by root); Long Beach's sample is harmonised beside Fresno's, so the
common metrics set its figures beside Fresno's from an extract the run writes under its output.
"""
from __future__ import annotations

import csv
import html
import os
import re
import stat
from pathlib import Path

import pytest

from flp_inquiry.ingest import catalog
from flp_inquiry.ingest.harmonise import harmonise_district
from flp_inquiry.packs.batch import EXTRACTS_CACHE, run_pack
from flp_inquiry.packs.pack import school_slugs
from tests.battery_report import records
from tests.conftest import PROJECT, SAMPLE

ENROLLMENT_HEADER = ["StudentID", "SchoolCode", "SchoolName", "Grade", "Gender", "Ethnicity", "ELAS", "ELStartDate",
                     "RFEPDate", "SED", "SWD", "DaysEnrolled", "DaysAbsent", "PrimaryEnrollment", "MathCourse", "MathMark"]
ASSESSMENT_HEADER = ["StudentID", "GradeTested", "ELA_SS", "ELA_PL", "MATH_SS", "MATH_PL", "ELPAC_SS", "ELPAC_PL"]
TINY, ENGLISH_ONLY, PRIMARY, TINY_HIGH = ("Sample Tiny Elementary", "Sample English-Only Middle",
                                          "Sample Primary Academy", "Sample Tiny High")
#: (school code, name, grades, students per grade)
SCHOOLS = [("0990001", TINY, (3, 4, 5), 2), ("0990002", ENGLISH_ONLY, (6, 7, 8), 14),
           ("0990003", PRIMARY, (0, 1, 2), 7), ("0990004", TINY_HIGH, (9, 10, 11, 12), 2)]
YEARS = (2024, 2025)
TESTED = (3, 4, 5, 6, 7, 8, 11)


def _grade_code(grade: int) -> str:
    return "KN" if grade == 0 else f"{grade:02d}"


def _level(score: int) -> str:
    return "1" if score < 2450 else "2" if score < 2500 else "3" if score < 2560 else "4"


def write_odd_export(folder: Path) -> None:
    """The district of the module notes, in Fresno's export format (cp1252, CRLF, one file per kind and year)."""
    folder.mkdir(parents=True)
    for year in YEARS:
        enrollment, tests, outcomes = [], [], []
        for number, (code, name, grades, per_grade) in enumerate(SCHOOLS, start=1):
            for grade in grades:
                for i in range(per_grade):
                    # the same student each year: the school, the year they were in kindergarten, a number
                    student = f"{number:03d}{year - grade:04d}{i:02d}"
                    el = ("EO" if i % 3 else "IFEP") if name == ENGLISH_ONLY else ("EL" if i % 2 == 0 else "EO")
                    course, mark = "", ""
                    if 6 <= grade <= 8:
                        course, mark = ("ALGEBRA 1" if grade == 8 and i % 5 == 0 else f"MATH {grade}"), "ABCDF"[i % 5]
                    elif grade >= 9:
                        course, mark = ("ALGEBRA 1", "GEOMETRY", "ALGEBRA 2", "ALGEBRA 2")[grade - 9], "ABCDF"[i % 5]
                    enrollment.append([student, code, name, _grade_code(grade), "F" if i % 2 else "M",
                                       ("HI", "WH", "AS", "AA")[i % 4], el,
                                       f"08/15/{year - grade - 1}" if el == "EL" else "", "",
                                       "Y" if i % 3 else "N", "Y" if i == 1 else "N", 180,
                                       20 if i % 4 == 0 else 2, "Y", course, mark])
                    elpac = ["1500", "3"] if el == "EL" else ["", ""]
                    if grade in TESTED:
                        ela = 2380 + 10 * grade + 15 * i + 5 * (year - YEARS[0])
                        math = 2390 + 10 * grade + 12 * i - 5 * (year - YEARS[0])
                        tests.append([student, _grade_code(grade), ela, _level(ela), math, _level(math), *elpac])
                    elif el == "EL":
                        tests.append([student, _grade_code(grade), "", "", "", "", *elpac])
                    if grade == 12:
                        outcomes.append([student, "GRAD" if i % 2 == 0 else "CONT", "Y" if i == 0 else "N"])
        label = f"{year - 1}-{str(year)[2:]}"
        for kind, header, rows in (("enrollment", ENROLLMENT_HEADER, enrollment),
                                   ("assessments", ASSESSMENT_HEADER, tests),
                                   ("outcomes", ["StudentID", "Outcome", "AGMet"], outcomes)):
            with open(folder / f"{kind}_{label}.csv", "w", newline="", encoding="cp1252") as handle:
                writer = csv.writer(handle, lineterminator="\r\n")
                writer.writerow(header)
                writer.writerows(rows)


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every path under ``folder`` with its kind, size and modified time."""
    return {path.relative_to(folder).as_posix(): (path.is_dir(), path.stat().st_size, path.stat().st_mtime_ns)
            for path in [folder, *folder.rglob("*")]}


def text_of(report: Path) -> str:
    """A report's words as a reader sees them (tags gone, entities read, spaces joined)."""
    page = report.read_text(encoding="utf-8")
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


class OddRun:
    def __init__(self, parent: Path, data: Path, output: Path, before: dict, after: dict, summary):
        self.parent, self.data, self.output, self.before, self.after, self.summary = (
            parent, data, output, before, after, summary)

    def report(self, question: str, school: str) -> str:
        slug = self.slugs[school]
        return text_of(self.output / "fresno" / question / f"{slug}.html")

    @property
    def slugs(self) -> dict[str, str]:
        return school_slugs(["all", *(name for _, name in catalog.schools("fresno", self.data))])


@pytest.fixture(scope="module")
def odd_run(tmp_path_factory) -> OddRun:
    root = tmp_path_factory.mktemp("odd")
    parent, data = root / "shared-drive", root / "shared-drive" / "harmonised"
    write_odd_export(root / "export")
    harmonise_district("fresno", root / "export", data)
    harmonise_district("long_beach", SAMPLE / "long_beach", data)
    (parent / "extracts").write_text("a file where extracts would go: nothing can be written here\n")
    before = snapshot(parent)
    parent.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP)  # read-only, for a user who is not root
    try:
        summary = run_pack({"title": "Odd schools", "school_year": 2025, "districts": ["fresno"], "questions": "all",
                            "schools": "all", "output": str(root / "out"), "notebooks": str(PROJECT / "notebooks"),
                            "data": str(data), "timeout": 300}, workers=2, progress=False)
        after = snapshot(parent)
    finally:
        parent.chmod(stat.S_IRWXU)
    return OddRun(parent, data, root / "out", before, after, summary)


QUESTIONS = sorted(path.stem for path in (PROJECT / "notebooks").glob("*.ipynb") if not path.name.startswith("_"))
SCHOOL_NAMES = [name for _, name, _, _ in SCHOOLS]


@records("small and odd schools (no English learners, under 11 in every group, no tested grade): "
         "schools: all gives every school every report")
def test_every_school_gets_every_report(odd_run):
    assert odd_run.summary.ok, odd_run.summary.table()
    assert sorted(name for _, name in catalog.schools("fresno", odd_run.data)) == sorted(SCHOOL_NAMES)
    for question in QUESTIONS:
        for school in ["all", *SCHOOL_NAMES]:
            assert (odd_run.output / "fresno" / question / f"{odd_run.slugs[school]}.html").is_file(), (question, school)
    assert len(odd_run.summary.results) == len(QUESTIONS) * (1 + len(SCHOOL_NAMES))


@records("the root-cause explorer at a school without the pattern's group (no English learners) or measure "
         "(no tested grade): takes apart one the school has, and says so")
def test_a_school_without_english_learners_takes_apart_a_group_it_has(odd_run):
    """14 students a grade, 2 of 3 English-only (i = 1, 2, 4, 5, ...: 9 a grade) and the rest IFEP (5 a grade):
    English-only students are the largest group; the asked Grade 7 is one of the school's."""
    report = odd_run.report("root_cause_explorer", ENGLISH_ONLY)
    assert (f"{ENGLISH_ONLY} has no English learners with math scores in 2024-25; this report takes apart "
            "English-only students instead, the largest group by English language status among its students "
            "with math scores.") in report
    assert "Math distance from standard of English-only students in Grade 7" in report


def test_a_school_without_tested_grades_takes_apart_chronic_absence(odd_run):
    report = odd_run.report("root_cause_explorer", PRIMARY)
    assert (f"{PRIMARY} has no students with math scores in 2024-25; this report takes apart the chronic "
            "absence rate instead.") in report
    # a school without grade 7 reads nothing about grade 7: the grade taken apart is one of its own
    assert "This report takes apart English learners in " in report and f"({PRIMARY} has grades K-2)" in report
    assert "Grade 7" not in report


def test_a_tiny_school_says_its_groups_are_too_small(odd_run):
    """Two students a grade: every group has fewer than 11, and each report says so instead of showing it."""
    explorer = odd_run.report("root_cause_explorer", TINY)
    assert f"({TINY} has grades 3-5)" in explorer and "Grade 7" not in explorer
    assert "cannot be compared with other students in Grade" in explorer and "too few students" in explorer
    english_learners = odd_run.report("english_learners", TINY)
    assert "has fewer than 11 students, so it is not shown" in english_learners
    for question in QUESTIONS:
        words = odd_run.report(question, TINY).lower()
        assert "fewer than 11" in words or "too few students" in words, question


def test_a_tiny_high_school_takes_apart_its_one_tested_grade(odd_run):
    report = odd_run.report("root_cause_explorer", TINY_HIGH)
    assert (f"This report takes apart English learners in Grade 11 ({TINY_HIGH} has grades 9-12), the only grade "
            "where it has English learners with math scores.") in report


@records("a data folder whose parent is read-only: reports made, nothing written beside the data "
         "(the partner's extract is written under the pack's output)")
def test_nothing_is_written_beside_the_data(odd_run):
    assert odd_run.summary.ok, odd_run.summary.table()
    assert odd_run.after == odd_run.before
    cached = odd_run.output / EXTRACTS_CACHE
    assert sorted(path.name for path in cached.iterdir()) == ["long_beach_2025.csv", "long_beach_2025.manifest.json"]
    report = odd_run.report("common_metrics", "all")
    assert ("The partner district's figures: Long Beach Unified's aggregate extract (extracts/long_beach_2025.csv: "
            "aggregates only, small groups hidden).") in report
    assert os.access(odd_run.parent, os.W_OK)  # (put back for the temporary folder's clean-up)
