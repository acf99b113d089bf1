"""Mappings that name the state's score files: the built-in ``toms`` one, and a district's own that adds its exports."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from flp_inquiry.errors import InputDataError, MappingError
from flp_inquiry.ingest.harmonise import harmonise_district
from flp_inquiry.ingest.mapping import builtin_mapping_path, load_mapping
from flp_inquiry.ingest.store import load_district
from tests.toms_files import CAASPP_2025, NAME_A, SCHOOL_A, write_toms


def test_the_built_in_mapping_serves_any_district():
    mapping = load_mapping("toms")
    assert mapping.district is None
    assert [(s.name, s.kind) for s in mapping.sources.values()] == [("score_files", "toms")]
    assert {name: (t.kind, t.source, t.student_id) for name, t in mapping.tables.items()} == {
        "assessments": ("toms", "score_files", "SSID"), "enrollment": ("toms", "score_files", "SSID")}
    files = mapping.sources["score_files"].files
    assert files.fullmatch(CAASPP_2025) and files.fullmatch("scores_elpac_2025.txt") and files.fullmatch("x_CAASPP.dat")
    assert not files.fullmatch("attendance.csv")


def test_any_district_name_is_harmonised_with_it(tmp_path):
    write_toms(tmp_path / "in", CAASPP_2025, "caaspp", 2025, [{}])
    harmonise_district("sacramento_city", tmp_path / "in", tmp_path / "out", mapping="toms")
    assert load_district("sacramento_city", tmp_path / "out").assessments["student_key"].tolist() == [
        "sacramento_city:0000000001"]
    with pytest.raises(MappingError, match="should be a lower-case name"):
        harmonise_district("Sacramento City", tmp_path / "in", tmp_path / "out", mapping="toms")


def spoiled(tmp_path: Path, change) -> Path:
    document = yaml.safe_load(builtin_mapping_path("toms").read_text())
    change(document)
    path = tmp_path / "spoiled.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


ATTENDANCE = {"source": "attendance", "columns": {
    "school_year": {"column": "SchoolYear", "type": "integer", "min": 2000, "max": 2100},
    "student_key": {"column": "StudentID", "type": "key"},
    "days_enrolled": {"column": "DaysEnrolled", "type": "integer", "min": 0, "max": 366},
    "days_absent": {"column": "DaysAbsent", "type": "number", "min": 0, "max": 366}}}


@pytest.mark.parametrize("change, key, words", [
    (lambda d: d["tables"]["assessments"].update(columns={}), "tables.assessments.columns", "unknown key"),
    (lambda d: d["tables"].update(outcomes={"source": "score_files", "kind": "toms"}), "tables.outcomes.kind",
     "give only assessments and enrollment"),
    (lambda d: d["tables"]["assessments"].update(student_id="StudentNumber"), "tables.assessments.student_id",
     "not one of SSID, LocalStudentID"),
    (lambda d: d["sources"]["score_files"].update(encoding="cp1252"), "sources.score_files.encoding",
     "say their own"),
    (lambda d: d["sources"]["score_files"].update(kind="tomss"), "sources.score_files.kind", "not a kind of source"),
    (lambda d: d["tables"].update(math_courses={"source": "score_files", "columns": {}}), "tables.math_courses.source",
     "needs kind: toms"),
    (lambda d: d["tables"]["assessments"].update(attendance=ATTENDANCE), "tables.assessments.attendance",
     "only the enrollment table"),
    (lambda d: d["tables"]["enrollment"].update(attendance={**ATTENDANCE, "source": "score_files"}),
     "tables.enrollment.attendance.source", "not one of the district's export sources"),
])
def test_mapping_mistakes_about_the_state_files_name_the_key(tmp_path, change, key, words):
    with pytest.raises(MappingError) as caught:
        load_mapping(spoiled(tmp_path, change))
    line = next(line for line in str(caught.value).splitlines() if f"- {key}:" in line)
    assert words in line


def district_mapping(tmp_path: Path, **tables) -> Path:
    """A district's own mapping: its score files with LocalStudentID keys, its attendance and course exports."""
    document = {
        "district": "toms_valley", "encoding": "utf-8", "delimiter": ",",
        "codes": {"level": {"algebra": "algebra_1"}},
        "sources": {"score_files": {"files": ".*_CAASPP_.*", "kind": "toms"},
                    "attendance": {"files": r"attendance\.csv"}, "courses": {"files": r"courses\.csv"}},
        "tables": {
            "assessments": {"source": "score_files", "kind": "toms", "student_id": "LocalStudentID"},
            "enrollment": {"source": "score_files", "kind": "toms", "student_id": "LocalStudentID",
                           "attendance": ATTENDANCE},
            "math_courses": {"source": "courses", "columns": {
                "school_year": {"value": 2025}, "student_key": {"column": "StudentID", "type": "key"},
                "course_level": {"column": "Course", "codes": "level"}, "course_title": {"column": "Course", "type": "text"},
                "mark": {"column": "Mark", "codes": {"A": "A", "D": "D"}}}},
            **tables},
    }
    path = tmp_path / "my_district.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def exports(folder: Path, attendance: str, courses: str = "StudentID,Course,Mark\nT1,algebra,A\n") -> Path:
    write_toms(folder, CAASPP_2025, "caaspp", 2024 + 1, [
        {"local_student_id": "T1"}, {"ssid": "0000000002", "local_student_id": "T2"}])
    (folder / "attendance.csv").write_text(attendance)
    (folder / "courses.csv").write_text(courses)
    return folder


def test_a_district_adds_its_attendance_and_course_exports(tmp_path):
    source = exports(tmp_path / "in", "StudentID,SchoolYear,DaysEnrolled,DaysAbsent\nT1,2025,180,20\nT9,2025,170,3\n",
                     "StudentID,Course,Mark\nT1,algebra,A\nT8,algebra,D\n")
    harmonise_district("toms_valley", source, tmp_path / "out", mapping=district_mapping(tmp_path))
    data = load_district("toms_valley", tmp_path / "out")
    days = data.enrollment.set_index("student_key")[["days_enrolled", "days_absent"]].astype(object)
    assert days.where(days.notna(), None).to_dict("index") == {
        "toms_valley:T1": {"days_enrolled": 180, "days_absent": 20.0},
        "toms_valley:T2": {"days_enrolled": None, "days_absent": None}}
    assert data.math_courses["student_key"].tolist() == ["toms_valley:T1", "toms_valley:T8"]
    findings = json.loads((tmp_path / "out" / "toms_valley" / "manifest.json").read_text())["findings"]
    messages = [f["message"] for f in findings]
    assert ("attendance.csv: 1 row is of a student with no score-file record that year (no school, grade or "
            "group for them): not counted") in messages
    assert ("courses.csv: 1 row(s) of students with no score-file record that year (no school, grade or group for "
            "them): not counted") in messages


def test_bad_attendance_rows_are_named_at_the_export(tmp_path):
    source = exports(tmp_path / "in", "StudentID,SchoolYear,DaysEnrolled,DaysAbsent\nT1,2025,180,20\nT1,2025,170,3\n"
                                      "T2,2025,100,101\n")
    with pytest.raises(InputDataError) as caught:
        harmonise_district("toms_valley", source, tmp_path / "out", mapping=district_mapping(tmp_path))
    assert [(p.file, p.row, p.column, p.value) for p in caught.value.problems] == [
        ("attendance.csv", 2, "StudentID", "T1"), ("attendance.csv", 3, "StudentID", "T1"),
        ("attendance.csv", 4, "DaysAbsent", 101.0)]


def test_a_district_with_its_own_enrollment_export_and_the_states_results(tmp_path):
    """Assessments from the score files, enrollment from the district's export: keys join by LocalStudentID,
    and a score record of a student the export does not have is named at its TOMS row."""
    source = tmp_path / "in"
    write_toms(source, CAASPP_2025, "caaspp", 2025, [
        {"local_student_id": "T1"}, {"ssid": "0000000002", "local_student_id": "T2"}])
    (source / "students.csv").write_text(
        "StudentID,Year,School,Grade,Gender,Ethnicity,ELAS,SED,SWD,Days,Absent\n"
        f"T1,2025,{SCHOOL_A},5,F,HI,EO,Y,N,180,4\n")
    yes_no = {"Y": True, "N": False}
    document = {
        "district": "toms_valley", "encoding": "utf-8", "delimiter": ",",
        "sources": {"score_files": {"files": ".*_CAASPP_.*", "kind": "toms"}, "students": {"files": r"students\.csv"}},
        "tables": {
            "assessments": {"source": "score_files", "kind": "toms", "student_id": "LocalStudentID"},
            "enrollment": {"source": "students", "columns": {
                "school_year": {"column": "Year", "type": "integer"}, "student_key": {"column": "StudentID", "type": "key"},
                "school_cds": {"column": "School", "type": "text"}, "school_name": {"value": NAME_A},
                "grade": {"column": "Grade", "codes": {"5": 5}}, "gender": {"column": "Gender", "codes": {"F": "F"}},
                "ethnicity": {"column": "Ethnicity", "codes": {"HI": "HI"}},
                "el_status": {"column": "ELAS", "codes": {"EO": "EO"}}, "el_start_date": {"value": None},
                "rfep_date": {"value": None}, "sed": {"column": "SED", "codes": yes_no},
                "swd": {"column": "SWD", "codes": yes_no}, "days_enrolled": {"column": "Days", "type": "integer"},
                "days_absent": {"column": "Absent", "type": "number"}, "primary": {"value": True}}}},
    }
    mapping = tmp_path / "own.yaml"
    mapping.write_text(yaml.safe_dump(document, sort_keys=False))
    with pytest.raises(InputDataError) as caught:
        harmonise_district("toms_valley", source, tmp_path / "out", mapping=mapping)
    (problem,) = caught.value.problems
    assert (problem.file, problem.row, problem.column, problem.value) == (CAASPP_2025, 3, "LocalStudentID", "T2")
    assert "has no enrollment row in school year 2025" in problem.message
    (source / "students.csv").write_text((source / "students.csv").read_text() + f"T2,2025,{SCHOOL_A},5,F,HI,EO,N,N,170,30\n")
    harmonise_district("toms_valley", source, tmp_path / "out", mapping=mapping)
    data = load_district("toms_valley", tmp_path / "out")
    assert data.enrollment["days_enrolled"].tolist() == [180, 170]
    assert data.assessments["include_indicator"].tolist() == ["Y", "Y"]
