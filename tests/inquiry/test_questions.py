"""Notebook parameters: what a notebook declares, and which values may reach it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from papermill.translators import PythonTranslator

from flp_inquiry.errors import FlpInquiryError, ParameterError
from flp_inquiry.inquiry.questions import (
    allowed_values,
    check_parameters,
    check_value,
    notebook_parameters,
    question_title,
)
from tests.conftest import FIXTURES

NOTEBOOKS = FIXTURES / "pack_notebooks"
ECHO = NOTEBOOKS / "echo.ipynb"
ALLOWED = {"district": ["fresno", "long_beach"], "school_year": [2024, 2025],
           "school": ["all", "Lincoln Elementary", 'O\'Brien "Elementary"']}
INJECTION = 'O\'Brien "Elementary"\\"; raise SystemExit("injected") #'


def test_declared_parameters_with_types_defaults_and_help():
    declared = notebook_parameters(ECHO)
    assert list(declared) == ["district", "school_year", "school", "data_dir"]
    assert declared["school_year"].type_name == "int"
    assert declared["school_year"].default == "2025"
    assert declared["district"].help == "fresno or long_beach"


def test_good_values_come_back_unchanged():
    values = {"district": "long_beach", "school_year": 2024, "school": 'O\'Brien "Elementary"'}
    assert check_parameters(ECHO, values, ALLOWED) == values


@pytest.mark.parametrize("name, value, message", [
    ("schol", "all", "echo.ipynb has no such parameter (its parameters: district, school_year, school, data_dir)"),
    ("district", "fresnoo", "Allowed values: fresno, long_beach"),
    ("school", "Lincoln", "Allowed values: all, Lincoln Elementary, O'Brien \"Elementary\""),
    ("school_year", 2023, "Allowed values: 2024, 2025"),
    ("school_year", "2025", "declares it as int, not str"),
    ("school_year", True, "declares it as int, not bool"),
    ("school", 7, "declares it as str, not int"),
    ("data_dir", "build/../../etc", "'..' path step"),
    ("data_dir", "..", "'..' path step"),
    ("data_dir", "build\\..\\secrets", "'..' path step"),
    ("school", "Lincoln\nimport os", "Allowed values: all, Lincoln Elementary"),  # not a school of the district
    ("data_dir", "build\nimport os", "control character"),
    ("data_dir", Path("build"), "PosixPath is not plain data"),
])
def test_refused_values_name_the_problem(name, value, message):
    with pytest.raises(ParameterError) as refused:
        check_parameters(ECHO, {name: value}, ALLOWED)
    assert message in str(refused.value)
    assert refused.value.name == name


@pytest.mark.parametrize("school", ["Lincoln\tAnnex\x1b[31m", "Grades K/../8", "all the way", "x" * 300])
def test_a_school_of_the_district_is_checked_against_its_list_not_its_characters(school):
    """A name from the district's data is the data's own: it is held against the district's list alone."""
    allowed = {**ALLOWED, "school": [*ALLOWED["school"], school]}
    assert check_parameters(ECHO, {"school": school}, allowed) == {"school": school}


@pytest.mark.parametrize("value", ["K..8 Academy", "St. Mary's", "/srv/data/harmonised", 3.5, None, ["a", {"b": 1}]])
def test_plain_values_are_accepted(value):
    check_value("anything", value)


@pytest.mark.parametrize("value", ["..", "a/../b", ["ok", "../x"], {"k": "../x"}, {1: "x"}, object()])
def test_unsafe_values_are_refused_even_inside_lists(value):
    with pytest.raises(ParameterError):
        check_value("anything", value)


@pytest.mark.parametrize("school", ['O\'Brien "Elementary"', INJECTION, "back\\slash\\", "Ünïcode Ñame",
                                    "Lincoln\nimport os", "tab\tand\x00nul", "Grades K/../8"])
def test_papermill_writes_a_school_name_as_a_string_literal(school):
    # The cell papermill injects, run on its own: the name must come back as the same text, and nothing else run.
    cell = PythonTranslator.codify({"school": school})
    namespace: dict = {}
    exec(compile(cell, "<parameters>", "exec"), {"__builtins__": {}}, namespace)
    assert namespace == {"school": school}


def test_allowed_values_refuse_a_district_never_harmonised(tmp_path):
    with pytest.raises(ParameterError, match="Allowed values: fresno, long_beach"):
        allowed_values("fresnoo", tmp_path)


def test_a_notebook_without_a_kernel_is_reported(tmp_path):
    notebook = json.loads(ECHO.read_text())
    del notebook["metadata"]["kernelspec"], notebook["metadata"]["language_info"]
    path = tmp_path / "no_kernel.ipynb"
    path.write_text(json.dumps(notebook))
    with pytest.raises(FlpInquiryError, match="names no kernel"):
        notebook_parameters(path)


def test_question_title_is_the_first_heading():
    assert question_title(ECHO) == "Which school is this?"
