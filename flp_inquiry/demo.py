"""``make demo``: harmonise both districts' synthetic sample and show what was loaded."""
from __future__ import annotations

from pathlib import Path

from flp_inquiry.harmonise import harmonise_district
from flp_inquiry.store import summarise_districts

DEMO_DISTRICTS = ("fresno", "long_beach")


def run_demo(sample_dir: Path = Path("data/sample"), out: Path = Path("build")) -> int:
    """Harmonise the sample exports into ``out/harmonised`` and print the per-district summary.

    Parameters
    ----------
    sample_dir
        Holds ``fresno/`` and ``long_beach/`` exports (``flp-inquiry sample`` writes them).
    out
        The build folder; tables go to ``out/harmonised/<district>/``.

    Returns
    -------
    int
        The exit status: 0.

    Raises
    ------
    FlpInquiryError
        A district's sample is missing or does not match its mapping.

    Examples
    --------
    >>> run_demo(Path("/nonexistent/sample"), Path("/nonexistent/build"))
    Traceback (most recent call last):
    ...
    flp_inquiry.errors.FlpInquiryError: the export folder /nonexistent/sample/fresno does not exist
    """
    harmonised = Path(out) / "harmonised"
    for district in DEMO_DISTRICTS:
        folder = harmonise_district(district, Path(sample_dir) / district, harmonised)
        print(f"harmonised {district} -> {folder}")
    print(summarise_districts(harmonised).to_string(index=False))
    return 0
