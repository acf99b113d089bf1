"""The TOMS layouts: every known year has the fields read, renames resolve, personal fields are never read.

The column counts are the state's (specs/state-files.md section 1: CAASPP 351 in 2020-21, 365 in 2021-22,
363, 375, 401; Summative ELPAC 343, 370, 369, 370, 376), and the renames those of docs/toms_layouts.md.
"""
from __future__ import annotations

import pytest

from flp_inquiry.ingest.toms.layouts import (
    FIELDS,
    PERSONAL_FIELDS,
    closest_layout,
    detect_layout,
    fields_read,
    known_layouts,
    layout_for,
)

LAYOUT_COLUMNS = [("caaspp", 2021, 351), ("caaspp", 2022, 365), ("caaspp", 2023, 363), ("caaspp", 2024, 375),
                  ("caaspp", 2025, 401), ("elpac", 2021, 343), ("elpac", 2022, 370), ("elpac", 2023, 369),
                  ("elpac", 2024, 370), ("elpac", 2025, 376)]


@pytest.mark.parametrize("test, year, columns", LAYOUT_COLUMNS)
def test_each_layout_has_its_column_count_and_every_required_field(test, year, columns):
    layout = layout_for(test, year)
    assert len(layout.header) == columns == len(set(layout.header))
    assert layout.header[-1] == "EndofRecord"
    required = [field for field, names in FIELDS[test].items() if names[-1] is not None]
    assert [field for field in required if layout.column_of(field) is None] == []


@pytest.mark.parametrize("layout", known_layouts(), ids=lambda layout: layout.label)
def test_no_name_birth_date_or_address_is_ever_read(layout):
    personal_in_layout = [name for name in layout.header if PERSONAL_FIELDS.search(name)]
    assert "StudentLastName" in personal_in_layout and "DateofBirth" in personal_in_layout
    assert [name for name in fields_read(layout) if PERSONAL_FIELDS.search(name)] == []


@pytest.mark.parametrize("test, year, field, column", [
    ("caaspp", 2024, "ethnicity", "ReportingEthnicity"),
    ("caaspp", 2025, "ethnicity", "EthnicityforTesting"),          # renamed in 2024-25
    ("caaspp", 2023, "disability", "CALPADSIDEAIndicator"),
    ("caaspp", 2024, "disability", "CALPADSSpecialEducation"),     # renamed in 2023-24
    ("caaspp", 2021, "el_entry_date", "ELIDDate"),
    ("caaspp", 2022, "final_tested_nps_flag", "Final Tested School NPS Flag"),   # spaces, 2021-22 only
    ("caaspp", 2023, "final_tested_nps_flag", "FinalTestedSchoolNPSFlag"),
    ("caaspp", 2021, "calpads_nps_flag", "NPSSchoolFlag"),
    ("elpac", 2024, "economic_disadvantage", "EconomicDisadvantageStatus"),
    ("elpac", 2025, "economic_disadvantage", "CALPADSEconomicDisadvantageStatus"),  # renamed in 2024-25
    ("caaspp", 2023, "local_student_id", None),                    # only from 2023-24
    ("caaspp", 2024, "local_student_id", "LocalStudentID"),
    ("elpac", 2021, "overall_scale_score_minus_3", None),
    ("elpac", 2022, "overall_scale_score_minus_3", "OverallScaleScoreMinus3"),
])
def test_renamed_fields_resolve_to_each_years_name(test, year, field, column):
    assert layout_for(test, year).column_of(field) == column


def test_a_header_is_matched_by_its_names_in_any_order():
    header = list(layout_for("elpac", 2023).header)
    assert detect_layout(list(reversed(header))).label == "Summative ELPAC 2022-23 (369 columns)"


def test_the_record_identifier_variant_is_the_layout_plus_one_leading_column():
    layout = detect_layout(["RecordIdentifier", *layout_for("caaspp", 2023).header])
    assert (layout.school_year, len(layout.header), layout.record_identifier) == (2023, 364, True)


def test_the_elpac_2021_22_and_2023_24_layouts_have_370_columns_but_different_names():
    assert detect_layout(list(layout_for("elpac", 2022).header)).school_year == 2022
    assert detect_layout(list(layout_for("elpac", 2024).header)).school_year == 2024


def test_closest_layout_names_what_a_new_years_header_lacks_and_adds():
    header = [n if n != "EthnicityforTesting" else "EthnicityForReporting" for n in layout_for("caaspp", 2025).header]
    layout, missing, unexpected = closest_layout(header)
    assert (layout.school_year, missing, unexpected) == (2025, ["EthnicityforTesting"], ["EthnicityForReporting"])
