"""Running a meeting pack's jobs: in local worker processes, or on a Dask cluster.

Each job runs in a worker (:func:`flp_inquiry.packs.jobs.execute_job`), which hands
back what it made (executed notebook, log, report HTML) as text; only the
process that started the run writes files, so the output folder is written in
one place, atomically, whether the jobs ran here or on a Dask cluster.

This module is what that starting process needs (the jobs, the pool, Dask), so
it imports no papermill, nbconvert or pandas: local workers import those once,
in the process they are forked from, while this one checks the pack.
"""
from __future__ import annotations

import multiprocessing
import os
import queue
import uuid
from typing import Callable, Iterable

from flp_inquiry.errors import ParameterError
from flp_inquiry.packs import kernels
from flp_inquiry.packs.job_spec import KERNEL_START_SECONDS, JobOutcome, JobSpec

#: Seconds past a job's time limit before the run gives up on hearing from its worker.
WORKER_GRACE_SECONDS = 120


def _start_worker(kernel_name: str, cwd: str | None, template_address: str | None = None,
                  environment: dict | None = None) -> None:
    from flp_inquiry.packs import jobs  # already imported: the workers' fork server preloads it

    jobs.start_worker(kernel_name, cwd, template_address, environment)


def _execute_in_worker(spec: JobSpec, notebook_source: str, start_next_kernel: bool) -> JobOutcome:
    from flp_inquiry.packs import jobs

    return jobs.execute_job(spec, notebook_source, start_next_kernel=start_next_kernel)


def failed_outcome(spec: JobSpec, error: str, status: str = "failed") -> JobOutcome:
    """An outcome for a job that never reported back (its worker was lost, or the run was stopped).

    >>> failed_outcome(JobSpec("fresno/q/district", "q.ipynb", {}), "lost").status
    'failed'
    """
    return JobOutcome(spec.key, status, 0.0, error, log=f"{status.upper()}: {error}\n")


def run_local(specs: list[JobSpec], sources: dict[str, str], workers: int,
              on_outcome: Callable[[JobOutcome], None], template: kernels.KernelTemplate | None = None) -> None:
    """Run jobs in ``workers`` local processes, calling ``on_outcome`` as each one ends.

    ``sources`` maps a spec's ``notebook_name`` to the notebook's text.  The
    workers fork their kernels from ``template`` (see :func:`flp_inquiry.packs.kernels.start_template_for`),
    or from one started here.  On
    Ctrl-C the workers are stopped (their kernels shut down), the jobs not
    finished are reported with status ``"interrupted"``, and KeyboardInterrupt
    is raised again.
    """
    if not specs:
        return
    context = multiprocessing.get_context("forkserver")
    # imported once, in the process the workers are forked from (no pandas: workers need none)
    context.set_forkserver_preload(["flp_inquiry.packs.jobs", "flp_inquiry.packs.report"])
    finished: "queue.Queue[JobOutcome]" = queue.Queue()
    pending = {spec.key: spec for spec in specs}
    first = specs[0]
    patience = max(spec.timeout for spec in specs) + KERNEL_START_SECONDS + WORKER_GRACE_SECONDS
    # One kernel template for all the workers, preloading while they start (see flp_inquiry.packs.kernels).
    own_template = template is None
    if own_template:
        template = kernels.start_template_for(first.kernel_name)
    processes = min(workers, len(specs))
    pool = context.Pool(processes, initializer=_start_worker,
                        initargs=(first.kernel_name, first.cwd, template.address if template else None,
                                  first.environment))
    try:
        for number, spec in enumerate(specs, start=1):
            # A worker starts its next job's kernel while it renders, unless this is one of the last jobs:
            # the kernel would go unused, and take a core from the jobs still running.
            start_next_kernel = number <= len(specs) - processes
            pool.apply_async(_execute_in_worker, (spec, sources[spec.notebook_name], start_next_kernel),
                             callback=finished.put,
                             error_callback=lambda err, spec=spec: finished.put(
                                 failed_outcome(spec, f"its worker failed: {type(err).__name__}: {err}")))
        while pending:
            try:
                outcome = finished.get(timeout=patience)
            except queue.Empty:
                # A worker that was killed takes its job with it: do not wait for ever.
                pool.terminate()
                for spec in list(pending.values()):
                    on_outcome(failed_outcome(spec, "no answer from its worker process (was it killed?)"))
                pending.clear()
                break
            pending.pop(outcome.key, None)
            on_outcome(outcome)
        pool.close()  # workers leave normally and shut down the kernels they started ahead
    except KeyboardInterrupt:
        pool.terminate()
        for spec in pending.values():
            on_outcome(failed_outcome(spec, "not run: the run was stopped (Ctrl-C)", status="interrupted"))
        raise
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
        if own_template and template is not None:
            template.close()


def run_dask(specs: list[JobSpec], sources: dict[str, str], scheduler: str,
             on_outcome: Callable[[JobOutcome], None]) -> None:
    """Run jobs on a Dask distributed cluster, calling ``on_outcome`` here as each one ends.

    Workers need the package, the kernel and the harmonised data (``data_dir``);
    notebooks travel with the jobs and results come back, so only this process
    writes the output folder.
    """
    from distributed import Client, as_completed

    from flp_inquiry.packs.jobs import execute_job

    if not specs:
        return
    run_id = uuid.uuid4().hex[:8]
    with Client(scheduler) as client:
        # Each notebook's text is sent once per run, not once per job.
        shipped = {name: client.scatter(text, broadcast=False) for name, text in sources.items()}
        futures = {client.submit(execute_job, spec, shipped[spec.notebook_name], key=f"flp-{run_id}-{index}",
                                 pure=False, retries=0): spec for index, spec in enumerate(specs)}
        pending = dict(futures)
        try:
            for future in as_completed(list(futures)):
                spec = pending.pop(future)
                try:
                    outcome = future.result()
                except Exception as err:  # a worker lost with its job, say
                    outcome = failed_outcome(spec, f"its Dask worker failed: {type(err).__name__}: {err}")
                on_outcome(outcome)
        except KeyboardInterrupt:
            client.cancel(list(pending))
            for spec in pending.values():
                on_outcome(failed_outcome(spec, "not run: the run was stopped (Ctrl-C)", status="interrupted"))
            raise


def check_executor(executor: str, scheduler: str | None) -> None:
    """Refuse an unknown executor, or Dask without a scheduler address.

    >>> check_executor("spark", None)
    Traceback (most recent call last):
    ...
    flp_inquiry.errors.ParameterError: executor = 'spark' is not allowed. Allowed values: local, dask
    """
    if executor not in ("local", "dask"):
        raise ParameterError("executor", executor, ["local", "dask"])
    if executor == "dask" and not scheduler:
        raise ParameterError("scheduler", scheduler, reason="--executor dask needs --scheduler ADDRESS "
                                                           "(e.g. tcp://10.0.0.5:8786)")


def run_jobs(specs: Iterable[JobSpec], sources: dict[str, str], on_outcome: Callable[[JobOutcome], None], *,
             executor: str = "local", workers: int | None = None, scheduler: str | None = None,
             template: kernels.KernelTemplate | None = None) -> None:
    """Run jobs locally (``workers`` processes, default one per core) or on Dask at ``scheduler``.

    A local run forks its kernels from ``template`` when given (see :func:`flp_inquiry.packs.kernels.start_template_for`).

    >>> run_jobs([], {}, print, executor="dask")
    Traceback (most recent call last):
    ...
    flp_inquiry.errors.ParameterError: scheduler = None is not allowed: --executor dask needs --scheduler ADDRESS (e.g. tcp://10.0.0.5:8786)
    """
    check_executor(executor, scheduler)
    specs = list(specs)
    if executor == "local":
        run_local(specs, sources, workers or os.cpu_count() or 1, on_outcome, template)
    else:
        run_dask(specs, sources, scheduler, on_outcome)
