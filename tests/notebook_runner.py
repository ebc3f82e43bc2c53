"""Runs the researcher notebooks for tests/test_notebooks.py in real Jupyter kernels, in the background.

pytest runs one test at a time, so on a two-core machine one core is idle for most of `make test`. When
collection ends, conftest.py hands the selected notebooks to `start`: a background thread runs them one
kernel at a time (two at a time if nothing but notebook tests was selected) while the other tests run, and
each notebook's test waits in `result` for its own notebook.

Each kernel is an ipykernel with DAYSHIFT_QUICK=1 and no MPLBACKEND, so matplotlib takes Jupyter's default
inline backend as it does for a user. A cell printing the kernel's backend is appended (in memory only).
Kernel stdout and stderr go to a log file whose end is added to the error if the notebook fails.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import threading
from concurrent.futures import Future
from pathlib import Path

import nbformat
from nbclient import NotebookClient

BACKEND_CELL = "import matplotlib\nprint('backend:', matplotlib.get_backend())"
SLOWEST = ["03_sweep_and_sensitivity", "02_compare_policies", "04_calibration"]  # started first
CELL_TIMEOUT = 600
WAIT = 1800  # seconds a test waits for its notebook, queueing included

_runner: _Runner | None = None


def kernel_env() -> dict[str, str]:
    """The kernels' environment: small settings, and no backend forced on matplotlib."""
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env["DAYSHIFT_QUICK"] = "1"
    return env


async def execute(path: Path, log: Path) -> nbformat.NotebookNode:
    """One notebook, top to bottom, in a new kernel; the executed notebook (raises if a cell fails)."""
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(BACKEND_CELL))
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    with open(log, "wb") as out:
        try:
            await client.async_execute(env=kernel_env(), stdout=out, stderr=out)
        except Exception as exc:
            out.flush()
            tail = log.read_text(errors="replace")[-3000:].strip()
            if tail:
                exc.add_note(f"kernel output ({log}):\n{tail}")
            raise
    return nb


class _Runner:
    def __init__(self, paths: list[Path], at_once: int):
        self.futures: dict[Path, Future] = {p: Future() for p in paths}
        self.at_once = at_once
        self.logs = Path(tempfile.mkdtemp(prefix="dayshift-notebooks-"))
        self.loop: asyncio.AbstractEventLoop | None = None
        self.task: asyncio.Task | None = None
        self.thread = threading.Thread(target=self._main, name="notebooks", daemon=True)
        self.thread.start()

    def _main(self) -> None:
        try:
            asyncio.run(self._all())
        except asyncio.CancelledError:  # stopped: the kernels have been shut down
            pass

    async def _all(self) -> None:
        self.loop, self.task = asyncio.get_running_loop(), asyncio.current_task()
        slots = asyncio.Semaphore(self.at_once)

        async def one(path: Path) -> None:
            future = self.futures[path]
            async with slots:
                if not future.set_running_or_notify_cancel():
                    return
                try:
                    future.set_result(await execute(path, self.logs / f"{path.stem}.log"))
                except BaseException as exc:  # noqa: BLE001 -- handed to the notebook's own test
                    future.set_exception(exc)
                    if isinstance(exc, asyncio.CancelledError):
                        raise

        order = sorted(self.futures, key=lambda p: (SLOWEST.index(p.stem) if p.stem in SLOWEST else len(SLOWEST),
                                                    p.stem))
        await asyncio.gather(*(one(p) for p in order), return_exceptions=True)

    def stop(self) -> None:
        for future in self.futures.values():
            future.cancel()  # those not started yet
        if self.loop is not None and self.task is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.task.cancel)  # the kernels running are shut down
        self.thread.join(timeout=60)


def start(paths, at_once: int = 1) -> None:
    """Begin running these notebooks in the background (once per session)."""
    global _runner
    if _runner is None and paths:
        _runner = _Runner(sorted(set(paths)), max(1, at_once))


def result(path: Path) -> nbformat.NotebookNode:
    """The executed notebook, once its kernel is done (run here and now if it was not started)."""
    if _runner is None or path not in _runner.futures:
        return asyncio.run(execute(path, Path(tempfile.mkdtemp(prefix="dayshift-notebooks-")) / f"{path.stem}.log"))
    return _runner.futures[path].result(timeout=WAIT)


def stop() -> None:
    """Shut down any kernels still running (the end of the session)."""
    global _runner
    if _runner is not None:
        _runner.stop()
        _runner = None
