"""Worker processes: the one place that sets them up.

Replications run in a :class:`concurrent.futures.ProcessPoolExecutor` made here and used by
``sim/run/executors.py`` (scenario runs and local sweeps alike). A worker is started with
:func:`exit_with_parent`, so that killing the main process (even with SIGKILL) never leaves
workers behind waiting for work.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor


def exit_with_parent() -> None:
    """Worker initializer: end this worker when the process that started it dies.

    Linux ends the worker at once (``PR_SET_PDEATHSIG``); elsewhere a thread notices
    within a second that the parent is gone.
    """
    parent = os.getppid()
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(1, signal.SIGKILL, 0, 0, 0) == 0 and os.getppid() == parent:
            return
    except (OSError, AttributeError):
        pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes that end with this process."""
    return ProcessPoolExecutor(max_workers=workers, initializer=exit_with_parent)
