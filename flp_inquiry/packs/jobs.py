"""One job of a meeting pack, in a worker: run a notebook in a fresh kernel and render its report.

:func:`execute_job` hands back what it made (executed notebook, log, report
HTML) as text; only the process that started the run writes files
(:mod:`flp_inquiry.packs.executors`).  It never raises: a kernel that dies or hangs,
or a notebook past its time limit, fails that job only, and the kernel is
always shut down.

Speed: a local worker imports this module (papermill, nbconvert, the report)
once, in the process its siblings are forked from, and starts the kernel for
its next job while it renders the current one (:func:`start_worker`).  The
process that starts a run never imports it.
"""
from __future__ import annotations

import io
import json
import logging
import multiprocessing.util
import os
import signal
import tempfile
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import papermill
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines
from papermill.exceptions import PapermillExecutionError
from papermill.execute import raise_for_execution_errors

from flp_inquiry.packs import kernels
from flp_inquiry.packs.job_spec import KERNEL_START_SECONDS, JobOutcome, JobSpec

#: What jupyter_client (and our ReadyClient) say of a kernel that exited before it answered.
KERNEL_DIED_STARTING = "Kernel died before replying to kernel_info"
#: A job's kernel keeps no input history: nobody reads it, and hundreds of kernels writing to the one
#: SQLite file in ~/.ipython would wait on each other's locks (history still works in memory: In, _i).
JOB_KERNEL_ARGUMENTS = ["--HistoryManager.enabled=False"]

_log = logging.getLogger(__name__)


@dataclass
class _WarmKernels:
    """Kernels started ahead of the job that will use them, one per kernel name, folder and environment."""

    ready: dict = field(default_factory=dict)

    def take(self, kernel_name: str, cwd: str | None, environment: dict | None = None) -> AsyncKernelManager:
        manager = self.ready.pop(_warm_key(kernel_name, cwd, environment), None)
        return manager if manager is not None else start_kernel(kernel_name, cwd, environment=environment)

    def prepare(self, kernel_name: str, cwd: str | None, environment: dict | None = None) -> None:
        key = _warm_key(kernel_name, cwd, environment)
        if key not in self.ready:
            try:
                self.ready[key] = start_kernel(kernel_name, cwd, environment=environment)
            except Exception:  # the next job starts its own kernel and reports the problem
                _log.debug("could not start a kernel ahead of time", exc_info=True)

    def shut_down(self) -> None:
        while self.ready:
            _, manager = self.ready.popitem()
            stop_kernel(manager)


def _warm_key(kernel_name: str, cwd: str | None, environment: dict | None) -> tuple:
    return kernel_name, cwd, tuple(sorted((environment or {}).items()))


#: Set in local worker processes only; a Dask worker starts each job's kernel when the job starts.
_warm_kernels: _WarmKernels | None = None


class _NoSaves(NotebookExecutionManager):
    """Papermill's bookkeeping without its saves: papermill writes the notebook once when it ends well or
    with an error, and :func:`execute_job` writes it when the kernel died or ran out of time."""

    def save(self, **kwargs):
        self.last_save_time = self.now()


class KeepNotebookEngine(NBClientEngine):
    """Papermill's nbclient engine, without writing the notebook twice per cell, keeping the one it ran.

    ``running.notebook`` (per thread) is the notebook as far as it ran, even when
    execution stopped with an exception, so the job can still show where it stopped.
    """

    running = threading.local()

    @classmethod
    def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True, log_output=False,
                         autosave_cell_every=30, **kwargs):
        manager = _NoSaves(nb, output_path=output_path, progress_bar=progress_bar, log_output=log_output,
                           autosave_cell_every=autosave_cell_every)
        cls.running.notebook = manager.nb
        manager.notebook_start()
        try:
            cls.execute_managed_notebook(manager, kernel_name, log_output=log_output, **kwargs)
        finally:
            manager.cleanup_pbar()
            manager.notebook_complete()
        return manager.nb


papermill_engines.register("flp-inquiry", KeepNotebookEngine)


def start_kernel(kernel_name: str, cwd: str | None = None, *, forked: bool = True,
                 environment: dict | None = None) -> AsyncKernelManager:
    """Start a kernel (without waiting for it to be ready) in ``cwd`` when that folder exists.

    With ``forked`` (the default) the kernel is forked from this process's
    preloaded template (:mod:`flp_inquiry.packs.kernels`) when its kernelspec allows;
    ``forked=False`` starts it the usual way, as ``jupyter`` would.  Either way
    it gets a job kernel's options (:data:`JOB_KERNEL_ARGUMENTS`) and the batch
    settings (:data:`flp_inquiry.packs.kernels.BATCH_ENVIRONMENT`), and ``environment``
    over this process's environment.

    Examples
    --------
    >>> manager = start_kernel("flp-inquiry")
    >>> manager.has_kernel, type(manager.provisioner).__name__
    (True, 'ForkedProvisioner')
    >>> stop_kernel(manager)
    >>> manager = start_kernel("flp-inquiry", forked=False)
    >>> type(manager.provisioner).__name__
    'LocalProvisioner'
    >>> stop_kernel(manager)
    """
    manager = AsyncKernelManager(kernel_name=kernel_name, client_factory=kernels.ReadyClient)
    # The kernel, and a template started for it, take this process's environment as they start.
    with kernels.ENVIRONMENT_LOCK:
        template = kernels.template_for(manager.kernel_spec) if forked else None
        if template is not None:
            manager.kernel_id = str(uuid.uuid4())
            manager.provisioner = kernels.ForkedProvisioner(kernel_id=manager.kernel_id,
                                                            kernel_spec=manager.kernel_spec, parent=manager)
            manager.provisioner.template = template
        folder = cwd if cwd and os.path.isdir(cwd) else None
        # The kernel's own messages (not cell output) go to the job's log, not the terminal.
        manager.flp_messages = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")
        # (a forked kernel takes these over the template's environment, which has the batch settings too)
        env = {**os.environ, **kernels.BATCH_ENVIRONMENT, **(environment or {})}
        run_sync(manager.start_kernel)(cwd=folder, stdout=manager.flp_messages, stderr=manager.flp_messages,
                                       extra_arguments=JOB_KERNEL_ARGUMENTS, env=env)
    return manager


def stop_kernel(manager: AsyncKernelManager) -> None:
    """Stop a kernel at once (its job is over, nothing in it is worth a graceful exit).

    >>> stop_kernel(start_kernel("flp-inquiry"))
    """
    try:
        kernels.stop_clients(manager)
        if manager.has_kernel:
            run_sync(manager.shutdown_kernel)(now=True)
    except Exception:  # a kernel that is already gone is what we wanted
        _log.debug("kernel shutdown", exc_info=True)


def _kernel_messages(manager: AsyncKernelManager) -> str:
    """What the stopped kernel printed outside any cell, minus the usual start-up notice; closes the file."""
    messages = getattr(manager, "flp_messages", None)
    if messages is None:
        return ""
    with messages:
        messages.seek(0)
        lines = [line for line in messages.read().splitlines() if "running over TCP without encryption" not in line]
    return "".join(f"kernel: {line}\n" for line in lines if line.strip())


def execute_job(spec: JobSpec, notebook_source: str, *, start_next_kernel: bool = True) -> JobOutcome:
    """Run one notebook with its parameters in a fresh kernel and render its report; never raises.

    Parameters
    ----------
    spec
        The job.
    notebook_source
        The question notebook's JSON text.
    start_next_kernel
        In a local worker, start the kernel for the worker's next job while this one renders.

    Returns
    -------
    JobOutcome
        ``status`` ``"ok"`` or ``"failed"``; for a failed job ``executed``
        still holds the notebook as far as it ran, with the error where it happened.

    Examples
    --------
    >>> cell = nbformat.v4.new_code_cell("school = 'all'")
    >>> cell.metadata["tags"] = ["parameters"]
    >>> source = nbformat.writes(nbformat.v4.new_notebook(cells=[cell, nbformat.v4.new_code_cell("print(school)")]))
    >>> outcome = execute_job(JobSpec("demo", "demo.ipynb", {"school": "O'Brien"}), source)
    >>> outcome.status, "O'Brien" in outcome.log
    ('ok', True)
    """
    started = time.monotonic()
    log_text = io.StringIO()
    handler = logging.StreamHandler(log_text)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))
    papermill_log = logging.getLogger("papermill")
    papermill_log.addHandler(handler)
    papermill_log.setLevel(logging.INFO)
    papermill_log.propagate = False  # cell output belongs in the job's log, not the terminal
    error, executed, report_html = "", None, None
    KeepNotebookEngine.running.notebook = None
    with tempfile.TemporaryDirectory(prefix="flp-job-") as scratch:
        source_path = Path(scratch) / spec.notebook_name
        source_path.write_text(notebook_source, encoding="utf-8")
        executed_path = Path(scratch) / "executed.ipynb"
        kernel, kernel_messages = None, ""
        deadline = started + spec.timeout
        try:
            for attempt in (1, 2):
                kernel = (_warm_kernels.take(spec.kernel_name, spec.cwd, spec.environment) if _warm_kernels
                          else start_kernel(spec.kernel_name, spec.cwd, environment=spec.environment))
                try:
                    papermill.execute_notebook(
                        str(source_path), str(executed_path), parameters=dict(spec.parameters),
                        kernel_name=spec.kernel_name, language="python", km=kernel, progress_bar=False,
                        log_output=True, engine_name="flp-inquiry", request_save_on_cell_execute=False,
                        start_timeout=KERNEL_START_SECONDS,
                        # the time limit is for the whole notebook, so each cell gets what is left of it
                        timeout_func=lambda cell: max(1, int(deadline - time.monotonic())),
                    )
                    break
                except RuntimeError as err:
                    if attempt == 2 or KERNEL_DIED_STARTING not in str(err):
                        raise
                    # Before any cell ran: most often another process took one of the ports jupyter_client
                    # chose for it before it could bind them.  Another kernel gets other ports.
                    papermill_log.warning("the kernel died as it started; starting another")
                    stop_kernel(kernel)
                    kernel_messages += _kernel_messages(kernel)
                    kernel = None
        except PapermillExecutionError as err:
            error = f"{err.ename}: {err.evalue} (cell [{err.exec_count}])"
        except (DeadKernelError, CellTimeoutError) as err:
            reason = ("the kernel died (it exited or ran out of memory)" if isinstance(err, DeadKernelError)
                      else f"the notebook ran past its time limit of {spec.timeout:g} s")
            error = f"{type(err).__name__}: {reason}"
            _mark_stopped_cell(KeepNotebookEngine.running.notebook, executed_path, type(err).__name__, reason)
        except Exception as err:  # a kernel that would not start, an unreadable notebook: this job only
            error = f"{type(err).__name__}: {err}"
            papermill_log.error(traceback.format_exc())
        finally:
            if kernel is not None:
                stop_kernel(kernel)
                kernel_messages += _kernel_messages(kernel)
            if _warm_kernels is not None and start_next_kernel:
                _warm_kernels.prepare(spec.kernel_name, spec.cwd, spec.environment)  # boots while this job renders
        if executed_path.is_file():
            executed = executed_path.read_text(encoding="utf-8")
        if not error and spec.header is not None:
            try:  # from the notebook in memory: reading back what papermill wrote would parse and check it again
                report_html = _render(KeepNotebookEngine.running.notebook, Path(scratch) / "report.html",
                                      spec.header, _district_student_keys(spec.parameters))
            except Exception as err:
                error = f"the report was not made: {type(err).__name__}: {err}"
    papermill_log.removeHandler(handler)
    seconds = time.monotonic() - started
    log = (f"job {spec.key}\nparameters {json.dumps(spec.parameters, ensure_ascii=False)}\n"
           f"{log_text.getvalue()}{kernel_messages}"
           + (f"FAILED after {seconds:.1f} s: {error}\n" if error else f"OK in {seconds:.1f} s\n"))
    return JobOutcome(spec.key, "failed" if error else "ok", seconds, error, executed, log, report_html)


def _render(notebook: nbformat.NotebookNode, out_html: Path, header: dict, student_ids: frozenset[str]) -> str:
    from flp_inquiry.packs.report import render_report

    return render_report(notebook, out_html, header, student_ids=student_ids).read_text(encoding="utf-8")


def _district_student_keys(parameters: dict) -> frozenset[str]:
    """Every student key of the job's district, so the report's privacy check can refuse any of them.

    Read once per worker and version of the harmonised data (:func:`flp_inquiry.ingest.catalog.student_keys`).
    """
    district, data_dir = parameters.get("district"), parameters.get("data_dir")
    if not district or not data_dir:
        return frozenset()
    from flp_inquiry.ingest import catalog

    if not (catalog.district_folder(district, Path(data_dir)) / catalog.MANIFEST).is_file():
        return frozenset()
    return catalog.student_keys(district, Path(data_dir))


def _mark_stopped_cell(notebook: nbformat.NotebookNode | None, executed_path: Path, ename: str, reason: str) -> None:
    """Show a kernel death or time-out as an error in the cell that was running, as papermill shows errors,
    and write the notebook as far as it ran to ``executed_path``."""
    if notebook is None:
        return
    started = [cell for cell in notebook.cells
               if cell.cell_type == "code" and cell.get("metadata", {}).get("papermill", {}).get("start_time")]
    if started:
        started[-1].outputs.append(nbformat.v4.new_output("error", ename=ename, evalue=reason,
                                                          traceback=[f"{ename}: {reason}"]))
    try:
        raise_for_execution_errors(notebook, str(executed_path))  # adds papermill's error marker and writes
    except PapermillExecutionError:
        pass
    if not executed_path.is_file():
        nbformat.write(notebook, executed_path)


# --- local worker processes -------------------------------------------------------------------------

def start_worker(kernel_name: str, cwd: str | None, template_address: str | None = None,
                 environment: dict | None = None) -> None:
    """Make this process a local worker: kernels forked from the template at ``template_address``, and
    the first job's kernel started now (with the run's ``environment``)."""
    global _warm_kernels
    # Ctrl-C is for the parent, which stops the pool; SIGTERM ends a job cleanly (kernels shut down).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_signal)
    if template_address:
        kernels.share_template(KernelSpecManager().get_kernel_spec(kernel_name), template_address)
    _warm_kernels = _WarmKernels()
    multiprocessing.util.Finalize(None, kernels.close_templates, exitpriority=9)
    multiprocessing.util.Finalize(None, _warm_kernels.shut_down, exitpriority=10)
    _warm_kernels.prepare(kernel_name, cwd, environment)


def _exit_on_signal(signum, frame):
    raise SystemExit(128 + signum)
