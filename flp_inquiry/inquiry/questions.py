"""Question notebooks: their declared parameters, and checking values before anything runs.

A question notebook declares its parameters in one cell tagged ``parameters``,
with typed, commented defaults::

    district: str = "fresno"  # fresno or long_beach
    school_year: int = 2025  # the year the school year ends
    school: str = "all"  # a school name, or all

:func:`check_parameters` holds every value a pack (or a person) passes to such
a notebook against that cell and against the values the data allows, so a
typo stops the run with a message naming the allowed values instead of
failing half-way through a meeting pack.  Values are plain data (text,
numbers, true/false, lists and mappings of them); papermill writes them into a
new cell as Python literals, so a value is never run as code.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Collection, Mapping

from flp_inquiry.errors import FlpInquiryError, ParameterError

#: The value of ``school`` for a district-wide question.
ALL_SCHOOLS = "all"
#: The value of ``grade`` for a pattern taken over every grade its measure counts.
ALL_GRADES = "all"
#: The root-cause explorer's grade that it picks itself: where the group's figure changed most in the scope's grades.
AUTO_GRADE = "auto"
#: Not a parameter: in :func:`allowed_values`, each school's CDS code by its name (a pack names
#: a school's report file from its name, and tells two alike apart by their codes).
SCHOOL_CODES = "school_codes"

#: Python types accepted for each type papermill infers from an annotation.
_TYPES_BY_NAME: dict[str, tuple[type, ...]] = {
    "str": (str,), "int": (int,), "float": (int, float), "bool": (bool,),
    "list": (list,), "dict": (dict,),
}
_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")
_PATH_SEPARATORS = re.compile(r"[\\/]")


@dataclass(frozen=True)
class NotebookParameter:
    """One parameter declared in a notebook's ``parameters`` cell.

    ``type_name`` is what papermill infers from the annotation (``"str"``,
    ``"int"``, ...; ``"None"`` when there is none), ``default`` the default's
    source text and ``help`` the comment at the end of its line.
    """

    name: str
    type_name: str
    default: str
    help: str


def notebook_parameters(notebook_path: str | Path) -> dict[str, NotebookParameter]:
    """The parameters a notebook declares in its ``parameters`` cell, by name.

    The notebook is read, not run; the answer is cached until the file changes.

    Examples
    --------
    >>> path = _example_notebook('district: str = "fresno"  # fresno or long_beach')
    >>> notebook_parameters(path)["district"]
    NotebookParameter(name='district', type_name='str', default='"fresno"', help='fresno or long_beach')
    """
    path = Path(notebook_path)
    status = path.stat()
    return dict(_read_parameters(str(path.resolve()), status.st_mtime_ns, status.st_size))


@lru_cache(maxsize=256)
def _read_parameters(path: str, mtime_ns: int, size: int) -> tuple[tuple[str, NotebookParameter], ...]:
    # mtime and size are part of the cache key only, so an edited notebook is read again.
    import papermill

    try:
        declared = papermill.inspect_notebook(path)
    except ValueError as err:  # papermill needs the kernel to know the language
        raise FlpInquiryError(f"{Path(path).name} names no kernel ({err}): open it in JupyterLab "
                              "and choose the kernel 'Python (flp-inquiry)'") from err
    return tuple((name, NotebookParameter(name, str(info.get("inferred_type_name", "None")),
                                          str(info.get("default", "")), str(info.get("help", ""))))
                 for name, info in declared.items())


def allowed_values(district: str, data: str | Path) -> dict[str, list]:
    """The values ``district``, ``school_year`` and ``school`` may take for a harmonised district.

    ``school`` is a school name as the data names it, or ``"all"``; under :data:`SCHOOL_CODES`,
    each school's CDS code by name (not a parameter).

    Examples
    --------
    >>> allowed_values("fresno", Path("/nonexistent"))
    Traceback (most recent call last):
    ...
    flp_inquiry.errors.FlpInquiryError: district 'fresno' has not been harmonised into /nonexistent: run flp-inquiry harmonise --district fresno --source <export folder> --out /nonexistent
    """
    from flp_inquiry.ingest import catalog

    districts = known_districts(data)
    if district not in districts:
        raise ParameterError("district", district, districts)
    schools = catalog.schools(district, Path(data))
    return {
        "district": districts,
        "school_year": catalog.school_years(district, Path(data)),
        "school": [ALL_SCHOOLS, *(name for _, name in schools)],
        SCHOOL_CODES: {name: cds for cds, name in schools},
    }


def known_districts(data: str | Path) -> list[str]:
    """The project's districts (the partnership's, and the synthetic one of the state's files), and any other
    district harmonised into ``data`` (from the state's files, say).

    >>> known_districts(Path("/nonexistent"))
    ['fresno', 'long_beach', 'toms_valley']
    """
    from flp_inquiry.codes import DISTRICTS
    from flp_inquiry.ingest.catalog import harmonised_districts

    # (never a hidden .partial or .old folder a killed harmonise left)
    return sorted(set(DISTRICTS) | set(harmonised_districts(Path(data))))


def check_value(name: str, value: object) -> None:
    """Refuse a value that is not plain data, or text that could lead out of a folder.

    Text may hold any printable character (quotes included: it reaches the
    notebook as a string literal), but no control characters and no ``..``
    path step.

    Examples
    --------
    >>> check_value("school", 'O\\'Brien "Elementary"')
    >>> check_value("data_dir", "build/../../etc")
    Traceback (most recent call last):
    ...
    flp_inquiry.errors.ParameterError: data_dir = 'build/../../etc' is not allowed: a '..' path step could lead outside the project's folders
    """
    if value is None or isinstance(value, (bool, int, float)):
        return
    if isinstance(value, str):
        if _CONTROL_CHARACTER.search(value):
            raise ParameterError(name, value, reason="it contains a control character (a line break or tab)")
        if ".." in _PATH_SEPARATORS.split(value):
            raise ParameterError(name, value, reason="a '..' path step could lead outside the project's folders")
        return
    if isinstance(value, list):
        for item in value:
            check_value(name, item)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ParameterError(name, value, reason="mapping keys must be text")
            check_value(name, key)
            check_value(name, item)
        return
    # papermill turns other objects into text with str() and no escaping: refuse them.
    raise ParameterError(name, value, reason=f"a {type(value).__name__} is not plain data "
                                             "(text, a number, true/false, or a list or mapping of them)")


def check_parameters(notebook_path: str | Path, params: Mapping[str, object],
                     allowed: Mapping[str, Collection[object]] | None = None) -> dict[str, object]:
    """Check values for a notebook's parameters; return them unchanged if every one is allowed.

    Parameters
    ----------
    notebook_path
        The question notebook.
    params
        Parameter values by name.
    allowed
        For some names, the values allowed (e.g. from :func:`allowed_values`).

    Returns
    -------
    dict
        ``params``, as a new dict.

    Raises
    ------
    ParameterError
        A name the notebook does not declare, a value of the wrong type or not
        among the allowed values (the message lists them), or an unsafe value
        (see :func:`check_value`).  A value with a list of allowed values is held
        against the list alone: a school's name is the data's own, whatever its
        characters (it reaches the notebook as a string literal).

    Examples
    --------
    >>> path = _example_notebook('district: str = "fresno"\\nschool_year: int = 2025')
    >>> check_parameters(path, {"district": "long_beach"}, {"district": ["fresno", "long_beach"]})
    {'district': 'long_beach'}
    >>> check_parameters(path, {"district": "fresnoo"}, {"district": ["fresno", "long_beach"]})
    Traceback (most recent call last):
    ...
    flp_inquiry.errors.ParameterError: district = 'fresnoo' is not allowed. Allowed values: fresno, long_beach
    >>> check_parameters(path, {"school_year": "2025"})
    Traceback (most recent call last):
    ...
    flp_inquiry.errors.ParameterError: school_year = '2025' is not allowed: q.ipynb declares it as int, not str
    >>> check_parameters(path, {"schol": "all"})
    Traceback (most recent call last):
    ...
    flp_inquiry.errors.ParameterError: schol = 'all' is not allowed: q.ipynb has no such parameter (its parameters: district, school_year)
    """
    path = Path(notebook_path)
    declared = notebook_parameters(path)
    allowed = allowed or {}
    for name, value in params.items():
        if name not in declared:
            raise ParameterError(name, value, reason=f"{path.name} has no such parameter "
                                                     f"(its parameters: {', '.join(declared) or 'none'})")
        if name not in allowed:
            check_value(name, value)  # (a value from a list is the list's own: a school named "A/../B" is a name)
        types = _TYPES_BY_NAME.get(declared[name].type_name)
        # bool is an int in Python, but True is no school year.
        wrong_bool = isinstance(value, bool) and bool not in (types or ())
        if types is not None and (wrong_bool or not isinstance(value, types)):
            raise ParameterError(name, value, reason=f"{path.name} declares it as {declared[name].type_name}, "
                                                     f"not {type(value).__name__}")
        if name in allowed and value not in list(allowed[name]):
            raise ParameterError(name, value, list(allowed[name]))
    return dict(params)


def question_choices(values: Mapping[str, object]) -> dict[str, list]:
    """The values the package's own question parameters may take, given the other values chosen.

    ``subject``, ``metric``, ``group_type``, ``group`` and ``grade`` mean the same
    in every question that declares them (the root-cause explorer's pattern): a
    pack checks them with these lists before anything runs, as the notebook
    itself would at its first cell.  ``group`` is a group of ``group_type``
    (``True``/``False`` as text for ``sed`` and ``swd``), ``grade`` ``"all"`` or a
    grade the ``metric`` is counted in.  A value that depends on one not valid
    itself (the groups of an unknown ``group_type``) is left to that one's error.

    Examples
    --------
    >>> choices = question_choices({"metric": "chronic_absence", "group_type": "sed"})
    >>> choices["metric"], choices["group"], choices["grade"][:3]
    (['dfs', 'percent_met', 'chronic_absence'], ['False', 'True'], ['auto', 'all', '0'])
    >>> "group" in question_choices({"group_type": "school"})
    False
    """
    from flp_inquiry.codes import EXPLORER_METRIC_GRADES, GROUP_CODES, SUBJECTS

    choices: dict[str, list] = {"subject": list(SUBJECTS), "metric": list(EXPLORER_METRIC_GRADES),
                                "group_type": list(GROUP_CODES)}
    group_type, metric = values.get("group_type", "el_status"), values.get("metric", "dfs")
    if group_type in GROUP_CODES:
        choices["group"] = sorted(str(code) for code in GROUP_CODES[group_type])
    if metric in EXPLORER_METRIC_GRADES:
        choices["grade"] = [AUTO_GRADE, ALL_GRADES, *(str(grade) for grade in EXPLORER_METRIC_GRADES[metric])]
    return choices


def value_from_text(notebook_path: str | Path, name: str, text: str) -> object:
    """A value typed on the command line, read as the notebook declares its parameter.

    ``2024`` is a number for ``school_year: int`` and text for ``subject: str``;
    ``true``/``false`` for a ``bool``, YAML for a ``list`` or ``dict``.  A name
    the notebook does not declare is kept as text (:func:`check_parameters` refuses it).

    >>> path = _example_notebook('subject: str = "math"\\nschool_year: int = 2025\\nshow_widgets: bool = True')
    >>> value_from_text(path, "school_year", "2024"), value_from_text(path, "subject", "2024")
    (2024, '2024')
    >>> value_from_text(path, "show_widgets", "False")
    False
    >>> value_from_text(path, "school_year", "2024-25")
    Traceback (most recent call last):
    ...
    flp_inquiry.errors.ParameterError: school_year = '2024-25' is not allowed: q.ipynb declares it as int: write a whole number
    """
    declared = notebook_parameters(notebook_path)
    type_name = declared[name].type_name if name in declared else "str"
    written = text.strip()
    if type_name == "int":
        if re.fullmatch(r"[+-]?\d+", written):
            return int(written)
        wanted = "a whole number"
    elif type_name == "float":
        try:
            return float(written)
        except ValueError:
            wanted = "a number"
    elif type_name == "bool":
        if written.lower() in _TRUE_FALSE:
            return _TRUE_FALSE[written.lower()]
        wanted = "true or false"
    elif type_name in ("list", "dict"):
        import yaml

        try:
            value = yaml.safe_load(written)
        except yaml.YAMLError:
            value = None
        if isinstance(value, _TYPES_BY_NAME[type_name]):
            return value
        wanted = "a YAML list, [a, b]" if type_name == "list" else "a YAML mapping, {a: 1}"
    else:  # text, or a parameter without a type: as typed
        return text
    raise ParameterError(name, text, reason=f"{Path(notebook_path).name} declares it as {type_name}: write {wanted}")


_TRUE_FALSE = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def _example_notebook(parameters_cell: str) -> Path:
    """A new notebook (for the examples) whose one cell, tagged ``parameters``, is ``parameters_cell``."""
    import tempfile

    import nbformat

    cell = nbformat.v4.new_code_cell(parameters_cell)
    cell.metadata["tags"] = ["parameters"]
    path = Path(tempfile.mkdtemp()) / "q.ipynb"
    kernel = {"kernelspec": {"name": "flp-inquiry", "language": "python", "display_name": "flp-inquiry"}}
    nbformat.write(nbformat.v4.new_notebook(cells=[cell], metadata=kernel), path)
    return path


def question_title(notebook_path: str | Path) -> str:
    """A question's title: the notebook's first Markdown heading, else its file name in words.

    Examples
    --------
    >>> import tempfile, nbformat
    >>> path = Path(tempfile.mkdtemp()) / "el_progress.ipynb"
    >>> nbformat.write(nbformat.v4.new_notebook(), path)
    >>> question_title(path)
    'El progress'
    >>> nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Are ELs on track?")]), path)
    >>> question_title(path)
    'Are ELs on track?'
    """
    path = Path(notebook_path)
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        for line in source.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return path.stem.replace("_", " ").replace("-", " ").capitalize()
