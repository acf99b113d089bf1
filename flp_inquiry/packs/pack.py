"""Meeting packs: a pack file read and checked, and expanded to its grid of jobs.

A pack is a YAML file (see ``packs/sample.yaml``)::

    title: March partnership meeting
    school_year: 2025
    districts: [fresno, long_beach]
    questions: all                 # or a list of notebook names in notebooks/, without .ipynb
    schools: [all]                 # "all" alone: the district and every school;
                                   # a list: those schools ("all" in it: the district-wide report);
                                   # a mapping by district of either
    output: build/packs/march
    # optional: notebooks (notebooks), data (build/harmonised), timeout (600 s per notebook),
    #           kernel (flp-inquiry), parameters (more values, for the notebooks that have them)

Relative paths are read from the folder the command runs in.  On the command
line, ``-p NAME VALUE`` sets a value over the pack's (``-p school_year 2024``
runs it for another year) and ``--output`` another folder (:func:`with_command_line`).

The pack expands to one job per district x question x school (:func:`expand_pack`); every
value is checked against each notebook's ``parameters`` cell and the district's data before
anything runs.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Collection, Mapping

import yaml

from flp_inquiry.errors import FlpInquiryError, ParameterError
from flp_inquiry.inquiry.questions import (
    ALL_SCHOOLS,
    allowed_values,
    check_parameters,
    check_value,
    notebook_parameters,
    value_from_text,
)

#: Set in every notebook that declares them: a rendered report has no live kernel behind its widgets.
BATCH_PARAMETERS = {"show_widgets": False}

#: The slug of a district-wide report.
DISTRICT_SLUG = "district"
#: The parameters a pack fills in for each job, when the notebook declares them, and where they come from.
JOB_PARAMETERS = {"district": "its districts", "school_year": "its school_year", "school": "its schools",
                  "data_dir": "its data",
                  **{name: "the run: a report has no live kernel behind it" for name in BATCH_PARAMETERS}}
_PACK_KEYS = {"title", "school_year", "districts", "questions", "schools", "output", "notebooks", "data",
              "timeout", "kernel", "parameters"}
_QUESTION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")

class PackError(FlpInquiryError):
    """A pack file is wrong, or its output folder cannot be used; the message names the file and key."""


@dataclass(frozen=True)
class Pack:
    """A meeting pack, as read from its YAML file (see the module's documentation)."""

    title: str
    school_year: int
    districts: tuple[str, ...]
    questions: tuple[str, ...] | None
    schools: object
    output: Path
    notebooks: Path = Path("notebooks")
    data: Path = Path("build/harmonised")
    timeout: float = 600.0
    kernel: str = "flp-inquiry"
    parameters: dict = field(default_factory=dict)
    #: Values typed on the command line (``-p NAME VALUE``), read as each notebook declares them; over ``parameters``.
    command_line: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Job:
    """One notebook run: a district, a question and a school (``"all"`` for the district)."""

    district: str
    question: str
    school: str
    slug: str
    notebook: Path
    parameters: dict = field(hash=False)

    @property
    def key(self) -> str:
        """``district/question/slug``: the job's name in logs, state and output paths."""
        return f"{self.district}/{self.question}/{self.slug}"

    def report_path(self, output: Path) -> Path:
        """Where the job's report for principals goes."""
        return inside(output, f"{self.key}.html")

    def executed_path(self, output: Path) -> Path:
        """Where the executed notebook goes (kept for failed jobs too)."""
        return inside(output, f"_executed/{self.key}.ipynb")

    def log_path(self, output: Path) -> Path:
        """Where the job's log goes."""
        return inside(output, f"_logs/{self.key}.log")


def slugify(name: str) -> str:
    """A school or question name as a file name: lower-case letters, digits and hyphens.

    >>> slugify('O\\'Brien "Elementary"'), slugify("Édison K-8 / Annex"), slugify("../..")
    ('o-brien-elementary', 'edison-k-8-annex', 'school')
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug or "school"


def inside(output: Path, relative: str) -> Path:
    """``output / relative``, refused if it would lead outside ``output``.

    >>> inside(Path("/packs/march"), "fresno/q/district.html").as_posix()
    '/packs/march/fresno/q/district.html'
    >>> inside(Path("/packs/march"), "../../etc/passwd")
    Traceback (most recent call last):
    ...
    flp_inquiry.packs.pack.PackError: the output path '../../etc/passwd' would be outside the output folder /packs/march
    """
    root = Path(os.path.abspath(output))
    path = Path(os.path.abspath(root / relative))
    if path != root and root not in path.parents:
        raise PackError(f"the output path {relative!r} would be outside the output folder {root}")
    return path


def load_pack(pack: str | Path | Mapping) -> Pack:
    """Read and check a pack file (or a mapping of the same keys).

    Examples
    --------
    >>> load_pack({"title": "March", "school_year": 2025, "districts": ["fresno"], "questions": "all",
    ...            "schools": ["all"], "output": "build/packs/march"}).output.as_posix()
    'build/packs/march'
    >>> load_pack({"title": "March", "school_year": 2025, "districts": ["fresno"], "schools": "all",
    ...            "output": "build/packs/march", "colour": "red"})
    Traceback (most recent call last):
    ...
    flp_inquiry.packs.pack.PackError: pack: unknown key 'colour'; keys: data, districts, kernel, notebooks, output, parameters, questions, school_year, schools, timeout, title
    """
    where = "pack"
    if not isinstance(pack, Mapping):
        where = str(pack)
        try:
            pack = yaml.safe_load(Path(pack).read_text(encoding="utf-8"))
        except OSError as err:
            raise PackError(f"cannot read the pack file {where}: {err.strerror}") from err
        except yaml.YAMLError as err:
            raise PackError(f"{where} is not valid YAML: {err}") from err
        if not isinstance(pack, Mapping):
            raise PackError(f"{where} must be a mapping of keys (title, districts, questions, ...)")
    for key in pack:
        if key not in _PACK_KEYS:
            raise PackError(f"{where}: unknown key {key!r}; keys: {', '.join(sorted(_PACK_KEYS))}")
    for key in ("school_year", "districts", "output"):
        if key not in pack:
            raise PackError(f"{where}: the key {key!r} is missing")
    districts = pack["districts"]
    if isinstance(districts, str):
        districts = [districts]
    questions = pack.get("questions", "all")
    if not (questions == "all" or isinstance(questions, list) and all(isinstance(q, str) for q in questions)):
        raise PackError(f"{where}: questions must be 'all' or a list of notebook names")
    schools = pack.get("schools", [ALL_SCHOOLS])
    if isinstance(schools, Mapping):
        for district, entry in schools.items():
            _check_schools_entry(where, f"schools.{district}", entry)
    else:
        _check_schools_entry(where, "schools", schools)
    parameters = pack.get("parameters") or {}
    if not isinstance(parameters, Mapping):
        raise PackError(f"{where}: parameters must be a mapping of names to values")
    for name in parameters:
        if name in JOB_PARAMETERS:
            raise PackError(f"{where}: parameters: {name!r} is set by the pack itself, from {JOB_PARAMETERS[name]}")
    for name in ("output", "notebooks", "data"):
        if name in pack:
            check_value(name, str(pack[name]))  # no '..' steps in the pack's own folders either
    try:
        timeout = float(pack.get("timeout", 600))
    except (TypeError, ValueError) as err:
        raise PackError(f"{where}: timeout must be a number of seconds, not {pack.get('timeout')!r}") from err
    if timeout <= 0:
        raise PackError(f"{where}: timeout must be more than 0 seconds")
    return Pack(
        title=str(pack.get("title") or Path(str(pack["output"])).name),
        school_year=pack["school_year"],
        districts=tuple(str(d) for d in districts),
        questions=None if questions == "all" else tuple(questions),
        schools=dict(schools) if isinstance(schools, Mapping) else schools,
        output=Path(str(pack["output"])),
        notebooks=Path(str(pack.get("notebooks", "notebooks"))),
        data=Path(str(pack.get("data", "build/harmonised"))),
        timeout=timeout,
        kernel=str(pack.get("kernel", "flp-inquiry")),
        parameters=dict(parameters),
    )


def with_command_line(pack: Pack, values: Mapping[str, str], output: str | None = None) -> Pack:
    """The pack with what was typed on the command line: ``-p NAME VALUE`` pairs and ``--output``.

    ``school_year`` replaces the pack's year; any other name is a notebook
    parameter, as under the pack's ``parameters`` (which it overrides), read as
    each notebook declares it (:func:`flp_inquiry.inquiry.questions.value_from_text`).
    Every value is checked before anything runs (:func:`expand_pack`).

    >>> pack = with_command_line(load_pack({"school_year": 2025, "districts": ["fresno"], "output": "out"}),
    ...                          {"school_year": "2024", "subject": "ela"}, output="build/packs/last-year")
    >>> pack.school_year, pack.command_line, pack.output.as_posix()
    (2024, {'subject': 'ela'}, 'build/packs/last-year')
    >>> with_command_line(pack, {"school": "Sample Oak"})
    Traceback (most recent call last):
    ...
    flp_inquiry.packs.pack.PackError: -p school: set by the pack itself, from its schools
    """
    changes: dict[str, object] = {"command_line": {**pack.command_line}}
    for name, text in values.items():
        check_value(name, text)
        if name == "school_year":
            if not re.fullmatch(r"\s*\d{4}\s*", text):
                raise ParameterError(name, text, reason="write the year the school year ends (2025 for 2024-25)")
            changes["school_year"] = int(text)
        elif name in JOB_PARAMETERS:
            raise PackError(f"-p {name}: set by the pack itself, from {JOB_PARAMETERS[name]}")
        else:
            changes["command_line"][name] = text
    if output is not None:
        check_value("output", output)
        changes["output"] = Path(output)
    return dataclasses.replace(pack, **changes)


def _check_schools_entry(where: str, key: str, entry: object) -> None:
    if entry == "all":
        return
    if not isinstance(entry, list) or not all(isinstance(school, str) for school in entry):
        raise PackError(f"{where}: {key} must be 'all' (the district and every school) or a list of school names")


def find_questions(pack: Pack) -> list[Path]:
    """The pack's question notebooks: those it names, or every ``*.ipynb`` in its notebooks folder.

    Notebooks whose names start with ``_`` (templates, drafts) are left out of ``questions: all``.

    >>> find_questions(Pack("t", 2025, ("fresno",), ("../secrets",), ["all"], Path("out")))
    Traceback (most recent call last):
    ...
    flp_inquiry.errors.ParameterError: question = '../secrets' is not allowed: a question is a notebook's name in notebooks, without .ipynb (letters, digits, _ and -)
    """
    if pack.questions is None:
        found = sorted(path for path in pack.notebooks.glob("*.ipynb") if not path.name.startswith("_"))
        if not found:
            raise PackError(f"there are no question notebooks in {pack.notebooks}")
        return found
    available = sorted(path.stem for path in pack.notebooks.glob("*.ipynb"))
    paths = []
    for name in pack.questions:
        if not _QUESTION_NAME.match(name):
            raise ParameterError("question", name, reason=f"a question is a notebook's name in {pack.notebooks}, "
                                                          "without .ipynb (letters, digits, _ and -)")
        path = pack.notebooks / f"{name}.ipynb"
        if not path.is_file():
            raise ParameterError("question", name, available)
        paths.append(path)
    return paths


def expand_pack(pack: Pack, allowed: Mapping[str, Mapping[str, Collection]] | None = None) -> list[Job]:
    """The pack's grid: one checked job per district x question x school.

    Parameters
    ----------
    pack
        The pack.
    allowed
        Allowed values by district (``{"fresno": {"school": [...], "school_year": [...]}}``);
        by default read from the district's harmonised data (:func:`flp_inquiry.inquiry.questions.allowed_values`).

    Raises
    ------
    ParameterError
        A value a notebook does not declare or the data does not allow; nothing has run.
    """
    notebooks = find_questions(pack)
    _check_declared_somewhere({**pack.parameters, **pack.command_line}, notebooks)
    jobs: list[Job] = []
    for district in pack.districts:
        check_value("district", district)
        if allowed is not None and district not in allowed:
            raise ParameterError("district", district, list(allowed))
        district_allowed = dict(allowed[district]) if allowed is not None else allowed_values(district, pack.data)
        if "district" in district_allowed and district not in district_allowed["district"]:
            raise ParameterError("district", district, district_allowed["district"])
        schools = _schools_of(pack, district, district_allowed)
        for notebook in notebooks:
            declared = notebook_parameters(notebook)
            if "district" not in declared:
                raise PackError(f"{notebook.name} has no 'district' parameter: it cannot be run for a district")
            base = {"district": district, "school_year": pack.school_year, "data_dir": str(pack.data.absolute()),
                    **BATCH_PARAMETERS}
            base = {name: value for name, value in base.items() if name in declared}
            # A notebook without a school parameter is district-wide only.
            used_slugs: set[str] = set()
            # the pack's own values and the command line's, for the notebooks that declare them
            extra = {**{name: value for name, value in pack.parameters.items() if name in declared},
                     **{name: value_from_text(notebook, name, text)
                        for name, text in pack.command_line.items() if name in declared}}
            for school in schools if "school" in declared else [ALL_SCHOOLS]:
                parameters = {**base, **({"school": school} if "school" in declared else {}), **extra}
                check_parameters(notebook, parameters, district_allowed)
                slug = _unique_slug(school, used_slugs)
                jobs.append(Job(district, notebook.stem, school, slug, notebook, parameters))
    return jobs


def _check_declared_somewhere(values: Mapping[str, object], notebooks: list[Path]) -> None:
    """Refuse a value that none of the pack's notebooks has a parameter for (a typo, most likely)."""
    declared = {notebook: notebook_parameters(notebook) for notebook in notebooks}
    for name, value in values.items():
        if not any(name in names for names in declared.values()):
            known = sorted({parameter for names in declared.values() for parameter in names} - set(JOB_PARAMETERS))
            raise ParameterError(name, value, reason="none of the pack's notebooks has such a parameter "
                                                     f"(their own parameters: {', '.join(known) or 'none'})")


def _schools_of(pack: Pack, district: str, allowed: Mapping[str, Collection]) -> list[str]:
    entry = pack.schools.get(district, [ALL_SCHOOLS]) if isinstance(pack.schools, dict) else pack.schools
    if entry == "all":
        if "school" not in allowed:
            raise PackError(f"schools: all needs the list of {district}'s schools, from its harmonised data")
        return [ALL_SCHOOLS, *(school for school in allowed["school"] if school != ALL_SCHOOLS)]
    return list(dict.fromkeys(entry))


def _unique_slug(school: str, used: set[str]) -> str:
    slug = DISTRICT_SLUG if school == ALL_SCHOOLS else slugify(school)
    if slug in used:  # two names that differ only in punctuation still get two files
        slug = f"{slug}-{hashlib.sha256(school.encode()).hexdigest()[:6]}"
    used.add(slug)
    return slug
