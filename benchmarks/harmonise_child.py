"""Harmonise one district in this process and print its seconds and peak memory as JSON.

``bench.py`` runs this as its own process so that the peak memory is harmonising's
alone (a fresh interpreter, nothing of the benchmark's own imports or data in it).

    python benchmarks/harmonise_child.py DISTRICT SOURCE OUT [MAPPING]

``MAPPING`` is a mapping file or a built-in one (``toms``: the state's score files); default the district's own.
"""
from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from flp_inquiry.ingest.harmonise import harmonise_district


def peak_mib() -> float:
    """This process's peak resident memory.

    Linux's ``ru_maxrss`` keeps the high-water mark of the parent's memory across fork and
    exec (a child of a large benchmark process would report the parent's size), so the
    kernel's own per-process figure ``VmHWM`` is read where there is one.
    """
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux, bytes on macOS


def main() -> int:
    district, source, out = sys.argv[1:4]
    mapping = sys.argv[4] if len(sys.argv) > 4 else None
    started = time.perf_counter()
    harmonise_district(district, Path(source), Path(out), mapping=mapping)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)  # CPU time: what a shared machine's load does not stretch
    print(json.dumps({"seconds": seconds, "peak_mib": peak_mib(), "cpu_seconds": usage.ru_utime + usage.ru_stime}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
