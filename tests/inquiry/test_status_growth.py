"""Status beside growth for an inquiry: each school's (or grade's) DFS, growth and the same students' change.

Status, the district's status and the matched cohorts are worked out from the committed sample's raw
files (data/sample/, read as in tests/ingest/test_sample.py: primary enrollments, MATH_SS / scale_score
minus the grade's Level 3 minimum of specs/metrics.md, the last score of a year); growth is
``Inquiry.growth``'s, whose figures tests/measures/test_growth.py works out by hand.
"""
from __future__ import annotations

import pandas as pd
import pytest

from flp_inquiry.errors import ParameterError
from flp_inquiry.ingest import store
from flp_inquiry.ingest.sample import HARBOR, PENASCO
from flp_inquiry.inquiry.session import Inquiry
from flp_inquiry.inquiry.status_growth import CORNERS, Z_95, status_beside_growth

ALMENDRO, MARINA_VISTA = "Sample Almendro Elementary", "Sample Marina Vista K-8"


@pytest.fixture(scope="module")
def districts(sample_harmonised) -> dict[str, store.DistrictData]:
    return {district: store.load_district(district, sample_harmonised) for district in ("fresno", "long_beach")}


def growth_of(inquiry: Inquiry, unit: str, span: str = "4-8") -> pd.DataFrame:
    table = inquiry.growth("math", by=[unit, "school_year"])
    return table[(table["school_year"] == inquiry.school_year) & (table["growth_span"] == span)].set_index(unit)


def test_fresno_schools_in_2024_25(districts):
    """Math, grades 3-8, 2024-25, by the school of this year's primary enrollment.  Status: Almendro 115
    students at -67.70, Cañada 97 at -76.58, Mirador 108 at -63.21, Peñasco 186 at -77.67, Vineyard 124 at
    -54.79; the district 630 at -68.70.  The same students from 2023-24 (grade g - 1 then g): Almendro 65,
    +13.86; Cañada 56, +0.16; Mirador 100, +7.57; Peñasco 174, -11.63; Vineyard 85, +3.66."""
    inquiry = Inquiry("fresno", 2025, "all", districts["fresno"])
    table = status_beside_growth(inquiry, "math").set_index("school")
    assert table.index.tolist() == [ALMENDRO, "Sample Cañada Elementary", "Sample Mirador Middle", PENASCO,
                                    "Sample Vineyard Elementary"]
    assert set(table["grade_span"]) == {"3-8"} and set(table["growth_span"]) == {"4-8"}
    assert table["status_n"].tolist() == [115, 97, 108, 186, 124]
    assert table["status"].astype(float).tolist() == pytest.approx([-67.70, -76.58, -63.21, -77.67, -54.79], abs=0.005)
    assert table["district_status"].tolist() == pytest.approx([-68.70] * 5, abs=0.005)
    assert table["matched_n"].tolist() == [65, 56, 100, 174, 85]
    assert table["matched_dfs_change"].astype(float).tolist() == pytest.approx([13.86, 0.16, 7.57, -11.63, 3.66],
                                                                                abs=0.005)
    growth = growth_of(inquiry, "school")
    assert table["growth_n"].tolist() == growth["n"].tolist()
    assert table["growth"].astype(float).tolist() == pytest.approx(growth["value"].tolist())
    assert table["growth_standard_error"].astype(float).tolist() == pytest.approx(growth["standard_error"].tolist())
    low, high = growth["value"] - Z_95 * growth["standard_error"], growth["value"] + Z_95 * growth["standard_error"]
    assert table["growth_low"].astype(float).tolist() == pytest.approx(low.tolist())
    assert table["growth_clear"].tolist() == ((low > 0) | (high < 0)).tolist()
    for school, row in table.iterrows():  # status against the district's -68.70, growth against 0
        assert row["corner"] == CORNERS[(row["status"] >= -68.70, growth.loc[school, "value"] >= 0)]
    assert not table["caution"].any()  # 56 growth scores or more everywhere


@pytest.mark.parametrize("district, school, year", [("fresno", ALMENDRO, 2024), ("long_beach", MARINA_VISTA, 2023)])
def test_the_poorest_zone_school_is_low_status_high_growth(districts, district, school, year):
    """Planted: +10 points a year from 2022-23 at the school of the poorest zone, the most of any school.  Its
    math status is still below the district's (Almendro 2023-24: -72.77 against -70.79; Marina Vista
    2022-23: -52.70 against -47.23) while its growth is the district's highest: the corner of schools others
    can learn from."""
    table = status_beside_growth(Inquiry(district, year, "all", districts[district]), "math").set_index("school")
    row = table.loc[school]
    assert row["status"] < row["district_status"]
    assert row["corner"] == "low status, typical growth or more"
    assert table["growth"].astype(float).idxmax() == school


def test_one_schools_grades_against_the_districts_same_grades(districts):
    """Sample Peñasco Middle, math 2024-25, by this year's grade: status 62 at -75.61 (grade 6), 72 at -82.26
    (7), 52 at -73.77 (8), against the district's grades at -73.94, -73.68 and -69.26; the same students
    since 2023-24: 56 at +0.50, 71 at -22.65, 47 at -9.45.  Growth is the school's rows of the
    district-wide growth (each grade pulled toward the district's grade)."""
    inquiry = Inquiry("fresno", 2025, PENASCO, districts["fresno"])
    table = status_beside_growth(inquiry, "math").set_index("grade")
    assert table.index.tolist() == [6, 7, 8]
    assert table["status_n"].tolist() == [62, 72, 52]
    assert table["status"].astype(float).tolist() == pytest.approx([-75.61, -82.26, -73.77], abs=0.005)
    assert table["district_status"].tolist() == pytest.approx([-73.94, -73.68, -69.26], abs=0.005)
    assert table["matched_n"].tolist() == [56, 71, 47]
    assert table["matched_dfs_change"].astype(float).tolist() == pytest.approx([0.50, -22.65, -9.45], abs=0.005)
    district = Inquiry("fresno", 2025, "all", districts["fresno"]).growth("math", by=["school", "grade", "school_year"])
    district = district[(district["school"] == PENASCO) & (district["school_year"] == 2025)].set_index("grade")
    assert table["growth"].astype(float).tolist() == pytest.approx(district["value"].tolist())
    assert table["growth_n"].tolist() == district["n"].tolist()


def test_a_high_school_has_grade_11_beside_its_growth_since_grade_8(districts):
    """Sample Harbor High, math 2024-25: 63 grade 11 students at -52.92 against the district's grade 11 at
    -39.64; 39 of them scored in grade 8 in 2021-22, and their DFS changed by -10.15 since."""
    inquiry = Inquiry("long_beach", 2025, HARBOR, districts["long_beach"])
    (row,) = status_beside_growth(inquiry, "math").to_dict("records")
    assert (row["grade"], row["grade_span"], row["growth_span"]) == (11, "11", "11")
    assert row["status_n"] == 63 and row["status"] == pytest.approx(-52.92, abs=0.005)
    assert row["district_status"] == pytest.approx(-39.64, abs=0.005)
    assert row["matched_n"] == 39 and row["matched_dfs_change"] == pytest.approx(-10.15, abs=0.005)
    assert row["growth_n"] == growth_of(inquiry, "grade", span="11").loc[11, "n"]
    with pytest.raises(ParameterError, match="grade_span"):
        status_beside_growth(inquiry, "math", grade_span="9-12")


def small_district() -> store.DistrictData:
    """Schools A (12 students), B (5) and C (13), grade 4 ELA and math in 2023, grade 5 ELA in 2024."""
    enrollment, scores = [], []
    for number, school in enumerate(["A"] * 12 + ["B"] * 5 + ["C"] * 13):
        key = f"f:{number:02d}"
        ela, math = 2450 + (number * 7 % 41) - 20, 2460 + (number * 13 % 37) - 18
        scores += [(2023, key, "ela", 4, ela), (2023, key, "math", 4, math),
                   (2024, key, "ela", 5, 2500 + (ela - 2450) // 2 + (math - 2460) // 4 + number * 5 % 11 - 5)]
        for year, grade in ((2023, 4), (2024, 5)):
            enrollment.append({"district": "fresno", "school_year": year, "student_key": key,
                               "school_cds": "10621660000001", "school_name": school, "grade": grade, "gender": "F",
                               "ethnicity": "HI", "el_status": "EO", "el_start_date": pd.NaT, "rfep_date": pd.NaT,
                               "sed": True, "swd": False, "days_enrolled": 180, "days_absent": 0.0, "primary": True})
    assessments = pd.DataFrame(scores, columns=["school_year", "student_key", "test", "grade_tested", "scale_score"])
    assessments = assessments.assign(district="fresno", tested=True,
                                     scale_score=assessments["scale_score"].astype("Int64"),
                                     level=pd.array([2] * len(assessments), dtype="Int64"))
    return store.DistrictData("fresno", pd.DataFrame(enrollment), assessments, pd.DataFrame(), pd.DataFrame())


def test_small_schools_are_hidden_part_by_part():
    """B's 5 students hide its status, growth and matched cohort.  Status and the matched cohort are plain
    means of parts of the district's own figures, so the next smallest (A, 12) is hidden with B; growth is
    pulled toward the mean, so A's 12 growth scores are shown.  A corner needs status and growth."""
    table = status_beside_growth(Inquiry("fresno", 2024, "all", small_district()), "ela").set_index("school")
    assert table["status_n"].tolist() == ["*", "*", 13] and table["status"].iloc[:2].tolist() == ["*", "*"]
    assert table["growth_n"].tolist() == [12, "*", 13]
    assert table.loc["B", "growth"] == "*" and table.loc["A", "growth"] != "*"
    assert table["matched_n"].tolist() == ["*", "*", 13]
    assert table["corner"].tolist()[:2] == ["*", "*"] and table.loc["C", "corner"] in CORNERS.values()
    assert table["caution"].all()  # under 30 everywhere
