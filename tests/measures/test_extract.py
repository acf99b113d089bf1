"""The cross-district extract: aggregates only, suppressed, manifest-checked.

The tiny district: one school, 42 grade-5 students in 2024 (all F, HI, SED, not SWD).

| group | students | ELA scale scores (grade 5 Level 3 minimum 2502) | absent of 180 days |
|---|---|---|---|
| EO   | 25 | 15 at 2552 (level 3, +50), 10 at 2452 (level 2, -50) | 0 |
| EL   | 12 |  3 at 2552, 9 at 2452                                | 20 (chronic) |
| RFEP |  5 |  5 at 2552                                           | 0 |

So percent met: all 23/42 = 54.76, EO 15/25 = 60; DFS: all (23 x 50 - 19 x 50) / 42 = 4.76,
EO (15 x 50 - 10 x 50) / 25 = 10; chronic absence: all 12/42 = 28.57, EO 0.
RFEP (5 < 11) is hidden, and so is EL (12, the smallest group still shown) so RFEP
cannot be worked out from All - EO - EL.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from flp_inquiry.ingest.schema import DISTRICTS, columns_of
from flp_inquiry.ingest.store import DistrictData
from flp_inquiry.measures import extract as extract_module
from flp_inquiry.measures.extract import (
    COLUMNS,
    ExtractError,
    build_extract,
    check_extract,
    extract_paths,
    find_privacy_problems,
    read_extracts,
    write_extract,
)
from flp_inquiry.measures.privacy import PrivacyError

YEAR = 2024
GROUPS = [("EO", 15, 10, 0.0), ("EL", 3, 9, 20.0), ("RFEP", 5, 0, 0.0)]  # status, met, not met, days absent


def tiny_district(district: str) -> DistrictData:
    enrollment_rows, assessment_rows = [], []
    number = 0
    for el_status, met, not_met, absent in GROUPS:
        for scale_score, level in [(2552, 3)] * met + [(2452, 2)] * not_met:
            number += 1
            key = f"{district}:{number:07d}"
            enrollment_rows.append({
                "district": district, "school_year": YEAR, "student_key": key,
                "school_cds": DISTRICTS[district]["cds"][:7] + "0000001", "school_name": "Sample Oak",
                "grade": 5, "gender": "F", "ethnicity": "HI", "el_status": el_status,
                "el_start_date": pd.Timestamp("2019-08-20") if el_status != "EO" else pd.NaT,
                "rfep_date": pd.Timestamp("2022-05-01") if el_status == "RFEP" else pd.NaT,
                "sed": True, "swd": False, "days_enrolled": 180, "days_absent": absent, "primary": True,
            })
            assessment_rows.append({
                "district": district, "school_year": YEAR, "student_key": key, "test": "ela",
                "grade_tested": 5, "tested": True, "scale_score": scale_score, "level": level,
            })
    enrollment = pd.DataFrame(enrollment_rows, columns=columns_of("enrollment"))
    assessments = pd.DataFrame(assessment_rows, columns=columns_of("assessments")).astype(
        {"scale_score": "Int64", "level": "Int64"})
    empty = {table: pd.DataFrame(columns=columns_of(table)) for table in ("math_courses", "outcomes")}
    return DistrictData(district, enrollment, assessments, manifest={"district": district}, **empty)


def write_harmonised(data: DistrictData, folder: Path) -> Path:
    """The district as :mod:`flp_inquiry.ingest.harmonise` leaves it: Parquet tables and a manifest."""
    district_folder = folder / data.district
    district_folder.mkdir(parents=True)
    for table in ("enrollment", "assessments", "math_courses", "outcomes"):
        getattr(data, table).to_parquet(district_folder / f"{table}.parquet", index=False)
    (district_folder / "manifest.json").write_text(json.dumps(data.manifest), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def fresno_extract() -> pd.DataFrame:
    return build_extract(tiny_district("fresno"), YEAR)


def rows_of(extract: pd.DataFrame, metric: str, group_type: str, subject: str | None = None) -> pd.DataFrame:
    chosen = extract[(extract["metric"] == metric) & (extract["group_type"] == group_type)]
    if subject is not None:
        chosen = chosen[chosen["subject"] == subject]
    return chosen.set_index("group")


def test_extract_holds_aggregates_only(fresno_extract):
    assert list(fresno_extract.columns) == COLUMNS
    assert "student_key" not in fresno_extract.columns
    assert not fresno_extract.astype(str).apply(lambda column: column.str.contains("fresno:")).any().any()
    shown = pd.to_numeric(fresno_extract["n"].where(fresno_extract["n"] != "*"), errors="coerce").dropna()
    assert len(shown) > 0 and (shown >= 11).all()
    assert set(fresno_extract["district"]) == {"fresno"} and set(fresno_extract["school_year"]) == {YEAR}
    assert find_privacy_problems(fresno_extract) == []


def test_extract_numbers_by_hand(fresno_extract):
    met = rows_of(fresno_extract, "percent_met", "all", "ela")
    # 23 of 42 = 54.76%, published to one decimal (an unrounded rate with its count gives the 23 away)
    assert met.loc["All", "n"] == 42 and met.loc["All", "value"] == 54.8
    by_el = rows_of(fresno_extract, "percent_met", "el_status", "ela")
    assert by_el.loc["EO", "n"] == 25 and by_el.loc["EO", "value"] == pytest.approx(60.0)
    dfs = rows_of(fresno_extract, "dfs", "el_status", "ela")
    assert dfs.loc["EO", "value"] == pytest.approx(10.0)
    assert dfs.loc["EO", "status_level"] == 4  # ELA 3-8: High is 10 to < 45
    assert rows_of(fresno_extract, "dfs", "all", "ela").loc["All", "value"] == 4.8  # 200 / 42 = 4.76 points, to one decimal
    absent = rows_of(fresno_extract, "chronic_absence", "el_status")
    assert absent.loc["EO", "value"] == pytest.approx(0.0)
    assert rows_of(fresno_extract, "chronic_absence", "all").loc["All", "value"] == 28.6  # 12 of 42 = 28.57%


@pytest.mark.parametrize("metric, subject", [("percent_met", "ela"), ("dfs", "ela"), ("chronic_absence", None)])
def test_small_groups_and_their_complement_are_hidden(fresno_extract, metric, subject):
    by_el = rows_of(fresno_extract, metric, "el_status", subject)
    # RFEP: 5 students -> '*'; EL: 12 students, hidden too or RFEP = All - EO - EL
    for group in ("RFEP", "EL"):
        assert by_el.loc[group, "n"] == "*" and by_el.loc[group, "value"] == "*"
    assert by_el.loc["EO", "n"] == 25


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[Path, Path]:
    """Both tiny districts harmonised and their 2024 extracts written: (harmonised folder, extracts folder)."""
    folder = tmp_path_factory.mktemp("partnership")
    harmonised, out = folder / "harmonised", folder / "extracts"
    for district in ("fresno", "long_beach"):
        write_harmonised(tiny_district(district), harmonised)
        write_extract(district, YEAR, data=harmonised, out=out)
    return harmonised, out


def test_write_and_read_two_districts(written):
    harmonised, out = written
    assert sorted(p.name for p in out.iterdir()) == [
        "fresno_2024.csv", "fresno_2024.manifest.json", "long_beach_2024.csv", "long_beach_2024.manifest.json"]

    manifest = json.loads((out / "fresno_2024.manifest.json").read_text(encoding="utf-8"))
    source = (harmonised / "fresno" / "manifest.json").read_bytes()
    assert manifest["source_manifest_sha256"] == hashlib.sha256(source).hexdigest()
    assert manifest["district"] == "fresno" and manifest["school_year"] == YEAR and manifest["min_n"] == 11
    assert manifest["row_count"] == len(pd.read_csv(out / "fresno_2024.csv"))
    assert {"metric": "dfs", "subject": "ela"} in manifest["metrics"]
    assert "'*'" in manifest["suppression_rule"] and manifest["created_utc"].endswith("+00:00")

    combined = read_extracts(out)
    assert sorted(combined["district"].unique()) == ["fresno", "long_beach"]
    assert len(combined) == 2 * manifest["row_count"]
    both = combined[(combined["metric"] == "percent_met") & (combined["group"] == "EO")].set_index("district")
    assert both["value"].tolist() == pytest.approx([60.0, 60.0])
    assert (combined.loc[combined["group"] == "RFEP", "n"] == "*").all()


def test_write_refuses_an_extract_holding_student_keys(tmp_path, monkeypatch):
    harmonised = write_harmonised(tiny_district("fresno"), tmp_path / "harmonised")
    leaky = pd.DataFrame({"district": ["fresno"], "student_key": ["fresno:0000001"], "n": [40], "value": [50.0]})
    monkeypatch.setattr(extract_module, "build_extract", lambda data, year: leaky)
    out = tmp_path / "extracts"
    with pytest.raises(PrivacyError, match="student_key"):
        write_extract("fresno", YEAR, data=harmonised, out=out)
    assert not out.exists() or list(out.iterdir()) == []


@pytest.mark.parametrize(
    "table, kinds",
    [
        (pd.DataFrame({"student_key": ["fresno:0000001"], "n": [40]}), ["id_column", "student_id"]),
        (pd.DataFrame({"group": ["long_beach:1234567"], "n": [40]}), ["student_id"]),
        (pd.DataFrame({"group": ["EL", "EO"], "n": [10, 11]}), ["small_count"]),  # 10 shown, 11 allowed
        (pd.DataFrame({"group": ["EL"], "n": [40], "prior_n": [3]}), ["small_count"]),
        (pd.DataFrame({"group": ["EL", "EO"], "n": ["*", 11], "value": ["*", 40.0]}), []),
    ],
)
def test_privacy_check_of_an_extract(table, kinds):
    assert sorted(f.kind for f in find_privacy_problems(table)) == kinds
    if kinds:
        with pytest.raises(PrivacyError):
            check_extract(table)


@pytest.fixture
def one_extract(written, tmp_path) -> Path:
    """A copy of Fresno's extract alone, to break."""
    _, out = written
    for name in ("fresno_2024.csv", "fresno_2024.manifest.json"):
        shutil.copy(out / name, tmp_path / name)
    return tmp_path


def test_read_refuses_a_changed_extract(one_extract):
    csv_path, _ = extract_paths("fresno", YEAR, one_extract)
    csv_path.write_text(csv_path.read_text(encoding="utf-8").replace("60.0", "70.0"), encoding="utf-8")
    with pytest.raises(ExtractError, match="does not match its manifest"):
        read_extracts(one_extract)


def test_read_refuses_a_missing_table(one_extract):
    csv_path, _ = extract_paths("fresno", YEAR, one_extract)
    csv_path.unlink()
    with pytest.raises(ExtractError, match="fresno_2024.csv, which is missing"):
        read_extracts(one_extract)


def test_read_refuses_a_corrupt_manifest(one_extract):
    _, manifest_path = extract_paths("fresno", YEAR, one_extract)
    manifest_path.write_text('{"district": "fresno", ', encoding="utf-8")
    with pytest.raises(ExtractError, match="manifest is not readable"):
        read_extracts(one_extract)


def test_read_refuses_a_table_without_manifest(one_extract):
    _, manifest_path = extract_paths("fresno", YEAR, one_extract)
    manifest_path.unlink()
    with pytest.raises(ExtractError, match="fresno_2024.csv in .* has no manifest"):
        read_extracts(one_extract)


def test_read_of_an_empty_folder_says_what_to_run(tmp_path):
    with pytest.raises(ExtractError, match="flp-inquiry extract --district"):
        read_extracts(tmp_path)


def test_an_extract_an_earlier_version_wrote_is_made_again(written, one_extract):
    """Before format 2 an extract's rates were unrounded: one of those, from the same data, is not current."""
    from flp_inquiry.measures.extract_files import is_current

    harmonised, _ = written
    assert is_current("fresno", YEAR, harmonised, one_extract)
    _, manifest_path = extract_paths("fresno", YEAR, one_extract)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    del manifest["format"]  # as the first version wrote it
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    assert not is_current("fresno", YEAR, harmonised, one_extract)
