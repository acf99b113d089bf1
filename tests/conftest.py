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


def write_state_file(folder, year: int, ela: float, math: float):
    """A research file in the 2024-on layout with the statewide rows of ``year`` (all students, all grades).

    Its figures are made up (the real 2024-25 file is not among the public files); its layout is the
    state's, as the hand-made fixture's is.
    """
    header = (FIXTURES / "public" / "sb_ca2024_research_layout_2024.txt").read_bytes().split(b"\r\n")[0].decode("cp1252")
    empty = "^".join(["*"] * 13)  # Count Standard Not Met, then the four areas
    rows = [f"00^00000^0000000^4^^{year}^State Of California^^^B^{test}^1^13^3200000^3150000^3140000^2500.00^"
            f"20.00^*^20.00^*^{value:.2f}^*^25.00^*^25.00^{empty}"
            for test, value in ((1, ela), (2, math))]
    path = folder / f"sb_ca{year}_1_caret_v1.txt"
    path.write_bytes("\r\n".join([header, *rows, ""]).encode("cp1252"))
    return path


#: California's percent met or exceeded in the state file the sample pack is given (made up: see write_state_file).
STATE_2025 = {"ela": 47.25, "math": 35.5}
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
    state_file = write_state_file(tmp_path_factory.mktemp("state"), 2025, ela=STATE_2025["ela"], math=STATE_2025["math"])
    summary = run_pack({
        "title": "Test pack", "school_year": 2025, "districts": list(PACK_SCHOOLS), "questions": "all",
        "schools": {district: ["all", school] for district, school in PACK_SCHOOLS.items()},
        "output": str(output), "notebooks": str(PROJECT / "notebooks"), "data": str(sample_harmonised),
        "timeout": 300, "state_files": [str(state_file)],
    }, workers=2, progress=False)
    return PackRun(output, sample_harmonised, summary)


pytest_plugins = ["tests.battery_report"]
