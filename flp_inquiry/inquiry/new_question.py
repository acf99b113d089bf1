"""Starting a new inquiry notebook from ``templates/new_question.ipynb``.

``flp-inquiry new-question "Why do grade 7 ELs fall behind in math?"`` writes
``notebooks/why_do_grade_7_els_fall_behind_in_math.ipynb``: the template's
``parameters`` cell (district, school_year, school, data_dir), the inquiry headings
(the question, what the data shows, what is surprising, hypotheses, questions for
the meeting) and the usual imports, ready to run.  The file name is the question's
id in meeting packs; an existing notebook is never overwritten.
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import nbformat

from flp_inquiry import TEMPLATES
from flp_inquiry.errors import FlpInquiryError

TEMPLATE = TEMPLATES / "new_question.ipynb"
TITLE_MARK = "{title}"
MAX_SLUG = 60


def question_slug(title: str) -> str:
    """The notebook's file name (without ``.ipynb``) for a question: ASCII words joined by ``_``.

    >>> question_slug("Why do grade 7 ELs fall behind in math?")
    'why_do_grade_7_els_fall_behind_in_math'
    >>> question_slug("¿Qué pasa en Peñasco?")
    'que_pasa_en_penasco'
    >>> question_slug("???")
    Traceback (most recent call last):
    ...
    flp_inquiry.errors.FlpInquiryError: the title '???' has no letters or digits to name the notebook by
    """
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_title.lower()).strip("_")
    if not slug:
        raise FlpInquiryError(f"the title {title!r} has no letters or digits to name the notebook by")
    return slug[:MAX_SLUG].rstrip("_")


def new_question(title: str, folder: str | Path = Path("notebooks"), template: str | Path = TEMPLATE) -> Path:
    """Write a new question notebook from the template; return its path.

    The title replaces ``{title}`` in the template's Markdown cells.  Outputs and
    execution counts are never copied; tags and the kernelspec are kept.

    Raises
    ------
    FlpInquiryError
        A notebook of that name exists already, or the title has nothing to name it by.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> path = new_question("Why do grade 7 ELs fall behind in math?", folder)
    >>> path.name
    'why_do_grade_7_els_fall_behind_in_math.ipynb'
    >>> new_question("Why do grade 7 ELs fall behind in math", folder)
    Traceback (most recent call last):
    ...
    flp_inquiry.errors.FlpInquiryError: why_do_grade_7_els_fall_behind_in_math.ipynb exists already in the folder; choose another title or edit that notebook
    """
    title = " ".join(title.split())
    path = Path(folder) / f"{question_slug(title)}.ipynb"
    if path.exists():
        raise FlpInquiryError(f"{path.name} exists already in the folder; choose another title or edit that notebook")
    notebook = nbformat.read(template, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = cell.source.replace(TITLE_MARK, title)
        elif cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as handle:  # "x": never overwrite, even in a race
        nbformat.write(notebook, handle)
    return path
