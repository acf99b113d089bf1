"""The state's aggregation rules on results from its score files, worked out by hand (tests/toms_files.py).

ELA, grade 5 (Level 3 minimum 2502).  Which records count where:

- School A: Y records s1 2502 (L3), s2 2442 (L2), s3 2600 (L4; a mover, in CALPADS at B, tested at A).
  Percent met 2 of 3 = 66.7%; DFS (0 - 60 + 98) / 3 = 12.667.  Participation: enrolled = Y, T, R, N =
  s1, s2, s3, s4 (T), s6 (N) = 5 (s5, E, is exempt); tested = Y, T, R = 4; 80%.
- School B: s9 2400 (L1): met 0%, DFS -102; participation s7 (R) and s9 (Y): 2 of 2, 100%.
- District: A and B and the nonpublic-school student s10 (2550, L3, counted at the district of
  accountability), without s11 (tested in another district): met 3 of 5 = 60%, DFS (0 - 60 + 98 - 102 +
  48) / 5 = -3.2; participation 7 of 8 = 87.5%.  The CAA record (s8, 545) counts in none of these.
"""
from __future__ import annotations

import pandas as pd
import pytest

from flp_inquiry.ingest.harmonise import harmonise_district
from flp_inquiry.ingest.schema import columns_of
from flp_inquiry.ingest.store import load_district
from flp_inquiry.inquiry.session import Inquiry
from flp_inquiry.measures.assessment import distance_from_standard, participation_rate, percent_met
from tests.toms_files import NAME_A, NAME_B, write_hand_worked


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    folder = tmp_path_factory.mktemp("toms")
    write_hand_worked(folder / "downloads")
    harmonise_district("toms_valley", folder / "downloads", folder / "out", mapping="toms")
    return load_district("toms_valley", folder / "out")


def figures(table: pd.DataFrame, keys: list[str]) -> list[list]:
    return table[[*keys, "n", "value"]].round(3).values.tolist()


def test_percent_met_counts_valid_scores_at_the_final_tested_school(district):
    by_school = percent_met(district.assessments, district.enrollment, "ela", by=["school"])
    assert figures(by_school, ["school"]) == [[NAME_A, 3, 66.667], [NAME_B, 1, 0.0]]
    assert figures(percent_met(district.assessments, district.enrollment, "ela"), []) == [[5, 60.0]]


def test_distance_from_standard_uses_the_grade_assessed_and_valid_scores_only(district):
    by_school = distance_from_standard(district.assessments, district.enrollment, "ela", by=["school"])
    assert figures(by_school, ["school"]) == [[NAME_A, 3, 12.667], [NAME_B, 1, -102.0]]
    assert figures(distance_from_standard(district.assessments, district.enrollment, "ela"), []) == [[5, -3.2]]


def test_participation_is_tested_over_enrolled_by_the_include_indicator(district):
    by_school = participation_rate(district.assessments, district.enrollment, "ela", by=["school"])
    assert figures(by_school, ["school"]) == [[NAME_A, 5, 80.0], [NAME_B, 2, 100.0]]
    assert figures(participation_rate(district.assessments, district.enrollment, "ela"), []) == [[8, 87.5]]


def test_an_exempt_english_learner_is_in_no_participation_figure(district):
    # s5 (E) is the only EL with an ELA record: the EL group has no one enrolled for ELA
    by_status = participation_rate(district.assessments, district.enrollment, "ela", by=["el_status"])
    assert figures(by_status, ["el_status"]) == [["EO", 8, 87.5]]


def test_a_school_report_counts_the_student_tested_there_who_moved_away(district):
    school_a = Inquiry("toms_valley", 2025, NAME_A, district)
    assert figures(school_a.metric("percent_met", subject="ela"), []) == [[3, 66.667]]
    assert figures(school_a.metric("participation_rate", subject="ela"), []) == [[5, 80.0]]
    school_b = Inquiry("toms_valley", 2025, NAME_B, district)
    assert figures(school_b.metric("percent_met", subject="ela"), []) == [[1, 0.0]]


def test_the_caa_record_changes_no_figure(district, tmp_path):
    """Without s8's CAA record (ELA, 545, level 3, school A) every figure is the same."""
    from tests.toms_files import hand_worked_caaspp, hand_worked_elpac, write_toms

    write_toms(tmp_path / "in", "caaspp_2025.CSV", "caaspp", 2025, [r for r in hand_worked_caaspp() if r["ssid"] != "0000000008"])
    write_toms(tmp_path / "in", "elpac_2025.CSV", "elpac", 2025, hand_worked_elpac())
    harmonise_district("toms_valley", tmp_path / "in", tmp_path / "out", mapping="toms")
    without = load_district("toms_valley", tmp_path / "out")
    for metric in (percent_met, participation_rate, distance_from_standard):
        pd.testing.assert_frame_equal(metric(district.assessments, district.enrollment, "ela", by=["school"]),
                                      metric(without.assessments, without.enrollment, "ela", by=["school"]))


def test_the_partners_tables_have_none_of_the_score_files_columns(sample_harmonised):
    """Fresno and Long Beach harmonise exactly as before: the optional columns are not there, days are integers."""
    for name in ("fresno", "long_beach"):
        data = load_district(name, sample_harmonised)
        assert list(data.assessments.columns) == columns_of("assessments")
        assert data.enrollment["days_enrolled"].dtype == "int64"
