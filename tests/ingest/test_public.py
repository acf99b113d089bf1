"""Readers of the state's public files, on the real files in shared/ and hand-made fixtures.

Expected values were read from the raw files by hand (grep/awk, see each comment), never
from the readers' output.
"""
from __future__ import annotations

import io
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from flp_inquiry.errors import InputDataError, ParameterError
from flp_inquiry.ingest.dashboard_downloads import DASHBOARD_STUDENT_GROUPS, read_dashboard_download
from flp_inquiry.ingest.public import (
    ENTITY_COLUMNS,
    RESEARCH_COLUMNS,
    district_beside_state,
    read_caaspp_entities,
    read_caaspp_research_file,
    read_student_groups,
    schools_of_district,
)
from flp_inquiry.ingest.public_text import PublicFileLayoutError
from tests.conftest import FIXTURES, PUBLIC

# The glob runs at collection, before fixtures: the same place as conftest.PUBLIC (tests skip through
# the public_dir fixture when it is absent).
FIXTURES = FIXTURES / "public"
FRESNO_UNIFIED, LONG_BEACH_UNIFIED = "62166", "64725"
FRESNO_UNIFIED_CDS, LONG_BEACH_UNIFIED_CDS = "10621660000000", "19647250000000"

# --------------------------------------------------------------------------- entities (real files)

# Counted by hand in each raw file:
#   tr -d '"' < f | tr ',^' '||' | awk -F'|' 'NR>1{print $1, $2, $6}' | sort | uniq -c
# schools = type 7 + type 9 + type 10 rows of the district; rows = lines - 1 (header).
ENTITY_COUNTS = {
    # year: (rows, Fresno Unified schools, Long Beach Unified schools)
    2015: (218, 100 + 8 + 2, 100 + 2 + 1),
    2016: (196, 97 + 7 + 1, 84 + 2),
    2017: (195, 98 + 6 + 1, 83 + 2),
    2018: (196, 98 + 7 + 1, 83 + 2),
    2021: (196, 98 + 7 + 1, 84 + 1),
    2022: (199, 98 + 9 + 1, 84 + 2),
}
# Schools present in every year, found with grep in each file: code -> (type id, school name).
FRESNO_KNOWN_SCHOOLS = {
    "0108100": (7, "Molly S. Bakman Elementary"),
    "0114553": (9, "University High"),
    "0121533": (10, "Morris E. Dailey Charter Elementary"),
}
LONG_BEACH_KNOWN_SCHOOLS = {"0107458": (7, "Chavez Elementary")}


def entities_files() -> list[Path]:
    return sorted(PUBLIC.glob("sb_ca*entities*.txt"))


def year_of(path: Path) -> int:
    return int(re.search(r"sb_ca(\d{4})entities", path.name).group(1))


@pytest.mark.parametrize("path", entities_files(), ids=lambda p: p.name)
def test_every_entities_file_reads_to_the_canonical_columns(public_dir, path):
    entities = read_caaspp_entities(path)
    rows, _, _ = ENTITY_COUNTS[year_of(path)]  # a new file fails here until someone counts it by hand
    assert list(entities.columns) == list(ENTITY_COLUMNS)
    assert len(entities) == rows
    assert (entities["test_year"] == year_of(path)).all()
    assert entities["cds"].str.fullmatch(r"\d{14}").all()
    assert (entities["cds"] == entities["county_code"] + entities["district_code"] + entities["school_code"]).all()
    assert set(entities["type_id"]) <= {4, 5, 6, 7, 9, 10}


@pytest.mark.parametrize("path", entities_files(), ids=lambda p: p.name)
def test_entities_give_each_districts_schools(public_dir, path):
    entities = read_caaspp_entities(path)
    _, fresno_count, long_beach_count = ENTITY_COUNTS[year_of(path)]
    fresno = schools_of_district(entities, FRESNO_UNIFIED)
    long_beach = schools_of_district(entities, LONG_BEACH_UNIFIED)
    assert len(fresno) == fresno_count
    assert len(long_beach) == long_beach_count
    assert fresno["school_code"].is_unique and long_beach["school_code"].is_unique
    for schools, known in ((fresno, FRESNO_KNOWN_SCHOOLS), (long_beach, LONG_BEACH_KNOWN_SCHOOLS)):
        by_code = schools.set_index("school_code")
        for code, (type_id, name) in known.items():
            assert by_code.at[code, "type_id"] == type_id
            assert by_code.at[code, "school_name"] == name


@pytest.mark.parametrize("path", entities_files(), ids=lambda p: p.name)
def test_entities_district_and_state_rows(public_dir, path):
    entities = read_caaspp_entities(path)
    by_cds = entities.set_index("cds")
    assert by_cds.at[FRESNO_UNIFIED_CDS, "entity_type"] == "district"
    assert by_cds.at[FRESNO_UNIFIED_CDS, "district_name"] == "Fresno Unified"
    # 2016 alone spells it "Long Beach Unified School District" (grep '"6"' sb_ca2016*).
    assert by_cds.at[LONG_BEACH_UNIFIED_CDS, "district_name"] in {
        "Long Beach Unified", "Long Beach Unified School District"}
    state = entities[entities["type_id"] == 4]
    assert state["cds"].tolist() == ["00000000000000"]
    assert state["entity_type"].tolist() == ["state"]
    assert state["county_name"].tolist() == ["State of California"]
    # A blank or all-space zip ("     " in 2015-2018) is missing: the state row has none.
    assert pd.isna(state["zip_code"].iloc[0])


@pytest.mark.parametrize("path", [p for p in entities_files() if year_of(p) >= 2016], ids=lambda p: p.name)
def test_a_quoted_name_with_commas_stays_one_field(public_dir, path):
    # grep 0127381: "Ernest S. Mcbride, Sr. High" (McBride from 2021); not in the 2015 file.
    entities = read_caaspp_entities(path)
    school = entities[entities["school_code"] == "0127381"]
    assert school["school_name"].str.casefold().tolist() == ["ernest s. mcbride, sr. high"]
    assert school["zip_code"].tolist() == ["90808"]


# --------------------------------------------------------------------------- entities (2024 layout fixture)


def test_entities_2024_layout_reads_to_the_same_columns():
    entities = read_caaspp_entities(FIXTURES / "sb_ca2024entities_layout_2024.txt")
    assert list(entities.columns) == list(ENTITY_COLUMNS)
    assert len(entities) == 10
    state = entities[entities["type_id"] == 4].iloc[0]
    assert (state["cds"], state["county_name"], state["entity_type"]) == (
        "00000000000000", "State Of California", "state")
    fresno = schools_of_district(entities, 62166)  # an int code is padded to 5 digits
    assert fresno[["school_code", "type_id", "entity_type"]].values.tolist() == [
        ["0108100", 7, "school"],
        ["0114553", 9, "direct-funded charter"],
        ["0121533", 10, "locally funded charter"],
    ]
    made_up = entities[entities["school_code"] == "9999999"].iloc[0]
    assert made_up["school_name"] == "Escuela Piñón (made-up row)"  # byte F1 and F3 of Windows-1252
    assert pd.isna(made_up["zip_code"])  # five spaces


def test_entities_layouts_agree_on_one_school():
    header_2015 = b'"County Code","District Code","School Code","Filler","Test Year","Type Id","County Name","District Name","School Name","Zip Code"\r\n'
    row_2015 = b'"10","62166","0108100",,"2015","7","Fresno","Fresno Unified","Molly S. Bakman Elementary","93727"\r\n'
    header_2021 = b"County Code^District Code^School Code^Filler^Test Year^Type ID^County Name^District Name^School Name^Zip Code\r\n"
    row_2021 = b"10^62166^0108100^^2021^7^Fresno^Fresno Unified^Molly S. Bakman Elementary^93727\r\n"
    old = read_caaspp_entities(header_2015 + row_2015).drop(columns="test_year")
    new = read_caaspp_entities(header_2021 + row_2021).drop(columns="test_year")
    pd.testing.assert_frame_equal(old, new)


def test_entities_with_an_unknown_header_name_the_missing_columns():
    sample = b"County Code^District Code^School Code^Test Year^County Name^District Name^School Name^Zip\r\n"
    with pytest.raises(PublicFileLayoutError) as raised:
        read_caaspp_entities(sample)
    assert raised.value.missing == ["Type ID", "Zip Code"]
    assert "'Zip'" in str(raised.value)


def test_entities_codes_that_lost_their_zeros_are_padded_and_letters_are_reported():
    header = b"County Code^District Code^School Code^Filler^Test Year^Type ID^County Name^District Name^School Name^Zip Code\r\n"
    padded = read_caaspp_entities(header + b"1^1234^130401^^2022^7^Alameda^X^Y^94501\r\n")
    assert padded["cds"].tolist() == ["01012340130401"]
    with pytest.raises(InputDataError) as raised:
        read_caaspp_entities(header + b"10^62166^01O8100^^2022^7^Fresno^X^Y^93727\r\n")
    problem = raised.value.problems[0]
    assert (problem.row, problem.column, problem.value) == (2, "school_code", "01O8100")


@pytest.mark.parametrize("district_code", ["6216", "abcde", "621660"])
def test_schools_of_district_rejects_a_code_that_is_not_five_digits(district_code):
    entities = read_caaspp_entities(FIXTURES / "sb_ca2024entities_layout_2024.txt")
    if district_code == "6216":
        # Four digits are padded ("06216"): a real code shape, with no schools here.
        assert schools_of_district(entities, district_code).empty
    else:
        with pytest.raises(ParameterError):
            schools_of_district(entities, district_code)


# --------------------------------------------------------------------------- student groups


def test_student_groups(public_dir):
    groups = read_student_groups(public_dir / "StudentGroups_2023.txt")
    # wc -l gives 59 lines: a header and 58 groups.
    assert len(groups) == 58
    assert groups["demographic_id"].is_unique
    assert str(groups["student_group"].dtype) == "category"
    by_id = groups.set_index("demographic_id")
    assert by_id.at[1, "demographic_name"] == "All Students"
    assert by_id.at[160, "demographic_name"] == "EL (English learner)"
    assert by_id.at[160, "student_group"] == "English-Language Fluency"
    assert by_id.at[31, "demographic_name"] == "Socioeconomically disadvantaged"
    assert by_id.at[31, "student_group"] == "Economic Status"
    # Family sizes counted with awk -F'^' '{print $4}' | sort | uniq -c.
    assert (groups["student_group"] == "English-Language Fluency").sum() == 13
    assert (groups["student_group"] == "Race and Ethnicity").sum() == 8


# --------------------------------------------------------------------------- Dashboard downloads

# Rows = wc -l minus the header.  rtype counts: awk -F'\t' 'NR>1{print $2}' f | sort | uniq -c.
DASHBOARD_FILES = {
    "ccidownload2017f_fresno_longbeach.txt": (318, {"D": 28, "S": 290}),
    "ela11download2017f_fresno_longbeach.txt": (394, {"D": 34, "S": 360}),
    "elpidownload2017f_fresno_longbeach.txt": (177, {"D": 2, "S": 175}),
    "graddownload2017f_fresno_longbeach.txt": (334, {"D": 28, "S": 306}),
    "math11download2017f_fresno_longbeach.txt": (393, {"D": 34, "S": 359}),
}
# The Fresno Unified district row (cds 10621660000000, studentgroup ALL where the file has
# groups), read from the raw line with awk -F'\t' '$1=="10621660000000" && $8=="ALL"'.
FRESNO_DISTRICT_ALL = {
    "ccidownload2017f_fresno_longbeach.txt": {
        "studentgroup_pct": 100.0, "currdenom": 3828, "currstatus": 37.4, "curr_prep": 1433,
        "curr_prep_pct": 37.4, "curr_nprep": 1256, "statuslevel": 3, "reportingyear": "2017f"},
    "ela11download2017f_fresno_longbeach.txt": {
        "currdenom": 3562, "currstatus": -11.6, "priordenom": 3488, "priorstatus": -15.9, "change": 4.3,
        "caa_denom": 31, "caa_level1_pct": 38.7},
    "elpidownload2017f_fresno_longbeach.txt": {
        "currtesters": 12077, "currdenom": 14625, "currstatus": 70.0, "priorstatus": 71.0, "change": -1.0,
        "statuslevel": 3, "changelevel": 3, "color": 3, "box": 130, "nsize_met": "Y"},
    "graddownload2017f_fresno_longbeach.txt": {
        "currnumer": 3553, "currdenom": 3871, "currstatus": 91.8, "cal_method": "3yr", "safetynet": "N",
        "change": 3.5, "statuslevel": 4, "changelevel": 4, "color": 4, "box": 90},
    "math11download2017f_fresno_longbeach.txt": {
        "currdenom": 3368, "currstatus": -103.8, "priorstatus": -93.5, "change": -10.3, "caa_denom": 33},
}


@pytest.mark.parametrize("name", sorted(DASHBOARD_FILES))
def test_dashboard_download_rows_and_report_types(public_dir, name):
    frame = read_dashboard_download(public_dir / name)
    rows, report_types = DASHBOARD_FILES[name]
    assert len(frame) == rows
    assert frame["rtype"].value_counts().to_dict() == report_types
    assert frame["cds"].str.fullmatch(r"\d{14}").all()
    assert frame.columns[0] == "cds" and all(c == c.lower() for c in frame.columns)


@pytest.mark.parametrize("name", sorted(DASHBOARD_FILES))
def test_dashboard_download_fresno_district_row(public_dir, name):
    frame = read_dashboard_download(public_dir / name)
    district = frame[(frame["cds"] == FRESNO_UNIFIED_CDS) & (frame["rtype"] == "D")]
    if "studentgroup" in frame.columns:
        district = district[district["studentgroup"] == "ALL"]
    assert len(district) == 1
    row = district.iloc[0]
    assert row["districtname"] == "Fresno Unified"
    for column, expected in FRESNO_DISTRICT_ALL[name].items():
        if isinstance(expected, float):
            assert row[column] == pytest.approx(expected), column
        else:
            assert row[column] == expected, column


@pytest.mark.parametrize("name", sorted(DASHBOARD_FILES))
def test_dashboard_download_types_by_column_name(public_dir, name):
    frame = read_dashboard_download(public_dir / name)
    assert frame["cds"].dtype == "str"
    assert frame["currstatus"].dtype == "float64"
    assert frame["currdenom"].dtype == "Int64"
    for level in ("statuslevel", "changelevel", "color"):
        if level in frame.columns:
            assert frame[level].dtype == "Int64"


@pytest.mark.parametrize("name", sorted(n for n in DASHBOARD_FILES if not n.startswith("elpi")))
def test_dashboard_student_groups_are_the_states(public_dir, name):
    frame = read_dashboard_download(public_dir / name)
    assert set(frame["studentgroup"]) <= set(DASHBOARD_STUDENT_GROUPS)
    assert "ALL" in set(frame["studentgroup"])


def test_dashboard_blank_cells_are_missing_and_zero_stays_zero(public_dir):
    # Valley Preparatory Academy Charter, ALL, in graddownload: currnumer blank, currdenom 0,
    # currstatus blank, priordenom 1, cal_method N/A (awk on cds 10621660106740).
    frame = read_dashboard_download(public_dir / "graddownload2017f_fresno_longbeach.txt")
    row = frame[(frame["cds"] == "10621660106740") & (frame["studentgroup"] == "ALL")].iloc[0]
    assert row["currnumer"] is pd.NA
    assert row["currdenom"] == 0
    assert math.isnan(row["currstatus"])
    assert row["priordenom"] == 1
    assert row["cal_method"] == "N/A"  # a text column: N/A is the state's word, kept


def test_dashboard_asterisks_are_missing_and_lost_zeros_restored():
    sample = (b"cds\trtype\tstudentgroup\tcurrdenom\tcurrstatus\tchange\tcolor\r\n"
              b"1612590000000\tD\tEL\t*\t*\t\t0\r\n")  # Excel dropped the leading 0 of 01612590000000
    row = read_dashboard_download(sample).iloc[0]
    assert row["cds"] == "01612590000000"
    assert row["currdenom"] is pd.NA
    assert math.isnan(row["currstatus"]) and math.isnan(row["change"])
    assert row["color"] == 0


def test_dashboard_text_in_a_count_column_is_reported_with_its_row():
    sample = b"cds\trtype\tcurrdenom\tcurrstatus\n10621660000000\tD\t12\t1.5\n10621660000000\tD\tn/a\t2\n"
    with pytest.raises(InputDataError) as raised:
        read_dashboard_download(sample)
    problem = raised.value.problems[0]
    assert (problem.row, problem.column, problem.value) == (3, "currdenom", "n/a")


def test_dashboard_without_cds_is_not_a_dashboard_file():
    with pytest.raises(PublicFileLayoutError) as raised:
        read_dashboard_download(b"CDSCode\trtype\n1\tD\n")
    assert raised.value.missing == ["cds"]


# --------------------------------------------------------------------------- research files (fixtures)

RESEARCH_FIXTURES = {
    # file: (test year, layout, type ids of the six rows or None before 2021)
    "sb_ca2016_research_layout_2015.txt": (2016, "2015-2019 (comma, quoted)", None),
    "sb_ca2018_research_layout_2017.txt": (2018, "2015-2019 (comma, quoted)", None),
    "sb_ca2022_research_layout_2021.txt": (2022, "2021-2023 (caret)", [4, 4, 6, 6, 7, 7]),
    "sb_ca2024_research_layout_2024.txt": (2024, "2024 on (caret)", [4, 4, 6, 6, 7, 7]),
}
# The six rows written into every research fixture (see tests/fixtures/public/README.md).
EXPECTED_RESEARCH_ROWS = pd.DataFrame(
    [
        ["00000000000000", 1, 13, 1, 3212000, 3150000, 3145000, 2503.47, 21.03, 28.85, 49.88, 24.51, 25.61],
        ["00000000000000", 1, 13, 2, 3215000, 3160000, 3155000, 2486.61, 17.21, 20.13, 37.34, 26.08, 36.58],
        ["10621660000000", 1, 13, 1, 31500, 30900, 30850, 2460.20, 11.52, 21.04, 32.56, 24.87, 42.57],
        ["10621660000000", 160, 13, 1, 8000, 7900, 7890, 2398.50, 1.12, 7.03, 8.15, 23.90, 67.95],
        ["10621660108100", 1, 3, 1, 95, 93, 93, 2410.40, 13.98, 20.43, 34.41, 25.81, 39.78],
        ["10621660108100", 74, 3, 1, 8, *[None] * 8],
    ],
    columns=["cds", "student_group_id", "grade", "test_id", "students_enrolled", "students_tested",
             "students_with_scores", "mean_scale_score", "pct_exceeded", "pct_met", "pct_met_and_above",
             "pct_nearly_met", "pct_not_met"],
)


@pytest.mark.parametrize("name", sorted(RESEARCH_FIXTURES))
def test_research_file_every_layout_reads_to_one_frame(name):
    year, layout, type_ids = RESEARCH_FIXTURES[name]
    research = read_caaspp_research_file(FIXTURES / name)
    assert research.attrs["layout"] == layout
    assert list(research.columns) == list(RESEARCH_COLUMNS)
    assert (research["test_year"] == year).all()
    assert (research["test_type"] == "B").all()
    assert research["county_code"].tolist()[:3] == ["00", "00", "10"]
    if type_ids is None:
        assert research["type_id"].isna().all()
    else:
        assert research["type_id"].tolist() == type_ids
    for column in ("student_group_id", "grade", "test_id", "students_enrolled", "students_tested",
                   "students_with_scores"):
        assert research[column].dtype == "Int64", column
    assert len(research) == len(EXPECTED_RESEARCH_ROWS)
    for (_, got), (_, expected) in zip(research.iterrows(), EXPECTED_RESEARCH_ROWS.iterrows()):
        assert_same_row(got, expected)


def assert_same_row(got: pd.Series, expected: pd.Series) -> None:
    """Missing where the fixture has ``*``, equal (floats to rounding) elsewhere."""
    for column, value in expected.items():
        if pd.isna(value):
            assert pd.isna(got[column]), column
        elif isinstance(value, float):
            assert got[column] == pytest.approx(value), column
        else:
            assert got[column] == value, column


def test_research_file_suppressed_group_keeps_its_enrolment_only():
    research = read_caaspp_research_file(FIXTURES / "sb_ca2022_research_layout_2021.txt")
    suppressed = research[research["student_group_id"] == 74].iloc[0]
    assert suppressed["students_enrolled"] == 8
    assert suppressed["students_tested"] is pd.NA
    assert math.isnan(suppressed["pct_met_and_above"])


def test_research_file_unknown_layout_names_the_missing_columns():
    with pytest.raises(PublicFileLayoutError) as raised:
        read_caaspp_research_file(FIXTURES / "research_unknown_layout.txt")
    # Nearest layout is 2021-2023: the two renamed columns are what it misses.
    assert raised.value.missing == ["Student Group ID", "Test ID"]
    message = str(raised.value)
    assert "Nearest known layout: 2021-2023 (caret)" in message
    assert "'Student Group'" in message  # what the header has instead


def test_research_file_keeps_only_the_cds_asked_for():
    research = read_caaspp_research_file(FIXTURES / "sb_ca2024_research_layout_2024.txt",
                                         cds=["00000000000000", FRESNO_UNIFIED_CDS])
    # Rows 1-4 of the six are the state's and Fresno Unified's.
    assert research["cds"].tolist() == ["00000000000000"] * 2 + [FRESNO_UNIFIED_CDS] * 2
    with pytest.raises(ParameterError):
        read_caaspp_research_file(FIXTURES / "sb_ca2024_research_layout_2024.txt", cds=["1062166"])


def test_research_file_text_in_a_number_column_is_reported_with_its_row():
    header = ("County Code^District Code^School Code^Filler^Test Year^Type ID^Student Group ID^Test Type^Grade^"
              "Test ID^Students Enrolled^Students Tested^Mean Scale Score^Percentage Standard Exceeded^"
              "Percentage Standard Met^Percentage Standard Met and Above^Percentage Standard Nearly Met^"
              "Percentage Standard Not Met^Students with Scores\r\n")
    row = "10^62166^0000000^^2022^6^1^B^13^1^31500^30900^2460.2^11.52^21.04^32.56^24.87^42.57^30,850\r\n"
    with pytest.raises(InputDataError) as raised:
        read_caaspp_research_file(io.StringIO(header + row))
    problem = raised.value.problems[0]
    assert (problem.row, problem.column, problem.value) == (2, "students_with_scores", "30,850")


# --------------------------------------------------------------------------- district beside state


def years_of_research() -> pd.DataFrame:
    return pd.concat([read_caaspp_research_file(FIXTURES / name) for name in sorted(RESEARCH_FIXTURES)],
                     ignore_index=True)


def test_district_beside_state_one_row_per_year():
    beside = district_beside_state(years_of_research(), FRESNO_UNIFIED_CDS, test_id=1)
    assert beside["test_year"].tolist() == [2016, 2018, 2022, 2024]
    assert list(beside.columns) == [
        "test_year", "district_students_with_scores", "state_students_with_scores",
        "district_mean_scale_score", "state_mean_scale_score",
        "district_pct_met_and_above", "state_pct_met_and_above"]
    # Fixture rows 3 (Fresno Unified, ELA, all students) and 1 (state, ELA).
    assert beside["district_pct_met_and_above"].tolist() == pytest.approx([32.56] * 4)
    assert beside["state_pct_met_and_above"].tolist() == pytest.approx([49.88] * 4)
    assert beside["district_students_with_scores"].tolist() == [30850] * 4


def test_district_beside_state_for_a_group_the_state_lacks():
    # The fixtures have English learners (160) for Fresno Unified but not for the state.
    beside = district_beside_state(years_of_research(), FRESNO_UNIFIED_CDS, test_id=1, student_group_id=160,
                                   measures=["pct_met_and_above"])
    assert beside["district_pct_met_and_above"].tolist() == pytest.approx([8.15] * 4)
    assert beside["state_pct_met_and_above"].isna().all()


@pytest.mark.parametrize("arguments", [
    {"district_cds": "1062166", "test_id": 1},           # not 14 digits
    {"district_cds": FRESNO_UNIFIED_CDS, "test_id": 3},  # not ELA or math
    {"district_cds": FRESNO_UNIFIED_CDS, "test_id": 2},  # no math row for the district
    {"district_cds": FRESNO_UNIFIED_CDS, "test_id": 1, "measures": ["pct_proficient"]},
])
def test_district_beside_state_refuses_what_it_cannot_answer(arguments):
    research = read_caaspp_research_file(FIXTURES / "sb_ca2022_research_layout_2021.txt")
    with pytest.raises(ParameterError):
        district_beside_state(research, **arguments)


def test_district_beside_state_refuses_repeated_rows():
    research = read_caaspp_research_file(FIXTURES / "sb_ca2022_research_layout_2021.txt")
    with pytest.raises(InputDataError):
        district_beside_state(pd.concat([research, research]), FRESNO_UNIFIED_CDS, test_id=1)
