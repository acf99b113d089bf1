"""Readers of the California Department of Education's public files.

Four kinds of file, each read **by column name, never by position**, into one
canonical frame whatever the year's layout:

- CAASPP Smarter Balanced research-file *entities* files (CDS codes, entity type,
  names): :func:`read_caaspp_entities`, and :func:`schools_of_district`;
- the CAASPP student-group list: :func:`read_student_groups`;
- California School Dashboard *download* files: :func:`read_dashboard_download`;
- CAASPP Smarter Balanced *research* test-data files (one row per entity x grade
  x student group x test): :func:`read_caaspp_research_file`, and
  :func:`district_beside_state` to set a district beside the state.

The state's files are Windows-1252 (a UTF-8 file is recognised too), with CRLF
or LF line ends; the delimiter (comma, caret ``^`` or tab) is read from the
header line.  Suppressed cells (``*``) and blank or all-space cells become
missing values.  A file whose header is not one the reader knows raises
:class:`PublicFileLayoutError`, naming the columns expected and those found.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from flp_inquiry.errors import InputDataError, ParameterError, Problem
from flp_inquiry.ingest.public_text import (
    PublicFileLayoutError,
    Source,
    _blank_to_missing,
    _codes,
    _find_columns,
    _open_state_file,
    _OpenedFile,
    _read_text_chunks,
    _read_text_columns,
    _to_number,
)

#: CAASPP entity type ids (``Type ID``) and what each entity is.
ENTITY_TYPES: dict[int, str] = {
    4: "state",
    5: "county",
    6: "district",
    7: "school",
    9: "direct-funded charter",
    10: "locally funded charter",
}
#: The entity types that are schools (a direct-funded charter reports as its own LEA, but is a school).
SCHOOL_TYPE_IDS: tuple[int, ...] = (7, 9, 10)

#: Dashboard ``rtype`` codes (report type).

#: CAASPP test ids (``Test ID``) of the Smarter Balanced summative tests.
TEST_IDS: dict[int, str] = {1: "English language arts/literacy", 2: "Mathematics"}
#: The research files' grade code for all tested grades together.
ALL_GRADES = 13
#: The research files' student-group id of all students.
ALL_STUDENTS = 1
#: The CDS code of the state's rows.
STATE_CDS = "00000000000000"

#: Columns of one kind of number in the research files.
_RESEARCH_COUNTS = ("students_enrolled", "students_tested", "students_with_scores")
_RESEARCH_PERCENTAGES = ("pct_exceeded", "pct_met", "pct_met_and_above", "pct_nearly_met", "pct_not_met")
#: Rows parsed at a time from a research file (a statewide file has millions).
_RESEARCH_CHUNK_ROWS = 250_000


# --------------------------------------------------------------------------- entities

_ENTITY_COLUMNS: dict[str, tuple[str, ...]] = {
    "county_code": ("County Code",),
    "district_code": ("District Code",),
    "school_code": ("School Code",),
    "test_year": ("Test Year",),
    "type_id": ("Type ID", "Type Id"),
    "county_name": ("County Name",),
    "district_name": ("District Name",),
    "school_name": ("School Name",),
    "zip_code": ("Zip Code",),
}
#: Columns of :func:`read_caaspp_entities`, in order.
ENTITY_COLUMNS: tuple[str, ...] = (
    "county_code", "district_code", "school_code", "cds", "test_year", "type_id", "entity_type",
    "county_name", "district_name", "school_name", "zip_code",
)


def read_caaspp_entities(source: Source) -> pd.DataFrame:
    """Read a CAASPP Smarter Balanced research-file entities file, any year's layout.

    Layouts known (told apart by the header, never by column position):
    2015-2018 comma-delimited with every field quoted and ``Type Id`` after
    ``Test Year``; 2021-2023 caret-delimited, unquoted, ``Type ID``; 2024 on
    caret-delimited with ``Type ID`` after ``School Code``.  Names are kept as
    printed (the state is ``State of California`` before 2024 and
    ``State Of California`` from 2024).

    Parameters
    ----------
    source
        Path to the file (``sb_caYYYYentities_*.txt``), its bytes, or an open file.

    Returns
    -------
    pandas.DataFrame
        One row per entity: ``county_code`` (2 digits), ``district_code`` (5),
        ``school_code`` (7), ``cds`` (14), ``test_year`` and ``type_id`` (int),
        ``entity_type`` (state, county, district, school, direct-funded charter,
        locally funded charter; missing for a type id the state has not defined),
        ``county_name``, ``district_name``, ``school_name``, ``zip_code``
        (missing when blank).

    Raises
    ------
    PublicFileLayoutError
        The header lacks a column every layout has.
    InputDataError
        Codes that are not digits, a year or type id that is not a whole number.

    Examples
    --------
    >>> sample = (b"County Code^District Code^School Code^Type ID^Filler^Test Year^"
    ...           b"County Name^District Name^School Name^Zip Code\\r\\n"
    ...           b"00^00000^0000000^4^^2024^State Of California^^^\\r\\n"
    ...           b"10^62166^0108100^7^^2024^Fresno^Fresno Unified^Molly S. Bakman Elementary^93727\\r\\n")
    >>> entities = read_caaspp_entities(sample)
    >>> entities[["cds", "type_id", "entity_type", "school_name"]].to_string(index=False)
    '           cds  type_id entity_type                school_name\\n00000000000000        4       state                        NaN\\n10621660108100        7      school Molly S. Bakman Elementary'
    """
    opened = _open_state_file(source)
    renames, missing = _find_columns(opened.header, _ENTITY_COLUMNS)
    if missing:
        raise PublicFileLayoutError(opened.name, "CAASPP entities", missing, opened.header)
    text = _blank_to_missing(_read_text_columns(opened, renames).rename(columns=renames))
    problems: list[Problem] = []
    entities = _codes(text, opened.name, problems)
    for column in ("test_year", "type_id"):
        number = _to_number(text[column], opened.name, column, whole=True, problems=problems)
        for row in number.index[number.isna()][:20]:
            if pd.isna(text.at[row, column]):
                problems.append(Problem(opened.name, int(row) + 2, column, None, "this cell must not be empty"))
        entities[column] = number
    if problems:
        raise InputDataError(problems)
    entities["test_year"] = entities["test_year"].astype("int64")
    entities["type_id"] = entities["type_id"].astype("int64")
    entities["entity_type"] = entities["type_id"].map(ENTITY_TYPES).astype("str")
    return entities[list(ENTITY_COLUMNS)].reset_index(drop=True)


def schools_of_district(entities: pd.DataFrame, district_code: str | int) -> pd.DataFrame:
    """The schools of one district in an entities frame: types 7 (school) and 9, 10 (charters).

    Parameters
    ----------
    entities
        A frame from :func:`read_caaspp_entities`.
    district_code
        The 5-digit district code (``"62166"`` Fresno Unified, ``"64725"`` Long Beach Unified).

    Returns
    -------
    pandas.DataFrame
        The district's school rows, same columns, ordered by ``school_code``.

    Examples
    --------
    >>> import io
    >>> sample = io.StringIO(
    ...     "County Code^District Code^School Code^Filler^Test Year^Type ID^County Name^District Name^School Name^Zip Code\\n"
    ...     "10^62166^0000000^^2022^6^Fresno^Fresno Unified^^\\n"
    ...     "10^62166^0121533^^2022^10^Fresno^Fresno Unified^Morris E. Dailey Charter Elementary^93704\\n"
    ...     "10^62166^0108100^^2022^7^Fresno^Fresno Unified^Molly S. Bakman Elementary^93727\\n")
    >>> schools_of_district(read_caaspp_entities(sample), "62166")["school_code"].tolist()
    ['0108100', '0121533']
    """
    missing = [c for c in ("district_code", "type_id", "school_code") if c not in entities.columns]
    if missing:
        raise ParameterError("entities", f"a frame without {', '.join(missing)}",
                             reason="pass the frame read_caaspp_entities returns")
    code = str(district_code).strip().zfill(5)
    if not (code.isdigit() and len(code) == 5):
        raise ParameterError("district_code", district_code, reason="a district code has 5 digits, e.g. '62166'")
    chosen = entities[(entities["district_code"] == code) & entities["type_id"].isin(SCHOOL_TYPE_IDS)]
    return chosen.sort_values("school_code").reset_index(drop=True)


# --------------------------------------------------------------------------- student groups

_STUDENT_GROUP_COLUMNS: dict[str, tuple[str, ...]] = {
    "demographic_id": ("Demographic ID Num", "Demographic ID"),
    "demographic_name": ("Demographic Name",),
    "student_group": ("Student Group",),
}


def read_student_groups(source: Source) -> pd.DataFrame:
    """Read the CAASPP student-group list (``StudentGroups_YYYY.txt``, caret-delimited).

    Parameters
    ----------
    source
        Path to the file, its bytes, or an open file.

    Returns
    -------
    pandas.DataFrame
        ``demographic_id`` (int; the research files' ``Student Group ID``),
        ``demographic_name`` and ``student_group`` (category: the family of
        groups, e.g. ``Economic Status``).

    Examples
    --------
    >>> sample = (b"Demographic ID^Demographic ID Num^Demographic Name^Student Group\\r\\n"
    ...           b"001^1^All Students^All Students\\r\\n"
    ...           b"160^160^EL (English learner)^English-Language Fluency\\r\\n")
    >>> read_student_groups(sample).to_dict("records")[1]
    {'demographic_id': 160, 'demographic_name': 'EL (English learner)', 'student_group': 'English-Language Fluency'}
    """
    opened = _open_state_file(source)
    renames, missing = _find_columns(opened.header, _STUDENT_GROUP_COLUMNS)
    if missing:
        raise PublicFileLayoutError(opened.name, "CAASPP student groups", missing, opened.header)
    text = _blank_to_missing(_read_text_columns(opened, renames).rename(columns=renames))
    problems: list[Problem] = []
    ids = _to_number(text["demographic_id"], opened.name, "demographic_id", whole=True, problems=problems)
    for row in ids.index[text["demographic_id"].isna()][:20]:
        problems.append(Problem(opened.name, int(row) + 2, "demographic_id", None, "this cell must not be empty"))
    if problems:
        raise InputDataError(problems)
    return pd.DataFrame({
        "demographic_id": ids.astype("int64"),
        "demographic_name": text["demographic_name"],
        "student_group": text["student_group"].astype("category"),
    }).reset_index(drop=True)


# --------------------------------------------------------------------------- research files


@dataclass(frozen=True)
class ResearchFileLayout:
    """One published layout of the CAASPP research test-data file: canonical name -> accepted column names."""

    name: str
    columns: Mapping[str, tuple[str, ...]]


_SHARED_RESEARCH_COLUMNS: dict[str, tuple[str, ...]] = {
    "county_code": ("County Code",),
    "district_code": ("District Code",),
    "school_code": ("School Code",),
    "test_year": ("Test Year",),
    "test_type": ("Test Type",),
    "grade": ("Grade",),
    "students_tested": ("Students Tested",),
    "mean_scale_score": ("Mean Scale Score",),
    "pct_exceeded": ("Percentage Standard Exceeded",),
    "pct_met": ("Percentage Standard Met",),
    "pct_met_and_above": ("Percentage Standard Met and Above",),
    "pct_nearly_met": ("Percentage Standard Nearly Met",),
    "pct_not_met": ("Percentage Standard Not Met",),
}

#: The research file's layouts, newest first; a file is read with the first whose columns it all has.
RESEARCH_FILE_LAYOUTS: tuple[ResearchFileLayout, ...] = (
    # 2024 on: reordered, names added; the group-level counts are "Total Students ...".
    ResearchFileLayout("2024 on (caret)", {
        **_SHARED_RESEARCH_COLUMNS,
        "type_id": ("Type ID",),
        "student_group_id": ("Student Group ID",),
        "test_id": ("Test ID",),
        "students_enrolled": ("Total Students Enrolled",),
        "students_tested": ("Total Students Tested",),
        "students_with_scores": ("Total Students Tested with Scores",),
    }),
    # 2021-2023: renamed ids; entity-level totals are "... at Reporting Level" (not read).
    ResearchFileLayout("2021-2023 (caret)", {
        **_SHARED_RESEARCH_COLUMNS,
        "type_id": ("Type ID",),
        "student_group_id": ("Student Group ID",),
        "test_id": ("Test ID",),
        "students_enrolled": ("Students Enrolled",),
        "students_with_scores": ("Total Students with Scores", "Students with Scores"),
    }),
    # 2015-2019: comma-delimited and quoted; "Subgroup ID", "Test Id", "CAASPP Reported Enrollment".
    ResearchFileLayout("2015-2019 (comma, quoted)", {
        **_SHARED_RESEARCH_COLUMNS,
        "student_group_id": ("Subgroup ID",),
        "test_id": ("Test Id",),
        "students_enrolled": ("CAASPP Reported Enrollment",),
        "students_with_scores": ("Students with Scores",),
    }),
)

#: Columns of :func:`read_caaspp_research_file`, in order.
RESEARCH_COLUMNS: tuple[str, ...] = (
    "cds", "county_code", "district_code", "school_code", "test_year", "type_id", "student_group_id",
    "test_type", "grade", "test_id", *_RESEARCH_COUNTS, "mean_scale_score", *_RESEARCH_PERCENTAGES,
)


def _research_layout(opened: _OpenedFile) -> tuple[ResearchFileLayout, dict[str, str]]:
    """The first layout whose every column the header has, or an error naming the nearest one's gaps."""
    nearest: tuple[ResearchFileLayout, list[str]] | None = None
    for layout in RESEARCH_FILE_LAYOUTS:
        renames, missing = _find_columns(opened.header, layout.columns)
        if not missing:
            return layout, renames
        if nearest is None or len(missing) < len(nearest[1]):
            nearest = (layout, missing)
    assert nearest is not None
    raise PublicFileLayoutError(
        opened.name, "CAASPP research test-data", nearest[1], opened.header,
        detail=f"Nearest known layout: {nearest[0].name}; "
               f"known layouts: {', '.join(layout.name for layout in RESEARCH_FILE_LAYOUTS)}",
    )


def _canonical_research_rows(text: pd.DataFrame, file: str, problems: list[Problem]) -> pd.DataFrame:
    rows = _codes(text, file, problems)
    for column in ("test_year", "type_id", "student_group_id", "grade", "test_id", *_RESEARCH_COUNTS):
        if column in text.columns:
            rows[column] = _to_number(text[column], file, column, whole=True, problems=problems)
        else:
            rows[column] = pd.array([pd.NA] * len(text), dtype="Int64")  # 2015-2019 have no Type ID
    for column in ("mean_scale_score", *_RESEARCH_PERCENTAGES):
        rows[column] = _to_number(text[column], file, column, whole=False, problems=problems)
    return rows[list(RESEARCH_COLUMNS)]


def read_caaspp_research_file(source: Source, *, cds: Collection[str] | None = None) -> pd.DataFrame:
    """Read a CAASPP Smarter Balanced research test-data file, any year's layout, into one frame.

    The layout (:data:`RESEARCH_FILE_LAYOUTS`) is recognised from the header's
    column names; columns are read by name, so their order does not matter.

    Parameters
    ----------
    source
        Path to the file (``sb_caYYYY_all_csv_vN.txt`` or ``sb_caYYYY_1_...``),
        its bytes, or an open file.
    cds
        Keep only these 14-digit CDS codes (e.g. the state, a district and its
        schools); the file is read in chunks, so a statewide file fits in memory.

    Returns
    -------
    pandas.DataFrame
        One row per entity x student group x grade x test: ``cds``,
        ``county_code``, ``district_code``, ``school_code``, ``test_year``,
        ``type_id`` (missing before 2021), ``student_group_id``, ``test_type``
        (``B`` Smarter Balanced), ``grade`` (13 = all grades), ``test_id``
        (1 ELA, 2 math), ``students_enrolled``, ``students_tested``,
        ``students_with_scores`` (Int64); ``mean_scale_score``,
        ``pct_exceeded``, ``pct_met``, ``pct_met_and_above``,
        ``pct_nearly_met``, ``pct_not_met`` (float).  Suppressed (``*``) cells
        are missing.  ``frame.attrs["layout"]`` names the layout read.

    Raises
    ------
    PublicFileLayoutError
        The header matches no known layout: the error names the columns the
        nearest layout misses.
    InputDataError
        Codes that are not digits, text where a number belongs.

    Examples
    --------
    >>> import io
    >>> sample = io.StringIO(
    ...     "County Code^District Code^School Code^Filler^Test Year^Type ID^Student Group ID^Test Type^"
    ...     "Total Students Tested at Reporting Level^Total Students Tested with Scores at Reporting Level^"
    ...     "Grade^Test ID^Students Enrolled^Students Tested^Mean Scale Score^Percentage Standard Exceeded^"
    ...     "Percentage Standard Met^Percentage Standard Met and Above^Percentage Standard Nearly Met^"
    ...     "Percentage Standard Not Met^Total Students with Scores\\n"
    ...     "10^62166^0000000^^2022^6^1^B^30000^29500^13^1^31000^30000^2470.2^9.10^20.40^29.50^24.00^46.50^29900\\n"
    ...     "10^62166^0000000^^2022^6^160^B^30000^29500^13^1^*^*^*^*^*^*^*^*^*\\n")
    >>> research = read_caaspp_research_file(sample)
    >>> research.attrs["layout"]
    '2021-2023 (caret)'
    >>> research[["cds", "student_group_id", "students_with_scores", "pct_met_and_above"]].to_string(index=False)
    '           cds  student_group_id  students_with_scores  pct_met_and_above\\n10621660000000                 1                 29900               29.5\\n10621660000000               160                  <NA>                NaN'
    """
    opened = _open_state_file(source)
    layout, renames = _research_layout(opened)
    keep = None
    if cds is not None:
        keep = {str(code).strip() for code in cds}
        wrong = sorted(code for code in keep if not (code.isdigit() and len(code) == 14))
        if wrong:
            raise ParameterError("cds", wrong[0], reason="a CDS code has 14 digits, e.g. '10621660000000'")
    problems: list[Problem] = []
    pieces = []
    first_row = 0
    for chunk in _read_text_chunks(opened, renames, chunksize=_RESEARCH_CHUNK_ROWS):
        # Row numbers stay those of the whole file, for the problems a coach may look up.
        chunk.index = pd.RangeIndex(first_row, first_row + len(chunk))
        first_row += len(chunk)
        text = _blank_to_missing(chunk.rename(columns=renames))
        if keep is not None:
            entity = (text["county_code"].str.zfill(2) + text["district_code"].str.zfill(5)
                      + text["school_code"].str.zfill(7))
            text = text[entity.isin(keep)]
        pieces.append(_canonical_research_rows(text, opened.name, problems))
        if len(problems) > InputDataError.max_listed:
            break
    if problems:
        raise InputDataError(problems)
    research = pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame(columns=list(RESEARCH_COLUMNS))
    research.attrs["layout"] = layout.name
    return research


#: The research-file measures :func:`district_beside_state` sets side by side unless told otherwise.
BESIDE_STATE_MEASURES: tuple[str, ...] = ("students_with_scores", "mean_scale_score", "pct_met_and_above")


def district_beside_state(
    research: pd.DataFrame,
    district_cds: str,
    *,
    test_id: int,
    grade: int = ALL_GRADES,
    student_group_id: int = ALL_STUDENTS,
    measures: Sequence[str] = BESIDE_STATE_MEASURES,
) -> pd.DataFrame:
    """A district's results beside the state's, one row per test year, for one test, grade and group.

    Parameters
    ----------
    research
        A frame from :func:`read_caaspp_research_file` (one or several years concatenated).
    district_cds
        The district's 14-digit CDS code (``"10621660000000"`` Fresno Unified,
        ``"19647250000000"`` Long Beach Unified); a school's code works too.
    test_id
        1 English language arts/literacy, 2 mathematics.
    grade
        3-8, 11, or 13 for all tested grades (the default).
    student_group_id
        A CAASPP student-group id (1 all students, 160 English learners, ...).
    measures
        Research-frame columns to set side by side.

    Returns
    -------
    pandas.DataFrame
        ``test_year``, then ``district_<measure>`` and ``state_<measure>`` for
        each measure; a value is missing where that side has no row or the
        state suppressed it.

    Raises
    ------
    ParameterError
        A bad code or test id, an unknown measure, or no row for the district.
    InputDataError
        Two rows for the same entity, year, test, grade and group.

    Examples
    --------
    >>> research = pd.DataFrame({
    ...     "cds": ["00000000000000", "10621660000000", "10621660000000"],
    ...     "test_year": [2023, 2023, 2023], "test_id": [1, 1, 2], "grade": [13, 13, 13],
    ...     "student_group_id": [1, 1, 1], "students_with_scores": [2_800_000, 31_000, 31_200],
    ...     "mean_scale_score": [2500.1, 2470.3, 2440.0], "pct_met_and_above": [46.66, 33.2, 23.1]})
    >>> district_beside_state(research, "10621660000000", test_id=1,
    ...                       measures=["pct_met_and_above"]).to_dict("records")
    [{'test_year': 2023, 'district_pct_met_and_above': 33.2, 'state_pct_met_and_above': 46.66}]
    """
    code = str(district_cds).strip()
    if not (code.isdigit() and len(code) == 14):
        raise ParameterError("district_cds", district_cds, reason="a CDS code has 14 digits, e.g. '10621660000000'")
    if test_id not in TEST_IDS:
        raise ParameterError("test_id", test_id, list(TEST_IDS))
    keys = ["cds", "test_year", "test_id", "grade", "student_group_id"]
    unknown = [c for c in [*keys, *measures] if c not in research.columns]
    if unknown:
        raise ParameterError("measures", ", ".join(unknown), [c for c in research.columns if c not in keys],
                             reason="not a column of the research frame")
    chosen = research[(research["test_id"] == test_id) & (research["grade"] == grade)
                      & (research["student_group_id"] == student_group_id)]
    sides = {}
    for side, side_cds in (("district", code), ("state", STATE_CDS)):
        rows = chosen[chosen["cds"] == side_cds]
        repeated = rows["test_year"][rows["test_year"].duplicated()]
        if len(repeated):
            raise InputDataError([Problem("research frame", None, "test_year", int(repeated.iloc[0]),
                                          f"two rows for {side_cds}, test {test_id}, grade {grade}, "
                                          f"group {student_group_id} in the same year")])
        sides[side] = rows[["test_year", *measures]].rename(columns={m: f"{side}_{m}" for m in measures})
    if sides["district"].empty:
        raise ParameterError("district_cds", code, reason=(
            f"the research frame has no row for it with test {test_id}, grade {grade}, group {student_group_id}"))
    beside = sides["district"].merge(sides["state"], on="test_year", how="left", validate="one_to_one")
    ordered = ["test_year", *[f"{side}_{m}" for m in measures for side in ("district", "state")]]
    return beside[ordered].sort_values("test_year").reset_index(drop=True)
