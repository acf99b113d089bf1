"""Reloading harmonised tables: columns, years, manifests, freshness, schools and the summary."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from flp_inquiry.cli import main
from flp_inquiry.demo import harmonise_sample
from flp_inquiry.errors import FlpInquiryError
from flp_inquiry.ingest import store
from flp_inquiry.ingest.harmonise import harmonise_district
from flp_inquiry.ingest.schema import columns_of
from flp_inquiry.ingest.store import (
    is_up_to_date,
    list_schools,
    list_years,
    load_district,
    read_manifest,
    read_table,
    summarise_districts,
)
from tests.conftest import FIXTURES

EXPORTS = FIXTURES / "exports"


@pytest.fixture(scope="module")
def harmonised(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("harmonised")
    for district in ("fresno", "long_beach"):
        harmonise_district(district, EXPORTS / district, data)
    return data


def test_load_only_the_tables_columns_and_years_asked_for(harmonised: Path):
    data = load_district("fresno", harmonised, tables=["enrollment"],
                         columns=["student_key", "school_year", "days_absent"], years=[2023])
    assert list(data.enrollment.columns) == ["school_year", "student_key", "days_absent"]
    assert data.enrollment["student_key"].tolist() == ["fresno:000000417", "fresno:004518233"]
    assert data.enrollment["days_absent"].tolist() == [9.0, 6.5]
    assert data.assessments.empty and list(data.assessments.columns) == columns_of("assessments")
    assert data.assessments["tested"].dtype == bool
    assert data.manifest["district"] == "fresno"


@pytest.mark.parametrize("table, columns, years", [
    ("enrollment", None, None),
    ("enrollment", ["student_key", "school_year", "days_absent"], [2023]),
    ("assessments", ["scale_score", "student_key"], [2024, 2025]),
    ("outcomes", None, [2023]),
])
def test_a_table_read_ahead_is_what_the_file_gives(sample_harmonised: Path, monkeypatch, table, columns, years):
    monkeypatch.setattr(store, "_read_ahead", {})
    from_disk = read_table("long_beach", table, sample_harmonised, columns=columns, years=years)
    store.read_ahead("long_beach", sample_harmonised)
    assert len(store._read_ahead) == 4
    held = read_table("long_beach", table, sample_harmonised, columns=columns, years=years)
    pd.testing.assert_frame_equal(held, from_disk)
    if columns is None and years is None:
        # the whole table is the very object read ahead, so what was worked out from it is found by its
        # identity (flp_inquiry.memo); a forked kernel's change stays in that kernel (tests/packs/test_shared_work.py)
        assert read_table("long_beach", table, sample_harmonised) is held
    else:
        held.iloc[0, 0] = held.iloc[1, 0]  # a caller's change to a part stays its own
        again = read_table("long_beach", table, sample_harmonised, columns=columns, years=years)
        assert again is not held
        pd.testing.assert_frame_equal(again, from_disk)


def test_a_table_changed_since_it_was_read_ahead_is_read_again(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(store, "_read_ahead", {})
    harmonise_district("fresno", EXPORTS / "fresno", tmp_path)
    store.read_ahead("fresno", tmp_path)
    path = store.table_path("fresno", "enrollment", tmp_path)
    changed = pd.read_parquet(path).iloc[:1]
    changed.to_parquet(path)
    assert len(read_table("fresno", "enrollment", tmp_path)) == 1


def test_years_filter_uses_cohort_year_for_outcomes(harmonised: Path):
    outcomes = load_district("long_beach", harmonised, tables=["outcomes"], years=[2023]).outcomes
    assert outcomes["student_key"].tolist() == ["long_beach:6789012"]


def test_manifest_records_sources_mapping_and_version(harmonised: Path):
    manifest = read_manifest("long_beach", harmonised)
    assert [s["file"] for s in manifest["sources"]] == [
        "cohort_outcomes.csv", "math_courses.csv", "sites.csv", "students.csv", "test_results.csv"]
    assert manifest["tables"] == {"enrollment": 4, "assessments": 7, "math_courses": 4, "outcomes": 3}
    assert manifest["mapping"]["path"].endswith("long_beach.yaml")
    assert manifest["package_version"] == "0.1.0" and manifest["created_utc"].endswith("+00:00")


def test_never_harmonised_district_says_what_to_run(tmp_path: Path):
    with pytest.raises(FlpInquiryError, match="run flp-inquiry harmonise --district fresno"):
        load_district("fresno", tmp_path)


def test_unknown_table_is_refused(harmonised: Path):
    with pytest.raises(FlpInquiryError, match="'pupils' is not a table"):
        load_district("fresno", harmonised, tables=["pupils"])


def test_up_to_date_until_a_source_changes(tmp_path: Path):
    source = tmp_path / "fresno"
    shutil.copytree(EXPORTS / "fresno", source)
    harmonise_district("fresno", source, tmp_path / "out")
    assert is_up_to_date("fresno", source, tmp_path / "out")
    outcomes = source / "outcomes_2023-24.csv"
    outcomes.write_bytes(outcomes.read_bytes() + b"000000420,GRAD,Y\r\n")
    assert not is_up_to_date("fresno", source, tmp_path / "out")
    outcomes.unlink()   # a file gone is a change too
    assert not is_up_to_date("fresno", source, tmp_path / "out")


def test_schools_and_years(harmonised: Path):
    assert list_years("fresno", harmonised) == [2023, 2024]
    assert list_years("long_beach", harmonised) == [2023, 2024]
    schools = list_schools("long_beach", harmonised)
    assert schools.to_dict("records") == [
        {"school_cds": "19647250100002", "school_name": "Sample Cabrillo High"},
        {"school_cds": "19647250100003", "school_name": "Sample Hughes Middle"},
        {"school_cds": "19647250100001", "school_name": "Sample Muñoz Elementary"}]
    assert len(list_schools("fresno", harmonised)) == 4


def test_a_renamed_school_keeps_its_latest_name_and_the_lists_follow_the_file(harmonised: Path, tmp_path: Path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = tmp_path / "data"
    shutil.copytree(harmonised / "fresno", data / "fresno")
    path = data / "fresno" / "enrollment.parquet"
    assert len(list_schools("fresno", data)) == 4 and list_years("fresno", data) == [2023, 2024]
    # one school under its old name in 2023 and its new one in 2024, in row groups of one row each
    # (each with its own dictionary of names), listed out of order
    rows = pa.table({"school_year": [2024, 2023, 2023, 2024],
                     "school_cds": ["10621660000002", "10621660000002", "10621660000001", "10621660000001"],
                     "school_name": ["Sample New Name", "Sample Old Name", "Sample Birch", "Sample Birch"]})
    pq.write_table(rows, path, row_group_size=1)
    # read again, not taken from what was read of the file before it changed
    assert list_schools("fresno", data).to_dict("records") == [
        {"school_cds": "10621660000001", "school_name": "Sample Birch"},
        {"school_cds": "10621660000002", "school_name": "Sample New Name"}]
    pq.write_table(rows.filter(pa.compute.equal(rows["school_year"], 2024)), path)
    assert list_years("fresno", data) == [2024]


def test_summary_one_row_per_district(harmonised: Path):
    summary = summarise_districts(harmonised)
    # fresno: 4 students, 4 schools, 6 tests taken of 7; long_beach: 3 students, 3 schools, 6 of 7
    assert summary.to_dict("records") == [
        {"district": "fresno", "students": 4, "schools": 4, "years": "2023-2024", "tests": 6},
        {"district": "long_beach", "students": 3, "schools": 3, "years": "2023-2024", "tests": 6}]


def test_cli_harmonise_and_summary(tmp_path: Path, capsys):
    assert main(["harmonise", "--district", "long_beach", "--source", str(EXPORTS / "long_beach"),
                 "--out", str(tmp_path)]) == 0
    assert main(["summary", "--data", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert f"wrote {tmp_path / 'long_beach'}" in printed
    assert "long_beach" in printed.splitlines()[-1] and "2023-2024" in printed


def test_demo_harmonises_both_districts_then_only_what_changed(tmp_path: Path, capsys):
    sample = tmp_path / "sample"
    for district in ("fresno", "long_beach"):
        shutil.copytree(EXPORTS / district, sample / district)
    harmonised = tmp_path / "build" / "harmonised"
    harmonise_sample(sample, harmonised)
    assert sorted(p.name for p in harmonised.iterdir()) == ["fresno", "long_beach"]
    assert "harmonised fresno" in capsys.readouterr().out
    # a second demo re-uses what is up to date and redoes a district whose export changed
    with (sample / "long_beach" / "sites.csv").open("a", encoding="utf-8") as sites:
        sites.write("\n")  # a blank line: the same data, but the export's bytes changed
    harmonise_sample(sample, harmonised)
    printed = capsys.readouterr().out
    assert "fresno: harmonised data is up to date" in printed
    assert "harmonised long_beach" in printed
