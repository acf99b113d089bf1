"""The synthetic TOMS district: deterministic, every column of each year's layout, and the cases the rules are about."""
from __future__ import annotations

import hashlib
import re

import pandas as pd
import pytest

from flp_inquiry.cli import main
from flp_inquiry.codes import DISTRICTS
from flp_inquiry.ingest.harmonise import harmonise_district
from flp_inquiry.ingest.store import load_district
from flp_inquiry.ingest.toms.layouts import known_layouts, layout_for
from flp_inquiry.ingest.toms.reader import read_toms_file, read_toms_files
from flp_inquiry.ingest.toms.sample import SCHOOL_YEARS, write_toms_sample
from flp_inquiry.ingest.toms.sample_district import COUNTY_DISTRICT, DISTRICT_CDS, NPS_CDS


def digests(paths):
    return [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("toms_sample")
    paths = write_toms_sample(folder / "toms_valley", students=2400, seed=2008)
    harmonise_district("toms_valley", folder / "toms_valley", folder / "out", mapping="toms")
    return paths, read_toms_files(paths), load_district("toms_valley", folder / "out"), folder / "out"


def test_the_same_seed_writes_the_same_bytes_and_another_seed_other_bytes(tmp_path):
    first = digests(write_toms_sample(tmp_path / "a", 300, seed=11))
    again = digests(write_toms_sample(tmp_path / "b", 300, seed=11))
    other = digests(write_toms_sample(tmp_path / "c", 300, seed=12))
    assert first == again and all(a != b for a, b in zip(first, other))


def test_each_year_is_in_its_own_layout_with_every_column(sample):
    paths, files, _, _ = sample
    assert [f.layout.label for f in files] == [
        "CAASPP 2022-23 (363 columns)", "Summative ELPAC 2022-23 (369 columns)",
        "CAASPP 2023-24 (375 columns)", "Summative ELPAC 2023-24 (370 columns)",
        "CAASPP 2024-25 (401 columns)", "Summative ELPAC 2024-25 (376 columns)"]
    for path, file in zip(paths, files):
        assert path.read_text(encoding="utf-8").split("\n", 1)[0].split("^") == list(file.layout.header)
        assert not path.read_bytes().endswith(b"\n")          # as TOMS writes them
        assert file.problems == []


def test_the_district_code_cannot_be_a_real_one():
    # California's counties are 01-58; county 99 does not exist
    assert DISTRICTS["toms_valley"]["cds"] == DISTRICT_CDS == COUNTY_DISTRICT + "0000000"
    assert int(DISTRICT_CDS[:2]) > 58


def test_the_sample_has_every_case_the_rules_are_about(sample):
    _, files, data, out = sample
    caaspp = pd.concat([f.records for f in files if f.test == "caaspp"])
    elpac = pd.concat([f.records for f in files if f.test == "elpac"])
    smarter = caaspp[caaspp["record_type"].isin(["01", "02"])]
    assert set(smarter["include_indicator"]) == {"Y", "T", "R", "N", "E"}
    assert {"PGE", "NTE", "NT", "LOSS", "NEL"} <= set(smarter["condition_code"].dropna())
    assert (smarter["score_status"] == "I").sum() > 10                       # invalidated
    assert {"03", "04", "05", "06", "09"} <= set(caaspp["record_type"])      # CAA ELA, math, science; CAST; CSA
    assert set(elpac["record_type"]) == {"21", "23"} and set(elpac["include_indicator"]) == {"Y", "T", "N"}
    movers = smarter[(smarter["final_tested_school_code"].astype(str) != smarter["calpads_school_code"].astype(str))
                     & ~smarter["final_tested_nps_flag"].astype(bool)]
    assert len(movers) > 50
    assert (smarter["final_tested_school_code"] == NPS_CDS).any()
    assert {"EL", "RFEP", "EO", "IFEP"} <= set(data.enrollment["el_status"])
    assert data.enrollment.loc[data.enrollment["el_status"] == "RFEP", "rfep_date"].notna().all()
    other = pd.read_parquet(out / "toms_valley" / "other_tests.parquet")
    assert set(other["test"]) == {"caa_ela", "caa_math", "caa_science", "cast", "csa", "alternate_elpac"}


def test_prior_scores_are_the_students_own_scores_of_the_years_before(sample):
    """ScaleScoreMinus1 of 2024-25 is the same student's valid score of 2023-24 (each year drawn apart)."""
    _, _, data, _ = sample
    math = data.assessments[data.assessments["test"] == "math"]
    now = math[math["school_year"] == 2025].set_index("student_key")
    before = math[(math["school_year"] == 2024) & math["scale_score"].notna()].set_index("student_key")
    both = now.join(before[["scale_score"]].rename(columns={"scale_score": "last_year"}), how="inner")
    assert len(both) > 500
    assert (both["prior_scale_score_1"] == both["last_year"]).all()


def test_names_and_addresses_written_never_reach_the_harmonised_tables(sample):
    paths, _, _, out = sample
    assert b"100 Sample Street" in paths[1].read_bytes() and re.search(rb"\^Sample\^Student\d+\^", paths[0].read_bytes())
    written = b"".join(p.read_bytes() for p in (out / "toms_valley").iterdir())
    assert b"Sample Street" not in written and not re.search(rb"Student\d", written)


def test_the_sample_looks_like_a_district(sample):
    _, _, data, _ = sample
    enrollment = data.enrollment
    assert enrollment.groupby("school_year").size().between(1300, 1800).all()   # students with a test record
    assert enrollment["school_name"].nunique() == 8                            # 4 elementary, 2 middle, 2 high
    scored = data.assessments[data.assessments["test"] == "ela"]
    assert scored["level"].ge(3).mean() == pytest.approx(0.45, abs=0.1)


@pytest.mark.parametrize("year", sorted({layout.school_year for layout in known_layouts()}))
def test_every_known_layout_can_be_written_and_read_back_without_a_problem(year, tmp_path):
    paths = write_toms_sample(tmp_path, 300, seed=4, school_years=(year,))
    files = [read_toms_file(path) for path in paths]
    assert [(f.layout.label, f.problems) for f in files] == [
        (layout_for("caaspp", year).label, []), (layout_for("elpac", year).label, [])]


def test_the_command_writes_the_files_into_the_district_folder(tmp_path, capsys):
    assert main(["sample", "--format", "toms", "--scale", "0.005", "--out", str(tmp_path)]) == 0
    assert f"wrote {tmp_path / 'toms_valley'} (6 files" in capsys.readouterr().out
    names = sorted(p.name for p in (tmp_path / "toms_valley").iterdir())
    assert len(names) == 6 and all(f"_{year}_DLMTR.CSV" in " ".join(names) for year in SCHOOL_YEARS)
