"""How fast is ``flp-inquiry run`` against the plain way, and against the floor?

For the same grid of jobs (the sample pack on the sample data) this prints the
wall time of

- ``flp-inquiry run PACK --force`` (every job run; three runs, the median reported),
- a shell loop of ``papermill`` + ``jupyter nbconvert --to html --no-input`` per job,
- ``flp-inquiry run PACK`` again with nothing changed,

and the floor: a bare kernel's start-up x jobs / workers.  Targets: at least
3x faster than the loop, within 1.5x of the floor, a no-change re-run under 3 s.
If ``notebooks/`` holds no question yet, the test fixtures stand in for them.

    python benchmarks/bench_pack.py [--pack packs/sample.yaml] [--workers N] [--repeats 3]
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

from flp_inquiry.packs.jobs import stop_kernel
from flp_inquiry.packs.kernels import BATCH_ENVIRONMENT, ReadyClient
from flp_inquiry.packs.pack import expand_pack, load_pack

PROJECT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
FIXTURE_NOTEBOOKS = PROJECT / "tests" / "fixtures" / "pack_notebooks"
OUT = PROJECT / "build" / "bench" / "pack"
#: Seconds a bare kernel may take to answer before its start is tried again (they take well under 1 s).
UNANSWERED_SECONDS = 20


def bare_kernel_seconds(kernel: str, repeats: int = 7, stock_client: bool = False) -> float:
    """Median time to start a bare kernel as jupyter does (no template, no options), wait until it answers, stop it.

    By default "answers" is our readiness check (its kernel_info reply and the
    idle status after it, the client trying to connect every 5 ms while the
    kernel is not yet listening): the kernel's own start-up and little else.
    ``stock_client`` waits as jupyter_client's own client does, which papermill
    uses: tries every 100 ms, the same check, then a fixed 0.2 s for IOPub to be
    quiet.
    """
    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    times, unanswered = [], 0
    while len(times) < repeats:
        started = time.perf_counter()
        # the usual start, with none of a job kernel's options: the floor is not ours
        manager = AsyncKernelManager(kernel_name=kernel, client_factory=AsyncKernelClient if stock_client else ReadyClient)
        run_sync(manager.start_kernel)(cwd=str(PROJECT), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = manager.client()
        client.start_channels()
        try:
            run_sync(client.wait_for_ready)(timeout=UNANSWERED_SECONDS)
        except RuntimeError:
            # Once in a CI run a bare kernel never answered (seen with the test suite's other kernels starting
            # beside it): such a start is no timing of a kernel's start-up; try another, twice at most.
            unanswered += 1
            if unanswered > 2:
                raise
            print(f"(a bare kernel did not answer in {UNANSWERED_SECONDS} s; starting another)", file=sys.stderr)
        else:
            times.append(time.perf_counter() - started)
        finally:
            client.stop_channels()
            stop_kernel(manager)
    return statistics.median(times)


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=PROJECT, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def shell_loop(jobs, kernel: str, folder: Path) -> str:
    """The plain way, one job after another: papermill, then nbconvert, each its own process."""
    # the loop's kernels, like a pack's, leave out the Vega that only JupyterLab draws (charts.notebook_renderer)
    lines = ["set +e", *(f"export {name}={value}" for name, value in BATCH_ENVIRONMENT.items())]
    for index, job in enumerate(jobs):
        params = folder / f"params_{index}.yaml"
        params.write_text(yaml.safe_dump(job.parameters, allow_unicode=True), encoding="utf-8")
        executed = folder / f"job_{index}.ipynb"
        lines.append(" ".join(shlex.quote(str(part)) for part in [
            BIN / "papermill", job.notebook, executed, "-f", params, "-k", kernel, "--no-progress-bar"]) + " 2>/dev/null")
        lines.append(" ".join(shlex.quote(str(part)) for part in [
            BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", executed]) + " 2>/dev/null")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", type=Path, default=PROJECT / "packs" / "sample.yaml")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeats", type=int, default=3, help="forced runs (the median one is reported)")
    args = parser.parse_args()

    os.chdir(PROJECT)
    pack = yaml.safe_load(args.pack.read_text(encoding="utf-8"))
    pack["output"] = str(OUT)
    notebooks = Path(pack.get("notebooks", "notebooks"))
    if not any(path for path in notebooks.glob("*.ipynb") if not path.name.startswith("_")):
        print(f"(no question notebooks in {notebooks}: using the test fixtures echo and district_only)")
        pack.update(notebooks=str(FIXTURE_NOTEBOOKS), questions=["echo", "district_only"])
    jobs = expand_pack(load_pack(pack))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    pack_file = OUT.parent / "pack.yaml"
    pack_file.write_text(json.dumps(pack), encoding="utf-8")
    kernel = pack.get("kernel", "flp-inquiry")
    workers = min(args.workers, len(jobs))

    run = [str(BIN / "flp-inquiry"), "run", str(pack_file), "--workers", str(workers)]
    # The machine is shared: each forced run sits between two timings of a bare kernel, and is compared
    # with their mean; the run with the median ratio is reported, the others' ratios beside it.
    kernel_times = [(bare_kernel_seconds(kernel), bare_kernel_seconds(kernel, stock_client=True))]
    runs = []
    for _ in range(args.repeats):
        seconds = timed(run + ["--force"])
        kernel_times.append((bare_kernel_seconds(kernel), bare_kernel_seconds(kernel, stock_client=True)))
        before, after = kernel_times[-2], kernel_times[-1]
        runs.append((seconds, (before[0] + after[0]) / 2, (before[1] + after[1]) / 2, before, after))
    ratios = [seconds / (strict * len(jobs) / workers) for seconds, strict, *_ in runs]
    ours, kernel_seconds, stock_seconds, before, after = runs[ratios.index(statistics.median_low(ratios))]
    floor = kernel_seconds * len(jobs) / workers
    stock_floor = stock_seconds * len(jobs) / workers
    unchanged = timed(run)
    loop_folder = OUT.parent / "loop"
    loop_folder.mkdir(parents=True, exist_ok=True)
    script = loop_folder / "loop.sh"
    script.write_text(shell_loop(jobs, kernel, loop_folder), encoding="utf-8")
    loop = timed(["bash", str(script)])

    print(f"grid: {len(jobs)} jobs, {workers} workers, {os.cpu_count()} cores")
    print(f"papermill + nbconvert loop   {loop:7.1f} s")
    print(f"flp-inquiry run --force      {ours:7.1f} s   {loop / ours:4.1f}x faster than the loop (target >= 3x)"
          f"   (the median of {len(runs)} runs against the floor: "
          + ", ".join(f"{seconds:.1f} s = {ratio:.2f}x" for (seconds, *_), ratio in zip(runs, ratios)) + ")")
    print(f"bare kernel start, median of 7 before / after the run: {before[0]:.2f} / {after[0]:.2f} s "
          f"(stock wait {before[1]:.2f} / {after[1]:.2f} s)")
    print(f"floor (kernel start x jobs / workers = {kernel_seconds:.2f} s x {len(jobs)} / {workers})"
          f"  {floor:5.1f} s   run is {ours / floor:4.2f}x the floor (target <= 1.5x)")
    print(f"  the same with jupyter_client's stock wait ({stock_seconds:.2f} s a kernel, as papermill starts one)"
          f"  {stock_floor:5.1f} s   run is {ours / stock_floor:4.2f}x")
    print(f"flp-inquiry run, no change   {unchanged:7.1f} s   (target < 3 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
