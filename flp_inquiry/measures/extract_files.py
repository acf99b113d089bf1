"""Where a district's aggregate extract is kept, and whether it is up to date: file names and hashes only.

An extract (:mod:`flp_inquiry.measures.extract`) is ``<folder>/<district>_<year>.csv``
beside its manifest.  The partner's extract is looked for in, in order:

1. the folder a meeting pack wrote it to before its jobs ran (``<output>/_cache/extracts``),
   which the pack gives its kernels in the environment variable :data:`PACK_EXTRACTS_VARIABLE`;
2. ``extracts/`` beside the harmonised data folder (where ``make demo`` and
   ``flp-inquiry extract --out build/extracts`` write, and where a partner's own extract is put).

Nothing here imports pandas: the process that starts a pack checks whether its
extracts are current before anything runs, and builds one only when it is not.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flp_inquiry.ingest.catalog import MANIFEST, district_folder

DEFAULT_OUT = Path("build/extracts")
#: The folder beside the harmonised data folder where extracts are looked for.
BESIDE_DATA = "extracts"
#: Set in a meeting pack's kernels: the folder the pack wrote the partners' extracts to.
PACK_EXTRACTS_VARIABLE = "FLP_INQUIRY_EXTRACTS"
#: How this version writes an extract (2: rates rounded to one decimal, as reports show them); an extract of
#: the district's data written another way is made again.
EXTRACT_FORMAT = 2


def extract_paths(district: str, year: int, out: Path = DEFAULT_OUT) -> tuple[Path, Path]:
    """Where a district's extract of a year and its manifest go.

    >>> [p.as_posix() for p in extract_paths("fresno", 2024, Path("build/extracts"))]
    ['build/extracts/fresno_2024.csv', 'build/extracts/fresno_2024.manifest.json']
    """
    stem = Path(out) / f"{district}_{int(year)}"
    return stem.with_name(stem.name + ".csv"), stem.with_name(stem.name + ".manifest.json")


def extract_folders(data: Path, pack_extracts: Path | None = None) -> list[Path]:
    """The folders a partner's extract is looked for in, first first (see the module notes).

    >>> [p.as_posix() for p in extract_folders(Path("/srv/build/harmonised"), Path("/packs/march/_cache/extracts"))]
    ['/packs/march/_cache/extracts', '/srv/build/extracts']
    """
    beside = Path(data).parent / BESIDE_DATA
    return [beside] if pack_extracts is None else [Path(pack_extracts), beside]


def is_current(district: str, year: int, data: Path, out: Path) -> bool:
    """Whether ``out`` holds the district's extract for ``year`` made from its harmonised data as it is now.

    The extract's manifest records the SHA-256 of the harmonised manifest it was made
    from; new harmonised data changes that hash.  Without the district's harmonised
    data here, an extract that exists is taken as it is (a partner sent it).

    >>> is_current("fresno", 2024, Path("/nonexistent"), Path("/nonexistent"))
    False
    """
    csv_path, manifest_path = extract_paths(district, year, out)
    if not csv_path.is_file():
        return False
    source = district_folder(district, Path(data)) / MANIFEST
    if not source.is_file():
        return True
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        written_from, written_as = manifest.get("source_manifest_sha256"), manifest.get("format", 1)
    except (OSError, ValueError, AttributeError):
        return False
    return written_as == EXTRACT_FORMAT and written_from == hashlib.sha256(source.read_bytes()).hexdigest()
