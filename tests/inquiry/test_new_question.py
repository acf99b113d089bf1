"""``flp-inquiry new-question``: a ready-to-run notebook from the template, never overwriting one."""
from __future__ import annotations

import nbformat
import papermill
import pytest

from flp_inquiry.cli import main
from flp_inquiry.errors import FlpInquiryError
from flp_inquiry.inquiry.new_question import new_question, question_slug
from tests.inquiry.test_notebooks import KERNEL, PROJECT, harmonised, shown_text  # noqa: F401

TITLE = "Why do grade 7 ELs fall behind in math?"


@pytest.mark.parametrize("title,slug", [
    (TITLE, "why_do_grade_7_els_fall_behind_in_math"),
    ("  Attendance -- after the   break  ", "attendance_after_the_break"),
    ("Niños en Peñasco: ¿por qué?", "ninos_en_penasco_por_que"),
    ("x" * 80, "x" * 60),
])
def test_the_file_name_is_a_slug_of_the_title(title, slug):
    assert question_slug(title) == slug


def test_the_new_notebook_has_parameters_headings_and_imports(tmp_path):
    path = new_question(TITLE, tmp_path)
    assert path == tmp_path / "why_do_grade_7_els_fall_behind_in_math.ipynb"
    notebook = nbformat.read(path, as_version=4)
    assert notebook.metadata["kernelspec"]["name"] == "flp-inquiry"
    assert notebook.cells[0].metadata["tags"] == ["parameters"]
    assert set(papermill.inspect_notebook(str(path))) == {"district", "school_year", "school", "data_dir"}
    markdown = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    assert markdown.startswith(f"# {TITLE}")
    for heading in ("What the data shows", "What is surprising", "Hypotheses", "Questions for the meeting"):
        assert f"## {heading}" in markdown
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert "from flp_inquiry import charts, findings, tables, start_inquiry" in code and "start_inquiry(district" in code
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")


def test_an_existing_notebook_is_never_overwritten(tmp_path):
    path = new_question(TITLE, tmp_path)
    path.write_text("my edits", encoding="utf-8")
    with pytest.raises(FlpInquiryError, match="exists already"):
        new_question(TITLE.upper(), tmp_path)
    assert path.read_text(encoding="utf-8") == "my edits"


def test_the_command_writes_the_notebook_and_refuses_a_second(tmp_path, capsys):
    assert main(["new-question", TITLE, "--folder", str(tmp_path)]) == 0
    assert "why_do_grade_7_els_fall_behind_in_math.ipynb" in capsys.readouterr().out
    assert main(["new-question", TITLE, "--folder", str(tmp_path)]) == 2
    assert "exists already" in capsys.readouterr().err


def test_the_new_notebook_runs_on_the_sample(tmp_path, harmonised):  # noqa: F811
    path = new_question(TITLE, tmp_path)
    executed = papermill.execute_notebook(str(path), str(tmp_path / "out.ipynb"), kernel_name=KERNEL, cwd=str(PROJECT),
                                          parameters={"data_dir": str(harmonised)}, progress_bar=False)
    text = shown_text(executed)
    assert "All schools of Fresno Unified" in text and "Highest math percent met or exceeded: Students at" in text
