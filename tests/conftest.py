"""Shared fixtures: where the project and the shared public files are."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from flp_inquiry.ingest.sample import HARBOR, PENASCO

PROJECT = Path(__file__).resolve().parents[1]
FIXTURES = PROJECT / "tests" / "fixtures"
SHARED = PROJECT.parent / "shared"
PUBLIC = SHARED / "data" / "public"
SAMPLE = PROJECT / "data" / "sample"


@pytest.fixture(scope="session")
def public_dir() -> Path:
    """The state's real public files in ../shared/data/public (never copied into the project)."""
    if not PUBLIC.is_dir():
        message = f"the state's public files are not at {PUBLIC}: clone the project beside shared/"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return PUBLIC


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    """The committed synthetic exports of both districts."""
    return SAMPLE


@pytest.fixture(scope="session")
def sample_harmonised(tmp_path_factory) -> Path:
    """Both districts' committed sample, harmonised once for the session into a temporary folder."""
    from flp_inquiry.codes import PARTNERSHIP
    from flp_inquiry.ingest.harmonise import harmonise_district

    out = tmp_path_factory.mktemp("build") / "harmonised"
    for district in PARTNERSHIP:
        harmonise_district(district, SAMPLE / district, out)
    return out


#: The school of each district that a sample pack reports on besides the district: where patterns are planted.
PACK_SCHOOLS = {"fresno": PENASCO, "long_beach": HARBOR}


@dataclass(frozen=True)
class PackRun:
    output: Path
    harmonised: Path
    summary: object

    def executed(self, district: str, question: str, school: str = "all") -> Path:
        from flp_inquiry.packs.pack import DISTRICT_SLUG, slugify

        slug = DISTRICT_SLUG if school == "all" else slugify(school)
        return self.output / "_executed" / district / question / f"{slug}.ipynb"

    def reports(self) -> list[Path]:
        return sorted(p for p in self.output.rglob("*.html") if "_executed" not in p.parts and p.name != "index.html")


@pytest.fixture(scope="session")
def sample_pack(sample_harmonised, tmp_path_factory) -> PackRun:
    """Every question notebook for both districts, district-wide and for one school, run once as a meeting pack.

    Notebook tests read the executed notebooks; report tests read the rendered HTML.
    """
    from flp_inquiry.packs.batch import run_pack

    output = tmp_path_factory.mktemp("pack") / "sample"
    summary = run_pack({
        "title": "Test pack", "school_year": 2025, "districts": list(PACK_SCHOOLS), "questions": "all",
        "schools": {district: ["all", school] for district, school in PACK_SCHOOLS.items()},
        "output": str(output), "notebooks": str(PROJECT / "notebooks"), "data": str(sample_harmonised),
        "timeout": 300,
    }, workers=2, progress=False)
    return PackRun(output, sample_harmonised, summary)


pytest_plugins = ["tests.battery_report"]
