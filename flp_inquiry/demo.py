"""``make demo``: harmonise both districts' synthetic sample, then build the sample meeting pack."""
from __future__ import annotations

from pathlib import Path

import yaml

from flp_inquiry.ingest.harmonise import harmonise_district
from flp_inquiry.ingest.store import is_up_to_date, summarise_districts
from flp_inquiry.measures.extract import ensure_extract

DEMO_DISTRICTS = ("fresno", "long_beach")
SAMPLE_PACK = Path("packs/sample.yaml")


def harmonise_sample(sample_dir: Path, harmonised: Path) -> None:
    """Harmonise each sample district whose exports (or mapping) changed since the last run.

    Examples
    --------
    >>> harmonise_sample(Path("/nonexistent/sample"), Path("/nonexistent/build"))
    Traceback (most recent call last):
    ...
    flp_inquiry.errors.FlpInquiryError: the export folder /nonexistent/sample/fresno does not exist
    """
    for district in DEMO_DISTRICTS:
        source = Path(sample_dir) / district
        if (harmonised / district).is_dir() and is_up_to_date(district, source, harmonised):
            print(f"{district}: harmonised data is up to date")
            continue
        print(f"harmonised {district} -> {harmonise_district(district, source, harmonised)}")


def run_demo(sample_dir: Path = Path("data/sample"), out: Path = Path("build"), pack: Path = SAMPLE_PACK,
             workers: int | None = None) -> int:
    """Harmonise the sample, print what was loaded, and run the sample meeting pack into ``out/packs/``.

    Returns the exit status: 0 when every report was made, 1 otherwise.
    """
    from flp_inquiry.packs.batch import run_pack

    harmonised = Path(out) / "harmonised"
    harmonise_sample(Path(sample_dir), harmonised)
    print(summarise_districts(harmonised).to_string(index=False))
    settings = yaml.safe_load(Path(pack).read_text(encoding="utf-8"))
    for district in DEMO_DISTRICTS:  # each district's aggregate extract, which the other's reports sit beside
        print(f"extract {ensure_extract(district, settings['school_year'], data=harmonised, out=Path(out) / 'extracts')}")
    # the pack's own paths, moved under ``out`` so a demo elsewhere never writes into build/
    settings.update(data=str(harmonised), output=str(Path(out) / "packs" / Path(settings["output"]).name))
    summary = run_pack(settings, workers=workers)
    print(summary.table())
    index = Path(settings["output"]) / "index.html"
    print(f"\nOpen {index} in a browser: every report opens offline.")
    return 0 if summary.ok else 1
