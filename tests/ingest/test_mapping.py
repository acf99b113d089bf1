"""load_mapping: the shipped mappings load, and mistakes in a mapping name the file and the key."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from flp_inquiry.errors import MappingError
from flp_inquiry.ingest.mapping import builtin_mapping_path, load_mapping
from flp_inquiry.ingest.schema import COURSE_LEVELS, EL_STATUSES, ETHNICITIES, GRADES


@pytest.mark.parametrize("district", ["fresno", "long_beach"])
def test_shipped_mappings_load_and_map_onto_canonical_codes(district: str):
    mapping = load_mapping(district)
    assert mapping.district == district and len(mapping.sha256) == 64
    assert set(mapping.code_list("grade").values()) == set(GRADES)
    assert set(mapping.code_list("ethnicity").values()) == set(ETHNICITIES)
    assert set(mapping.code_list("el_status").values()) == set(EL_STATUSES)
    assert set(mapping.code_list("course_level").values()) == set(COURSE_LEVELS)


@pytest.mark.parametrize("district, title, level", [
    ("fresno", "MATH 6", "grade_level"), ("fresno", "ALG 1 HON", "algebra_1"),
    ("fresno", "GEOMETRY", "geometry"), ("fresno", "ALGEBRA 2", "algebra_2"),
    ("fresno", "STATISTICS", "beyond"), ("long_beach", "Integrated Math I Honors", "algebra_1"),
    ("long_beach", "Algebra I", "algebra_1"), ("long_beach", "Integrated Math II", "geometry"),
    ("long_beach", "Integrated Math III", "algebra_2"), ("long_beach", "AP Calculus AB", "beyond"),
])
def test_course_titles_map_to_levels(district: str, title: str, level: str):
    assert load_mapping(district).code_list("course_level")[title] == level


def test_long_beach_not_tested_is_a_known_code_with_no_level():
    levels = load_mapping("long_beach").code_list("performance_level")
    assert levels["Not Tested"] is None and levels["Standard Met"] == 3 and levels["Minimally Developed"] == 1


def test_fresno_year_comes_from_the_file_name():
    source = load_mapping("fresno").sources["enrollment"]
    match = source.files.fullmatch("enrollment_2023-24.csv")
    assert int(match["year"]) + source.year_offset == 2024
    assert source.files.fullmatch("enrollment_2023-24.csv.bak") is None


def test_source_columns_are_the_columns_read():
    columns = load_mapping("fresno").source_columns("assessments")
    assert columns == ["ELA_PL", "ELA_SS", "ELPAC_PL", "ELPAC_SS", "GradeTested", "MATH_PL", "MATH_SS",
                       "StudentID"]
    assert load_mapping("long_beach").source_columns("sites") == ["cds_code", "site_id", "site_name"]


def spoiled(tmp_path: Path, change) -> Path:
    document = yaml.safe_load(builtin_mapping_path("fresno").read_text())
    change(document)
    path = tmp_path / "spoiled.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


@pytest.mark.parametrize("change, key, words", [
    (lambda d: d.update(encodng="utf-8"), "encodng", "unknown key"),
    (lambda d: d.pop("delimiter"), "delimiter", "missing required key"),
    (lambda d: d["tables"]["enrollment"]["columns"]["grade"].update(code="grade"), "tables.enrollment.columns.grade.code", "unknown key"),
    (lambda d: d["tables"]["enrollment"]["columns"].pop("sed"), "tables.enrollment.columns.sed", "missing"),
    (lambda d: d["tables"]["outcomes"]["columns"].update(notes={"column": "Notes", "type": "text"}), "tables.outcomes.columns.notes", "not a column"),
    (lambda d: d["codes"]["grade"].update({1: 1}), "codes.grade.1", "quoted"),
    (lambda d: d["tables"]["enrollment"]["columns"]["gender"].update(codes="sexes"), "tables.enrollment.columns.gender.codes", "not one of the code lists"),
    (lambda d: d["tables"]["enrollment"].update(kind="pivot"), "tables.enrollment.kind", "not a reader kind"),
    (lambda d: d["sources"]["outcomes"].update(files="outcomes_(?P<year>"), "sources.outcomes.files", "regular expression"),
    (lambda d: d["tables"]["enrollment"]["columns"]["el_start_date"].pop("format"), "tables.enrollment.columns.el_start_date.format", "format"),
    (lambda d: d["tables"].update(pupils={}), "tables.pupils", "unknown key"),
    (lambda d: d["sources"]["outcomes"].update(files=r"outcomes\.csv", year_offset=0), "tables.outcomes.columns.cohort_year.file_year", "no (?P<year>...) group"),
])
def test_mapping_mistakes_name_the_file_and_key(tmp_path: Path, change, key: str, words: str):
    path = spoiled(tmp_path, change)
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    message = str(caught.value)
    assert str(path) in message
    line = next(line for line in message.splitlines() if f"- {key}:" in line)
    assert words in line


def test_every_mistake_is_listed_at_once(tmp_path: Path):
    def two_mistakes(document):
        document["encodng"] = "x"
        document["tables"]["enrollment"]["columns"].pop("swd")
    with pytest.raises(MappingError, match=r"2 mistake\(s\)"):
        load_mapping(spoiled(tmp_path, two_mistakes))


def test_unknown_district_and_bad_yaml(tmp_path: Path):
    with pytest.raises(MappingError, match="no mapping for district 'sacramento'"):
        load_mapping("sacramento")
    path = tmp_path / "broken.yaml"
    path.write_text("district: [unclosed\n")
    with pytest.raises(MappingError, match="not valid YAML"):
        load_mapping(path)
