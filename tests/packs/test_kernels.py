"""Kernels forked from a preloaded template behave as kernels started the usual way, and share nothing."""
from __future__ import annotations

import os
import signal
import threading
import time

import nbformat
import papermill
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync

from flp_inquiry.packs import kernels
from flp_inquiry.packs.job_spec import JobSpec
from flp_inquiry.packs.jobs import execute_job, start_kernel, stop_kernel
from tests.conftest import PROJECT as PROJECT_PATH

PROJECT = str(PROJECT_PATH)

# What a notebook can see of its kernel: where it runs, what is imported, how output is shown.
PROBE_CELLS = [
    "import os, sys\nprint(os.getcwd())\nprint('' in sys.path, 'ipywidgets' in sys.modules)",
    "print(type(get_ipython()).__name__, get_ipython().execution_count)",  # counts as the usual kernel does
    "import pandas as pd\npd.DataFrame({'school': ['A', 'B'], 'n': [40, 52]})",
    "import altair as alt\nalt.Chart(pd.DataFrame({'x': [1, 2]})).mark_bar().encode(x='x')",
    "import ipywidgets\nipywidgets.IntSlider(value=3)",
    # a job's kernel writes no input history to ~/.ipython; In still works, in memory
    "print(get_ipython().history_manager.enabled, In[-1].startswith('print(get_ipython()'))",
    # the package's charts in a job's kernel: the Vega-Lite spec a report draws, not the Vega only JupyterLab draws
    "from flp_inquiry.inquiry.charts import use_notebook_renderer\nuse_notebook_renderer()\n"
    "alt.Chart(pd.DataFrame({'x': [1, 2]}), description='Two bars.').mark_bar().encode(x='x')",
    "1 / 0",
]


def _probe_notebook(path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in PROBE_CELLS])
    notebook.metadata["kernelspec"] = {"name": "flp-inquiry", "display_name": "Python (flp-inquiry)", "language": "python"}
    nbformat.write(notebook, path)
    return path


def _outputs(notebook_path, forked, cwd):
    manager = start_kernel("flp-inquiry", str(cwd), forked=forked)
    executed = notebook_path.with_name(f"executed-{forked}.ipynb")
    try:
        papermill.execute_notebook(str(notebook_path), str(executed), kernel_name="flp-inquiry", km=manager,
                                   progress_bar=False)
    except papermill.PapermillExecutionError:
        pass  # the last cell raises on purpose
    finally:
        stop_kernel(manager)
    shown = []
    for cell in nbformat.read(executed, as_version=4).cells[1:]:  # past papermill's error banner
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                shown.append(("stream", output.text))
            elif output.output_type == "error":
                shown.append(("error", output.ename, output.evalue))
            else:
                data = output.get("data", {})
                widget = data.get("application/vnd.jupyter.widget-view+json")
                # a widget's model id is new each time; whether it is there is what matters
                shown.append(("data", sorted(data), data.get("text/plain") if widget is None else "widget"))
    return shown


def test_a_forked_kernel_shows_what_a_usual_kernel_shows(tmp_path):
    notebook = _probe_notebook(tmp_path / "probe.ipynb")
    usual = _outputs(notebook, forked=False, cwd=tmp_path)
    forked = _outputs(notebook, forked=True, cwd=tmp_path)
    assert forked == usual
    # and what both show is what a kernel should: started in the job's folder, widgets not preloaded
    assert usual[0] == ("stream", f"{tmp_path}\nTrue False\n")
    assert usual[1][1].startswith("ZMQInteractiveShell ")
    assert "application/vnd.jupyter.widget-view+json" in usual[4][1]
    assert usual[5] == ("stream", "False True\n")
    assert usual[6] == ("data", ["application/vnd.vegalite.v6+json", "text/plain"], "Two bars.")
    assert usual[-1] == ("error", "ZeroDivisionError", "division by zero")


def _job(key, cells, tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    return execute_job(JobSpec(key, f"{key}.ipynb", {}, cwd=str(tmp_path)), nbformat.writes(notebook))


def test_jobs_forked_from_one_template_share_nothing(tmp_path):
    first = _job("first", ["secret = 'from the first job'",
                           "import flp_inquiry.inquiry.labels as labels\nlabels.GROUP_TYPE_LABELS['school'] = 'changed'"], tmp_path)
    second = _job("second", ["import flp_inquiry.inquiry.labels as labels\n"
                             "print('secret' in globals(), labels.GROUP_TYPE_LABELS['school'])"], tmp_path)
    assert first.status == second.status == "ok"
    assert "False School" in second.executed


def test_a_kernel_started_while_a_setting_is_passing_does_not_inherit_it(tmp_path):
    """The report sets FONTCONFIG_FILE for a moment; a job started meanwhile in another thread waits for it."""
    is_set, release, outcome = threading.Event(), threading.Event(), []

    def set_for_a_moment():
        with kernels.environment_variable("FLP_PASSING", "passing"):
            is_set.set()
            release.wait(30)

    holder = threading.Thread(target=set_for_a_moment)
    holder.start()
    assert is_set.wait(30)
    job = threading.Thread(target=lambda: outcome.append(
        _job("environment", ["import os\nprint(os.environ.get('FLP_PASSING'))"], tmp_path)))
    job.start()
    time.sleep(0.5)  # long enough for the job to have started its kernel, were it not waiting
    release.set()
    holder.join()
    job.join(120)
    assert outcome[0].status == "ok"
    assert "None" in outcome[0].executed and "passing" not in outcome[0].executed
    assert "FLP_PASSING" not in os.environ


def _spec():
    return KernelSpecManager().get_kernel_spec("flp-inquiry")


def _kill(template):
    os.kill(template._process.pid, signal.SIGKILL)
    template._process.wait()


def test_a_template_that_has_gone_is_started_again():
    _kill(kernels.template_for(_spec()))
    manager = start_kernel("flp-inquiry")
    try:
        assert isinstance(manager.provisioner.process, kernels.ForkedKernelProcess)
        assert run_sync(manager.is_alive)()
    finally:
        stop_kernel(manager)


def test_a_template_that_dies_as_a_kernel_is_asked_for_leaves_a_kernel_started_the_usual_way():
    template = kernels.template_for(_spec())
    _kill(template)
    manager = AsyncKernelManager(kernel_name="flp-inquiry", client_factory=kernels.ReadyClient)
    manager.kernel_id = "dead-template"
    manager.provisioner = kernels.ForkedProvisioner(kernel_id=manager.kernel_id, kernel_spec=manager.kernel_spec,
                                                    parent=manager)
    manager.provisioner.template = template
    run_sync(manager.start_kernel)()
    try:
        assert not isinstance(manager.provisioner.process, kernels.ForkedKernelProcess)
        assert run_sync(manager.is_alive)()
    finally:
        stop_kernel(manager)


def _gone(pid, within=10.0):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def test_a_shared_template_and_its_kernels_leave_no_process_behind():
    owner = kernels.start_template(_spec())
    kernels.share_template(_spec(), owner.address)
    kernels.close_templates()  # this process joins the shared one, not one of its own
    manager = start_kernel("flp-inquiry")
    kernel_pid = manager.provisioner.pid
    assert manager.provisioner.template.address == owner.address
    stop_kernel(manager)
    assert _gone(kernel_pid)
    # a kernel left running when its run ends stops by itself once the template has gone
    orphan = start_kernel("flp-inquiry")
    orphan_pid = orphan.provisioner.pid
    kernels.close_templates()
    owner.close()
    kernels._shared.clear()
    assert _gone(owner._process.pid)
    assert _gone(orphan_pid), "a kernel outlived the run's template"


@pytest.mark.parametrize("argv", [
    ["/opt/conda/bin/python", "-m", "ipykernel", "-f", "{connection_file}"],
    ["R", "--slave", "-e", "IRkernel::main()", "--args", "{connection_file}"],
])
def test_only_an_ipykernel_launcher_kernelspec_is_forked(argv):
    from jupyter_client.kernelspec import KernelSpec

    assert kernels.forkable_python(KernelSpec(argv=argv)) is None


def test_a_kernel_that_dies_as_it_starts_is_replaced_once(tmp_path, monkeypatch):
    """Two processes can be handed the same free port; the kernel that loses dies before it answers."""
    from flp_inquiry.packs import jobs

    started = []

    def dying_first(kernel_name, cwd=None, **options):
        manager = start_kernel(kernel_name, cwd, **options)
        if not started:  # as if another process had bound one of its ports first
            os.kill(manager.provisioner.pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while manager.provisioner.process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.01)
        started.append(manager)
        return manager

    monkeypatch.setattr(jobs, "start_kernel", dying_first)
    outcome = _job("replaced", ["print('ran')"], tmp_path)
    assert outcome.status == "ok", outcome.error
    assert len(started) == 2 and "the kernel died as it started; starting another" in outcome.log
    assert "ran" in outcome.executed

    # a kernel that dies each time fails its job, with the reason, after one more try only
    started.clear()
    monkeypatch.setattr(jobs, "start_kernel", lambda *a, **k: started.clear() or dying_first(*a, **k))
    outcome = _job("dies", ["print('ran')"], tmp_path)
    assert outcome.status == "failed" and jobs.KERNEL_DIED_STARTING in outcome.error


def test_a_worker_starts_its_next_kernel_only_when_more_jobs_may_come(tmp_path, monkeypatch):
    from flp_inquiry.packs import jobs

    warm = jobs._WarmKernels()
    monkeypatch.setattr(jobs, "_warm_kernels", warm)
    try:
        assert _job("more to come", ["x = 1"], tmp_path).status == "ok"
        assert len(warm.ready) == 1  # started while the job rendered, for the next one
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 2")])
        last = execute_job(JobSpec("last", "last.ipynb", {}, cwd=str(tmp_path)), nbformat.writes(notebook),
                           start_next_kernel=False)
        assert last.status == "ok" and warm.ready == {}  # it used the kernel started ahead, and started none
    finally:
        warm.shut_down()


def _open_sockets() -> set[int]:
    import gc

    import zmq

    return {id(thing) for thing in gc.get_objects() if isinstance(thing, zmq.Socket) and not thing.closed}


def test_a_job_leaves_no_connection_to_its_kernel_open(tmp_path):
    """Sockets left open keep trying to reach the gone kernel, for as long as the worker lives."""
    before = _open_sockets()  # (other tests' may close meanwhile)
    assert _job("tidy", ["x = 1"], tmp_path).status == "ok"
    assert _open_sockets() - before == set()
