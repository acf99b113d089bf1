"""Fresh kernels in a few milliseconds: each one forked from a template process that has done the imports.

A pack runs hundreds of short notebooks.  Started the usual way, every kernel
spends about 0.5 s starting Python and ipykernel, then 1-2 s importing pandas,
pyarrow, Altair and this package and reading its district, before the notebook
does any work.  A :class:`KernelTemplate` is a process, started once per run and
shared by its workers, that imports all of that (and reads the run's districts
into memory, :func:`flp_inquiry.ingest.store.read_ahead`) and then waits; each kernel
is a ``fork`` of it.  The kernel is still a new process, so jobs share nothing
(no variables, no caches, no open files): what a job does dies with its kernel,
exactly as with a kernel started from scratch.  Memory is shared copy-on-write,
so a kernel costs only what its notebook changes.

Only kernels whose kernelspec runs ``python -m ipykernel_launcher`` can be
forked; any other kernelspec, or a template that failed, falls back to the
usual start.  A module that hooks into IPython when it is imported (ipywidgets
registers its comm target) must not be preloaded: it would have been imported
before there was a kernel to hook into.

Linux and macOS only (``fork`` and passing file descriptors over a socket);
elsewhere :func:`template_for` gives ``None`` and kernels start the usual way.
"""
from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import json
import logging
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from queue import Empty
from typing import Iterable

import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.provisioning import LocalProvisioner

#: Milliseconds between a client's tries to reach a kernel that is not listening yet (ZeroMQ's default: 100).
RECONNECT_MS = 5
#: What the question notebooks import; a module missing here is imported by the kernel as usual.
PRELOAD = (
    "IPython.display", "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger",
    # what a kernel imports as it starts: its debugger, completer and logger, the event loop, psutil,
    # the store magic it loads, the input hooks it looks up
    "pdb", "IPython.core.debugger", "IPython.core.completer", "IPython.core.completerlib", "IPython.core.logger",
    "IPython.core.oinspect", "IPython.extensions.storemagic", "IPython.terminal.pt_inputhooks", "faulthandler",
    "tornado.platform.asyncio", "psutil",
    "pandas", "pyarrow.parquet", "altair", "yaml",
    # the package's modules the notebooks import (flp_inquiry.inquiry imports its stage lazily)
    *(f"flp_inquiry.inquiry.{module}" for module in ("session", "explorer", "analysis", "patterns", "per_student",
                                                     "charts", "tables", "findings", "intervals", "cohorts",
                                                     "decomposition", "labels")),
    "flp_inquiry.ingest.store", "flp_inquiry.measures.metrics", "flp_inquiry.measures.extract",
    "flp_inquiry.measures.privacy",
)

_log = logging.getLogger(__name__)
#: Held while this process sets an environment variable for a moment (:func:`environment_variable`) and
#: while it starts a kernel or a template (:func:`flp_inquiry.packs.jobs.start_kernel`, :meth:`KernelTemplate.start`):
#: neither inherits a passing setting.
ENVIRONMENT_LOCK = threading.RLock()
#: What a pack's kernels (forked from a template, or started the usual way) find in their environment:
#: their charts leave out the Vega only JupyterLab draws (:data:`flp_inquiry.inquiry.charts.DRAW_IN_JUPYTERLAB`), and so
#: vl-convert, whose engine's threads a fork would not carry over, never starts in a template.
BATCH_ENVIRONMENT = {"FLP_INQUIRY_BATCH": "1"}


@contextlib.contextmanager
def environment_variable(name: str, value: str):
    """Set ``name`` to ``value`` in this process's environment for the ``with`` block, then put it back.

    No kernel starts in this process meanwhile (:data:`ENVIRONMENT_LOCK`), so
    none inherits the setting, whichever thread starts it.

    >>> with environment_variable("FLP_EXAMPLE", "1"):
    ...     os.environ["FLP_EXAMPLE"]
    '1'
    >>> "FLP_EXAMPLE" in os.environ
    False
    """
    with ENVIRONMENT_LOCK:
        before = os.environ.get(name)
        os.environ[name] = value
        try:
            yield
        finally:
            if before is None:
                del os.environ[name]
            else:
                os.environ[name] = before


class KernelTemplate:
    """A connection to a preloaded process that forks a new kernel on request.

    :meth:`start` launches a template and owns it (closing the owner stops it);
    :meth:`connect` joins one that another process started, so the workers of a
    run share one template and pay for its imports once.

    Examples
    --------
    >>> from jupyter_client.kernelspec import KernelSpecManager
    >>> owner = KernelTemplate.start(forkable_python(KernelSpecManager().get_kernel_spec("flp-inquiry")))
    >>> guest = KernelTemplate.connect(owner.address)
    >>> owner.alive, guest.alive
    (True, True)
    >>> owner.close()
    >>> owner.alive
    False
    """

    def __init__(self, connection: socket.socket, address: str, process: subprocess.Popen | None = None):
        self.address = address
        self._socket = connection
        self._reader = connection.makefile("r", encoding="utf-8")
        self._process = process
        self._lock = threading.Lock()  # one request and its answer at a time

    @classmethod
    def start(cls, python: list[str], read_ahead: Iterable[tuple[str, str]] = (),
              patience: float = 60.0, shared_work: dict | None = None) -> "KernelTemplate":
        """Launch a template with the kernel's interpreter command ``python``; the caller owns it.

        ``read_ahead`` names harmonised districts, ``(district, data folder)``, that
        the template reads into memory for its kernels (:func:`flp_inquiry.ingest.store.read_ahead`);
        ``shared_work`` (``school_year``, ``questions``, ``extracts_dir``) what it then works out for
        their school reports (:func:`flp_inquiry.inquiry.shared_work.read_and_work_ahead`).
        """
        folder = tempfile.mkdtemp(prefix="flp-kernels-")  # private (0700): only this user can ask for kernels
        address = os.path.join(folder, "template.sock")
        # The template stops when its standard input closes: when the owner closes it, or dies.
        with ENVIRONMENT_LOCK:
            process = subprocess.Popen(
                [*python, "-c", "import sys; from flp_inquiry.packs.kernels import serve; serve(*sys.argv[1:])", address,
                 json.dumps([list(pair) for pair in read_ahead]), json.dumps(shared_work or {})],
                stdin=subprocess.PIPE, close_fds=True, env={**os.environ, **BATCH_ENVIRONMENT})
        deadline = time.monotonic() + patience
        while True:
            try:
                connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                connection.connect(address)
                break
            except OSError:
                connection.close()
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    shutil.rmtree(folder, ignore_errors=True)
                    raise OSError(f"the kernel template did not start (exit status {process.poll()})")
                time.sleep(0.01)
        return cls(connection, address, process)

    @classmethod
    def connect(cls, address: str) -> "KernelTemplate":
        """Join the template listening at ``address``."""
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.connect(address)
        return cls(connection, address)

    @property
    def alive(self) -> bool:
        if self._process is not None:
            return self._process.poll() is None
        return self._socket.fileno() >= 0 and os.path.exists(self.address)

    def fork_kernel(self, connection_file: str, env: dict[str, str], cwd: str | None, stdout, stderr,
                    arguments: Iterable[str] = ()) -> int:
        """Start a kernel for ``connection_file``; returns its pid.  Raises OSError if the template is gone.

        ``arguments`` are more command-line options for the kernel (``--HistoryManager.enabled=False``).
        """
        fds = [_fileno(stdout), _fileno(stderr)]
        request = json.dumps({"connection_file": connection_file, "env": env, "cwd": cwd, "arguments": list(arguments),
                              "redirect": [fd is not None for fd in fds]}) + "\n"
        with self._lock:
            socket.send_fds(self._socket, [request.encode()], [fd for fd in fds if fd is not None])
            answer = self._reader.readline()
        if not answer:
            raise OSError("the kernel template process has stopped")
        reply = json.loads(answer)
        if "error" in reply:
            raise OSError(reply["error"])
        return int(reply["pid"])

    def close(self) -> None:
        """Leave the template; its owner also stops it (a kernel it started ends when its job stops it)."""
        self._reader.close()  # the socket's file descriptor stays open while its reader does
        self._socket.close()
        if self._process is not None:
            self._process.kill()  # it holds nothing worth a graceful exit, and may still be importing
            self._process.wait()
            self._process.stdin.close()
            shutil.rmtree(os.path.dirname(self.address), ignore_errors=True)


class ForkedKernelProcess:
    """Stands in for the :class:`subprocess.Popen` of a kernel that the template forked.

    The template reaps its children, so a kernel that has ended is simply gone;
    its exit status is not known and is reported as ``0`` (the manager only asks
    whether the kernel is still running).
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = 0
            except PermissionError:  # the pid was taken by another user's process: ours has ended
                self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class ForkedProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, except that the kernel process comes from a template."""

    template: KernelTemplate | None = None

    async def launch_kernel(self, cmd: list[str], **kwargs):
        env = kwargs.get("env") or {}
        cwd = kwargs.get("cwd")
        try:
            pid = self.template.fork_kernel(self.parent.connection_file, dict(env), str(cwd) if cwd else None,
                                            kwargs.get("stdout"), kwargs.get("stderr"),
                                            arguments=cmd[len(self.kernel_spec.argv):])  # the manager's extra arguments
        except OSError:  # the template has gone: this kernel starts the usual way
            _log.warning("kernel template unavailable; starting the kernel the usual way", exc_info=True)
            return await super().launch_kernel(cmd, **kwargs)
        self.process = ForkedKernelProcess(pid)
        self.pid = self.pgid = pid  # the kernel leads its own process group, as a launched kernel does
        self.cwd = cwd or os.getcwd()
        return self.connection_info

    async def kill(self, restart: bool = False) -> None:
        await super().kill(restart=restart)
        await self._until_gone(limit=1.0)  # the manager would otherwise look again only after 0.1 s

    async def wait(self) -> int | None:
        await self._until_gone()
        return await super().wait()  # returns at once now; closes the pipes of a kernel started the usual way

    async def _until_gone(self, limit: float | None = None) -> None:
        """Return once the kernel has ended (LocalProvisioner polls every 0.1 s; a killed kernel goes in ms)."""
        deadline = None if limit is None else time.monotonic() + limit
        while self.process is not None and self.process.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                return
            await asyncio.sleep(0.005)


class ReadyClient(AsyncKernelClient):
    """jupyter_client's client without its fixed pause when a kernel starts.

    The stock ``wait_for_ready`` ends by reading IOPub until it has been quiet
    for 0.2 s, which every job would pay.  Here the kernel is ready once its
    ``kernel_info`` reply has come and IOPub has carried the ``idle`` status of
    that same request: proof that IOPub is connected, with nothing of ours left
    behind on it.  A kernel that says IOPub has only just subscribed
    (``iopub_welcome``, ipykernel 7) may have sent that status before, so it is
    asked again at once rather than after the wait.

    The client connects as the kernel starts, often before it listens; ZeroMQ
    then tries again every 100 ms, so here from 5 ms on, doubling up to 100 ms.

    nbclient leaves open the channels of a client whose kernel manager it was
    given (papermill's way), so each job would leave sockets behind that keep
    trying to reach its gone kernel: a client records itself on its manager
    (``flp_clients``), and :func:`stop_clients` closes them with the kernel.
    """

    def _create_connected_socket(self, channel: str, identity: bytes | None = None):
        self.context.setsockopt(zmq.RECONNECT_IVL, RECONNECT_MS)  # for each socket made from here on
        self.context.setsockopt(zmq.RECONNECT_IVL_MAX, 100)
        return super()._create_connected_socket(channel, identity=identity)

    def start_channels(self, *args, **kwargs) -> None:
        super().start_channels(*args, **kwargs)
        if self.parent is not None:
            self.parent.flp_clients = [*getattr(self.parent, "flp_clients", []), self]

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (timeout if timeout is not None else 1e9)
        while True:
            if await self._answers_kernel_info(patience=1.0):
                return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")

    async def _answers_kernel_info(self, patience: float) -> bool:
        msg_id = self.kernel_info()
        until = time.monotonic() + patience
        reply = None
        while reply is None:
            try:
                message = await self.shell_channel.get_msg(timeout=max(0.001, until - time.monotonic()))
            except Empty:
                return False
            if message["msg_type"] == "kernel_info_reply" and message["parent_header"].get("msg_id") == msg_id:
                reply = message
        until = time.monotonic() + 0.2  # the idle status is sent right after the reply, unless IOPub missed it
        while True:
            try:
                message = await self.iopub_channel.get_msg(timeout=max(0.001, until - time.monotonic()))
            except Empty:
                return False  # IOPub was not yet connected: ask again
            if message["msg_type"] == "iopub_welcome":
                return False  # subscribed only now: our idle status may have gone before; ask again
            if (message["msg_type"] == "status" and message["parent_header"].get("msg_id") == msg_id
                    and message["content"].get("execution_state") == "idle"):
                self._handle_kernel_info_reply(reply)
                return True


def stop_clients(manager) -> None:
    """Close the channels of every :class:`ReadyClient` of ``manager``'s kernel (its job is over)."""
    for client in getattr(manager, "flp_clients", []):
        client.stop_channels()
    manager.flp_clients = []


def forkable_python(spec: KernelSpec) -> list[str] | None:
    """The interpreter command of a kernelspec that runs ipykernel, or ``None`` for any other kind.

    >>> forkable_python(KernelSpec(argv=["/venv/bin/python", "-Xfrozen_modules=off", "-m", "ipykernel_launcher",
    ...                                  "-f", "{connection_file}"]))
    ['/venv/bin/python', '-Xfrozen_modules=off']
    >>> forkable_python(KernelSpec(argv=["R", "--slave", "-e", "IRkernel::main()", "--args", "{connection_file}"]))
    """
    argv = list(spec.argv)
    if len(argv) < 5 or argv[-4:] != ["-m", "ipykernel_launcher", "-f", "{connection_file}"]:
        return None
    return argv[:-4]


_templates: dict[tuple, KernelTemplate | None] = {}
_shared: dict[tuple, str] = {}  # kernelspec -> address of a template another process owns
_templates_lock = threading.Lock()


def _template_key(spec: KernelSpec) -> tuple | None:
    python = forkable_python(spec)
    if python is None or not hasattr(socket, "send_fds") or not hasattr(os, "fork"):
        return None
    return (tuple(python), json.dumps(spec.env, sort_keys=True))


def start_template(spec: KernelSpec, read_ahead: Iterable[tuple[str, str]] = (),
                   shared_work: dict | None = None) -> KernelTemplate | None:
    """Launch a template for ``spec`` that this process owns and others may join, or ``None`` if it cannot.

    ``read_ahead``: ``(district, data folder)`` pairs whose tables the kernels will find in memory;
    ``shared_work``: what is worked out from them for the kernels (:meth:`KernelTemplate.start`).
    """
    key = _template_key(spec)
    if key is None:
        return None
    try:
        return KernelTemplate.start(list(key[0]), read_ahead, shared_work=shared_work)
    except OSError:
        _log.warning("could not start a kernel template; kernels start the usual way", exc_info=True)
        return None


def start_template_for(kernel_name: str, read_ahead: Iterable[tuple[str, str]] = (),
                       shared_work: dict | None = None) -> KernelTemplate | None:
    """:func:`start_template` for the kernelspec named ``kernel_name``; ``None`` for an unknown kernel."""
    from jupyter_client.kernelspec import KernelSpecManager

    try:
        spec = KernelSpecManager().get_kernel_spec(kernel_name)
    except Exception:  # an unknown kernel: each job reports it
        return None
    return start_template(spec, read_ahead, shared_work)


def share_template(spec: KernelSpec, address: str) -> None:
    """Have this process fork its kernels for ``spec`` from the template at ``address``."""
    key = _template_key(spec)
    if key is not None:
        _shared[key] = address


def template_for(spec: KernelSpec) -> KernelTemplate | None:
    """This process's template for ``spec`` (joined or started on first use), or ``None`` if it cannot have one."""
    key = _template_key(spec)
    if key is None:
        return None
    with _templates_lock:  # a Dask worker runs jobs in several threads
        template = _templates.get(key)
        if template is None or not template.alive:
            template = None
            if key in _shared:
                try:
                    template = KernelTemplate.connect(_shared[key])
                except OSError:
                    _log.warning("could not join the kernel template at %s", _shared[key], exc_info=True)
            if template is None:
                template = start_template(spec)
            _templates[key] = template
        return template


def close_templates() -> None:
    """Leave or stop every template this process joined or started."""
    while _templates:
        _, template = _templates.popitem()
        if template is not None:
            template.close()


def _fileno(stream) -> int | None:
    if stream is None or isinstance(stream, int) and stream < 0:
        return None
    return stream if isinstance(stream, int) else stream.fileno()


# --- the template process -------------------------------------------------------------------------

def serve(address: str, read_ahead: str = "[]", shared_work: str = "{}") -> None:
    """The template's main loop: preload, then fork a kernel for each request, until standard input closes.

    ``read_ahead`` is a JSON list of ``[district, data folder]`` to read into memory after the imports,
    ``shared_work`` a JSON object of what to work out from them then (:meth:`KernelTemplate.start`).
    """
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # as ipykernel_launcher does; the kernel puts its own folder back
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address)  # before the imports: workers can connect at once and wait for their first kernel
    listener.listen()
    # Kernels are reaped by the system, so none is left a zombie; the run's Ctrl-C is not theirs.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # the notebook that needs it will import it, and show the error there
            pass
    try:
        # Every kernel would look up this machine's network addresses (with psutil) as it reads its
        # connection file; the template does it once and its kernels inherit the answer.
        from jupyter_client.localinterfaces import localhost

        localhost()
    except Exception:
        pass
    try:
        from flp_inquiry.inquiry.session import warm_up

        warm_up()
    except Exception:  # a kernel then does it for itself
        pass
    try:  # the districts read, and what their school reports share worked out, once for every kernel
        from flp_inquiry.inquiry.shared_work import read_and_work_ahead

        read_and_work_ahead(json.loads(read_ahead), **json.loads(shared_work))
    except Exception:  # a kernel reads and works out for itself, and meets the problem where it can show it
        pass
    # Kernels share the template's memory until they write to it; keep the garbage collector from
    # writing to every preloaded object (and so copying every page) in each kernel.
    gc.collect()
    gc.freeze()
    events = selectors.DefaultSelector()
    events.register(sys.stdin.fileno(), selectors.EVENT_READ, "owner")
    events.register(listener, selectors.EVENT_READ, "listener")
    pending: dict[socket.socket, tuple[bytes, list[int]]] = {}
    while True:
        for key, _ in events.select():
            if key.data == "owner":
                if not os.read(key.fd, 4096):
                    return
            elif key.data == "listener":
                connection, _ = listener.accept()
                pending[connection] = (b"", [])
                events.register(connection, selectors.EVENT_READ, "worker")
            else:
                _answer(key.fileobj, pending, events, listener)


def _answer(connection: socket.socket, pending: dict, events: selectors.BaseSelector,
            listener: socket.socket) -> None:
    """Read from one worker's connection; once a whole request has come, fork its kernel and reply."""
    try:
        message, received, _, _ = socket.recv_fds(connection, 65536, 2)
    except OSError:
        message, received = b"", []
    buffer, fds = pending[connection]
    buffer, fds = buffer + message, fds + received
    if not message:  # the worker has gone
        events.unregister(connection)
        connection.close()
        for fd in fds:
            os.close(fd)
        del pending[connection]
        return
    if not buffer.endswith(b"\n"):
        pending[connection] = (buffer, fds)
        return
    pending[connection] = (b"", [])
    request = json.loads(buffer)
    try:
        pid = os.fork()
    except OSError as err:
        pid, error = None, f"could not fork a kernel: {err}"
    if pid == 0:  # the kernel: nothing of the template's serving comes with it
        events.close()
        for other in [listener, *pending, connection]:
            other.close()
        _run_kernel(request, fds)  # never returns
    for fd in fds:
        os.close(fd)
    reply = {"pid": pid} if pid is not None else {"error": error}
    try:
        connection.sendall(json.dumps(reply).encode() + b"\n")
    except OSError:
        pass  # the worker went away; its kernel's parent-watch ends the kernel


def _run_kernel(request: dict, fds: list[int]) -> None:
    code = 1
    try:
        os.setsid()
        for signum in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        redirects = iter(fds)
        for target, wanted in zip((1, 2), request["redirect"]):
            if wanted:
                os.dup2(next(redirects), target)
        for received in fds:
            os.close(received)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        os.environ.update(request["env"])
        # ipykernel ends a kernel whose parent has gone: here the template, which ends with the run.  It
        # reads JPY_PARENT_PID as it is imported, which was in the template: say it on the command line too.
        os.environ["JPY_PARENT_PID"] = str(os.getppid())
        watch_parent = [f"--IPKernelApp.parent_handle={os.getppid()}"]
        if request["cwd"] and os.path.isdir(request["cwd"]):
            os.chdir(request["cwd"])
        from ipykernel.kernelapp import IPKernelApp

        app = IPKernelApp.instance()
        app.initialize(["-f", request["connection_file"], *watch_parent, *request.get("arguments", [])])
        app.start()
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 0
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush() if sys.stdout else None
        os._exit(code)
