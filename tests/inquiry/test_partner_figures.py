"""Where the partner's figures come from, and that a report never writes beside the data to get them.

Order (findings.partner_figures): the pack's extract folder, then ``extracts/`` beside the harmonised
data when its extract was made from the partner's data as it is now, then the partner's harmonised
data worked out in memory, else none.  The harmonised sample of both districts is copied for each test.
"""
from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from flp_inquiry.inquiry.findings import partner_figures
from flp_inquiry.inquiry.session import start_inquiry
from flp_inquiry.measures.extract import write_extract
from flp_inquiry.measures.extract_files import PACK_EXTRACTS_VARIABLE
from tests.packs.test_small_schools import snapshot


@pytest.fixture
def shared(sample_harmonised, tmp_path) -> Path:
    """A copy of both districts' harmonised sample in ``<tmp>/drive/harmonised``; returns the data folder."""
    data = tmp_path / "drive" / "harmonised"
    shutil.copytree(sample_harmonised, data)
    return data


def fresno(data: Path):
    return start_inquiry("fresno", 2025, "all", str(data))


def test_without_an_extract_the_partner_is_worked_out_in_memory_and_nothing_is_written(shared):
    (shared.parent / "extracts").write_text("a file: nothing can be written beside the data")
    before = snapshot(shared.parent)
    figures, source = partner_figures(fresno(shared))
    assert source == ("Long Beach Unified's harmonised data here, worked out as its aggregate extract would be "
                      "(aggregates only, small groups hidden).")
    assert snapshot(shared.parent) == before
    # the same figures as the extract Long Beach would write
    written = write_extract("long_beach", 2025, data=shared, out=shared.parent.parent / "elsewhere")
    from_file, _ = partner_figures(dataclasses.replace(fresno(shared), extracts_dir=written.parent))
    pd.testing.assert_frame_equal(figures.astype(str), from_file.astype(str))


def test_an_extract_beside_the_data_made_from_the_data_as_it_is_is_read(shared):
    written = write_extract("long_beach", 2025, data=shared, out=shared.parent / "extracts")
    _, source = partner_figures(fresno(shared))
    assert source == ("Long Beach Unified's aggregate extract (extracts/long_beach_2025.csv: aggregates only, "
                      "small groups hidden).")
    # the partner's data harmonised again since: that extract is out of date, and is passed over
    manifest = shared / "long_beach" / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "created_utc": "2099-01-01T00:00:00+00:00"}))
    before = snapshot(shared.parent)
    _, source = partner_figures(fresno(shared))
    assert source.startswith("Long Beach Unified's harmonised data here")
    assert snapshot(shared.parent) == before and written.is_file()


def test_a_packs_extract_comes_first(shared, tmp_path, monkeypatch):
    write_extract("long_beach", 2025, data=shared, out=tmp_path / "pack" / "_cache" / "extracts")
    monkeypatch.setenv(PACK_EXTRACTS_VARIABLE, str(tmp_path / "pack" / "_cache" / "extracts"))
    inquiry = fresno(shared)
    assert inquiry.extracts_dir == tmp_path / "pack" / "_cache" / "extracts"
    figures, source = partner_figures(inquiry)
    assert source.startswith("Long Beach Unified's aggregate extract (extracts/long_beach_2025.csv")
    assert "grad_rate" in set(figures["metric"])


def test_a_partner_not_harmonised_here_is_read_from_its_extract_or_said_to_be_missing(shared):
    write_extract("long_beach", 2025, data=shared, out=shared.parent / "extracts")
    shutil.rmtree(shared / "long_beach")
    _, source = partner_figures(fresno(shared))
    assert source.startswith("Long Beach Unified's aggregate extract (extracts/long_beach_2025.csv")
    shutil.rmtree(shared.parent / "extracts")
    figures, source = partner_figures(fresno(shared))
    assert figures is None and source == "No aggregate extract from Long Beach Unified for 2024-25 yet."
