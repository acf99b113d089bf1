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

Paths may be relative (to the folder the command runs in) or absolute, but never
hold a ``..`` step or a control character.  On the command line, ``-p NAME VALUE``
sets a value over the pack's (``-p school_year 2024`` runs it for another year)
and ``--output`` another folder (:func:`with_command_line`).

A pack file is read with limits (:data:`MAX_PACK_BYTES`, :data:`MAX_NESTING`,
:data:`MAX_NODES` with YAML aliases expanded), so a hostile file cannot fill the
memory ("billion laughs").  The pack expands to one job per district x question x
school (:func:`expand_pack`); every value is checked against each notebook's
``parameters`` cell, the package's own question values and the district's data
before anything runs.  A school's report file is named from its name
(:func:`school_slugs`): bounded, safe on any file system, never a reserved
name, and two schools whose names give the same file name are told apart by
their school codes.
"""
from __future__ import annotations

import dataclasses
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Collection, Mapping

import yaml

from flp_inquiry.errors import FlpInquiryError, ParameterError
from flp_inquiry.inquiry.questions import (
    ALL_SCHOOLS,
    SCHOOL_CODES,
    allowed_values,
    check_parameters,
    check_value,
    notebook_parameters,
    question_choices,
    value_from_text,
)
from flp_inquiry.packs.file_names import DISTRICT_SLUG, school_slugs, slugify  # noqa: F401 (slugify: for callers)

#: Set in every notebook that declares them: a rendered report has no live kernel behind its widgets.
BATCH_PARAMETERS = {"show_widgets": False}

#: The parameters a pack fills in for each job, when the notebook declares them, and where they come from.
JOB_PARAMETERS = {"district": "its districts", "school_year": "its school_year", "school": "its schools",
                  "data_dir": "its data",
                  **{name: "the run: a report has no live kernel behind it" for name in BATCH_PARAMETERS}}
_PACK_KEYS = {"title", "school_year", "districts", "questions", "schools", "output", "notebooks", "data", "state_files",
              "timeout", "kernel", "parameters"}
_QUESTION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_KERNEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

#: A pack file is a page of YAML; more than this is not a pack (and is not read into memory).
MAX_PACK_BYTES = 1_000_000
#: Lists and mappings inside each other, at most (a pack needs 3 or 4).
MAX_NESTING = 20
#: Values in the pack once every YAML alias is expanded, at most: ten aliases of ten aliases of ...
#: ("billion laughs") are refused before anything walks through them.
MAX_NODES = 100_000
#: The longest time limit a pack may give a notebook: a notebook still running after a day has hung.
MAX_TIMEOUT_SECONDS = 24 * 3600
MAX_TITLE_CHARACTERS = 200
# Characters that change how text is shown rather than what it says: C0 and C1 controls, DEL, and the
# bidirectional overrides and isolates (a title would read differently from what it holds).
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")

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
    #: The state's public files the reports set California's figures from (Dashboard downloads, research files).
    state_files: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Job:
    """One notebook run: a district, a question and a school (``"all"`` for the district)."""

    district: str
    question: str
    school: str
    slug: str
    notebook: Path
    parameters: dict = field(hash=False)
    #: The school's CDS code, when the district's data gives it (``None`` for the district-wide report).
    school_code: str | None = None

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

    Raises
    ------
    PackError
        The file is too big, nested too deep or expands too far (see the module notes), is not YAML,
        or a key or value is wrong; the message names the file and the key.

    Examples
    --------
    >>> load_pack({"title": "March", "school_year": 2025, "districts": ["fresno"], "questions": "all",
    ...            "schools": ["all"], "output": "build/packs/march"}).output.as_posix()
    'build/packs/march'
    >>> load_pack({"title": "March", "school_year": 2025, "districts": ["fresno"], "schools": "all",
    ...            "output": "build/packs/march", "colour": "red"})
    Traceback (most recent call last):
    ...
    flp_inquiry.packs.pack.PackError: pack: unknown key 'colour'; keys: data, districts, kernel, notebooks, output, parameters, questions, school_year, schools, state_files, timeout, title
    >>> load_pack({"school_year": 2025, "districts": ["fresno"], "output": "out", "timeout": float("inf")})
    Traceback (most recent call last):
    ...
    flp_inquiry.packs.pack.PackError: pack: timeout must be a number of seconds more than 0 and at most 86400 (a day), not inf
    """
    where = "pack"
    if not isinstance(pack, Mapping):
        where = str(pack)
        pack = read_pack_file(pack)
    for key in pack:
        if key not in _PACK_KEYS:
            raise PackError(f"{where}: unknown key {key!r}; keys: {', '.join(sorted(_PACK_KEYS))}")
    for key in ("school_year", "districts", "output"):
        if key not in pack:
            raise PackError(f"{where}: the key {key!r} is missing")
    school_year = pack["school_year"]
    if isinstance(school_year, bool) or not isinstance(school_year, int):
        raise PackError(f"{where}: school_year must be the year the school year ends (2025 for 2024-25), "
                        f"not {school_year!r}")
    districts = pack["districts"]
    if isinstance(districts, str):
        districts = [districts]
    if not isinstance(districts, list) or not districts or not all(isinstance(d, str) for d in districts):
        raise PackError(f"{where}: districts must be a district's name or a list of them")
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
            if not isinstance(pack[name], str) or not pack[name].strip():
                raise PackError(f"{where}: {name} must be a folder's path, not {pack[name]!r}")
            check_value(name, pack[name])  # no '..' steps nor control characters in the pack's own folders
    state_files = pack.get("state_files") or []
    if isinstance(state_files, str):
        state_files = [state_files]
    if not isinstance(state_files, list) or not all(isinstance(f, str) and f.strip() for f in state_files):
        raise PackError(f"{where}: state_files must be a list of the state files' paths")
    for file in state_files:
        check_value("state_files", file)
        if not Path(file).is_file():
            raise PackError(f"{where}: state_files: {file!r} is not a file")
    kernel = pack.get("kernel", "flp-inquiry")
    if not isinstance(kernel, str) or not _KERNEL_NAME.match(kernel) or ".." in kernel:
        raise PackError(f"{where}: kernel must be a kernel's name (letters, digits, '.', '_' and '-'), "
                        f"not {kernel!r}")
    return Pack(
        title=check_title(pack.get("title") or Path(str(pack["output"])).name, where),
        school_year=school_year,
        districts=tuple(districts),
        questions=None if questions == "all" else tuple(questions),
        schools=dict(schools) if isinstance(schools, Mapping) else schools,
        output=Path(pack["output"]),
        notebooks=Path(pack.get("notebooks", "notebooks")),
        data=Path(pack.get("data", "build/harmonised")),
        timeout=check_timeout(pack.get("timeout", 600), where),
        kernel=kernel,
        parameters=dict(parameters),
        state_files=tuple(Path(file) for file in state_files),
    )


def read_pack_file(path: str | Path) -> dict:
    r"""A pack file's YAML, read safely and with limits: no more than :data:`MAX_PACK_BYTES`, lists and
    mappings no deeper than :data:`MAX_NESTING`, and no more than :data:`MAX_NODES` values with every
    alias expanded.  YAML tags that make objects are refused (``safe_load``'s rules).

    Examples
    --------
    >>> import tempfile
    >>> laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    ...     f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join(['*' + chr(97 + n)] * 10)}]\n" for n in range(8))
    >>> path = Path(tempfile.mkdtemp()) / "laughs.yaml"
    >>> _ = path.write_text(laughs)
    >>> read_pack_file(path)
    Traceback (most recent call last):
    ...
    flp_inquiry.packs.pack.PackError: ... expands to more than 100000 values once its YAML aliases (*name) are repeated: a pack needs a few dozen
    """
    where = str(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_PACK_BYTES + 1)
    except OSError as err:
        raise PackError(f"cannot read the pack file {where}: {err.strerror}") from err
    if len(raw) > MAX_PACK_BYTES:
        raise PackError(f"{where} is more than {MAX_PACK_BYTES // 1_000_000} MB: it is not a pack file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise PackError(f"{where} is not UTF-8 text (byte {err.start + 1}): save it as UTF-8") from err
    loader = _LimitedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise PackError(f"{where} is empty: a pack names its title, school_year, districts, ... (see packs/sample.yaml)")
        _count_values(node, where)
        pack = loader.construct_document(node)
    except yaml.YAMLError as err:
        raise PackError(f"{where} is not valid YAML: {err}") from err
    except (ValueError, TypeError, RecursionError) as err:  # e.g. a number of 5000 digits
        raise PackError(f"{where} holds a value that cannot be read: {err}") from err
    except _TooDeep as err:
        raise PackError(f"{where} nests lists and mappings more than {MAX_NESTING} deep "
                        f"(line {err.line}): a pack needs three or four levels") from None
    finally:
        loader.dispose()
    if not isinstance(pack, Mapping):
        raise PackError(f"{where} must be a mapping of keys (title, districts, questions, ...)")
    return dict(pack)


class _TooDeep(Exception):
    def __init__(self, line: int):
        self.line = line


class _LimitedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that stops composing past :data:`MAX_NESTING` levels (before Python's own
    recursion limit, and before a deep document is held in memory)."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_NESTING:
                raise _TooDeep(self.peek_event().start_mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _count_values(root: yaml.Node, where: str) -> None:
    """Refuse a document whose values, every alias expanded, number more than :data:`MAX_NODES`.

    Aliases share their node, so each node's expanded size is worked out once
    (a billion laughs costs a few dozen steps here, and is refused); a node that
    contains itself (``&a [*a]``) is refused too.
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()

    def size(node: yaml.Node) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        if id(node) in on_path:
            raise PackError(f"{where}: a YAML alias refers to the list or mapping it is in "
                            f"(line {node.start_mark.line + 1}): a pack cannot hold itself")
        on_path.add(id(node))
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(item) for item in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(key) + size(value) for key, value in node.value)
        on_path.discard(id(node))
        if total > MAX_NODES:
            raise PackError(f"{where} expands to more than {MAX_NODES} values once its YAML aliases (*name) "
                            "are repeated: a pack needs a few dozen")
        sizes[id(node)] = total
        return total

    size(root)


def check_title(title: object, where: str = "pack") -> str:
    r"""A pack's title, refused if it holds a control character, a bidirectional override or a line break.

    The title heads the index page and names the run in the terminal; text that
    changes how it is shown (or a second line) is most likely a paste gone wrong,
    and the coach who wrote the pack fixes it in one place, so it is refused, not
    quietly changed.  Spaces at either end are dropped.

    >>> check_title("  March meeting ")
    'March meeting'
    >>> check_title("March\u202emeeting")
    Traceback (most recent call last):
    ...
    flp_inquiry.packs.pack.PackError: pack: title 'March\u202emeeting' holds U+202E at character 6: a title is one line of plain text
    """
    if not isinstance(title, (str, int, float)) or isinstance(title, bool):
        raise PackError(f"{where}: title must be text, not {title!r}")
    text = str(title).strip()
    found = _INVISIBLE.search(text)
    if found:
        raise PackError(f"{where}: title {text!r} holds U+{ord(found.group()):04X} at character {found.start() + 1}: "
                        "a title is one line of plain text")
    if len(text) > MAX_TITLE_CHARACTERS:
        raise PackError(f"{where}: title is {len(text)} characters long; at most {MAX_TITLE_CHARACTERS}")
    return text


def check_timeout(timeout: object, where: str = "pack") -> float:
    """A notebook's time limit in seconds: a number more than 0 and at most :data:`MAX_TIMEOUT_SECONDS`.

    Text, true/false, infinity and "not a number" are refused (``inf`` would let
    a hung notebook hold its worker for ever; ``nan`` compares false with everything).

    >>> check_timeout(600), check_timeout(2.5)
    (600.0, 2.5)
    >>> check_timeout("600")
    Traceback (most recent call last):
    ...
    flp_inquiry.packs.pack.PackError: pack: timeout must be a number of seconds more than 0 and at most 86400 (a day), not '600'
    """
    number = timeout if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) else None
    if number is None or not math.isfinite(number) or not 0 < number <= MAX_TIMEOUT_SECONDS:
        raise PackError(f"{where}: timeout must be a number of seconds more than 0 and at most "
                        f"{MAX_TIMEOUT_SECONDS} (a day), not {timeout!r}")
    return float(number)


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
        Allowed values by district (``{"fresno": {"school": [...], "school_year": [...]}}``, and
        optionally each school's CDS code by name under ``"school_codes"``);
        by default read from the district's harmonised data (:func:`flp_inquiry.inquiry.questions.allowed_values`).

    Raises
    ------
    ParameterError
        A value a notebook does not declare, the package's questions do not take
        (:func:`flp_inquiry.inquiry.questions.question_choices`) or the data does not allow; nothing has run.
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
        codes = dict(district_allowed.pop(SCHOOL_CODES, None) or {})
        schools = _schools_of(pack, district, district_allowed)
        # named over the district's whole list, so a school's file is the same in every pack
        slugs = school_slugs([*district_allowed.get("school", []), *schools], codes)
        for notebook in notebooks:
            declared = notebook_parameters(notebook)
            if "district" not in declared:
                raise PackError(f"{notebook.name} has no 'district' parameter: it cannot be run for a district")
            base = {"district": district, "school_year": pack.school_year, "data_dir": str(pack.data.absolute()),
                    **BATCH_PARAMETERS}
            base = {name: value for name, value in base.items() if name in declared}
            # the pack's own values and the command line's, for the notebooks that declare them
            extra = {**{name: value for name, value in pack.parameters.items() if name in declared},
                     **{name: value_from_text(notebook, name, text)
                        for name, text in pack.command_line.items() if name in declared}}
            # A notebook without a school parameter is district-wide only.
            for school in schools if "school" in declared else [ALL_SCHOOLS]:
                parameters = {**base, **({"school": school} if "school" in declared else {}), **extra}
                choices = {name: values for name, values in question_choices(parameters).items() if name in declared}
                check_parameters(notebook, parameters, {**choices, **district_allowed})
                jobs.append(Job(district, notebook.stem, school, slugs[school], notebook, parameters,
                                None if school == ALL_SCHOOLS else codes.get(school)))
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
        return list(dict.fromkeys([ALL_SCHOOLS, *(school for school in allowed["school"] if school != ALL_SCHOOLS)]))
    return list(dict.fromkeys(entry))
