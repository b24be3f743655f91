"""Output folders: checked before a run, and replaced whole when it has finished.

A results folder is written by :func:`replace_folder`: every file goes into a staging
folder beside the target (``.<name>.staging-<pid>``, in the same parent, so on the same
file system), and only when every file is complete is the staging folder swapped into
place in one rename. An interrupted or failed run leaves the earlier folder exactly as it
was; no file of an earlier run survives in a new one. A staging folder left by a killed
run is removed by the next run into the same target.

Before anything is run, :func:`check_output_folder` refuses a target that is a file, that
is or holds the project's ``scenarios/`` folder or the repository, that holds an input
file, or that is a non-empty folder this tool did not write (its folders carry the marker
file :data:`MARKER`), and one it cannot write. :func:`inside` builds a path from a name
and checks that it stays inside its folder. Every refusal is an :class:`OutputError`
(exit status 2 on the command line). ``docs/security.md`` describes the guarantees;
``results/README.md`` the folder.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from sim.common.errors import InputError, Problem

MARKER = ".crisis-sim-results"
"""The file that marks a folder as written by this tool (so it may be replaced)."""

MARKER_TEXT = ("This folder was written by crisis-response-sim (run_scenarios.py).\n"
               "A new run into it replaces the whole folder: keep nothing else here.\n")

LEGACY_NAMES = frozenset({
    "replications.csv", "summary.csv", "comparison.csv", "by_hour_of_week.csv", "by_car.csv",
    "scenarios", "plots", "manifest.json", "economics.csv", "economics.xlsx", "report.html",
    "psa_draws.csv", "ceac.csv", "tornado.csv", "switching_values.csv", "sweep.csv",
    "sweep_summary.csv", ".tasks",
})
"""What a results folder of a version before the marker could hold (see :func:`is_ours`)."""

_TEMPORARY = re.compile(r"\..+\.tmp")  # a file sim.common.atomic was writing when killed
_PROJECT = Path(__file__).resolve().parents[2]
_ACTIVE: set[Path] = set()  # staging folders this process is writing now

USER_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EACCES, errno.EPERM,
                         errno.EROFS, errno.ENAMETOOLONG, errno.ENOTDIR, errno.EISDIR,
                         errno.ELOOP, errno.EIO})
"""``OSError`` numbers that mean a problem with the place the user chose (exit status 2)."""


class OutputError(InputError, ValueError):
    """An output path the tool will not write (exit status 2; one problem naming it)."""

    def __init__(self, path: str | Path, message: str) -> None:
        super().__init__([Problem(str(path), None, "", message)])


def project_root() -> Path | None:
    """This checkout's folder (holding ``pyproject.toml``), or None when installed."""
    return _PROJECT if (_PROJECT / "pyproject.toml").is_file() else None


def _protected() -> list[tuple[Path, str]]:
    """Folders an output must neither be, nor hold, nor lie inside: (folder, what it is)."""
    out = []
    root = project_root()
    if root is not None:
        out.append((root / "scenarios", "the project's scenarios folder"))
        out.append((root / ".git", "the project's git folder"))
    here = (Path.cwd() / "scenarios").resolve()
    if here.is_dir() and all(here != p for p, _ in out):
        out.append((here, "the scenarios folder"))
    return out


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def is_ours(folder: Path) -> bool:
    """Whether ``folder`` is a results folder this tool wrote (so a run may replace it).

    True when it holds :data:`MARKER`, or, for results written before the marker existed,
    when it holds nothing but the files such a run writes (:data:`LEGACY_NAMES`) and a
    ``manifest.json`` naming this software.
    """
    if (folder / MARKER).is_file():
        return True
    names = [p.name for p in folder.iterdir()]
    if not names or any(n not in LEGACY_NAMES and not _TEMPORARY.match(n) for n in names):
        return False
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        return "crisis-response-sim" in manifest["software"]
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _writable(parent: Path) -> str | None:
    """Why nothing can be made in ``parent`` (one line), or None.

    Tried, not guessed: a hidden folder is made and removed at once, so a read-only file
    system, missing permission (even for root on ``/proc`` or ``/sys``) or a parent that is
    a file are found before anything runs.
    """
    if not parent.is_dir():
        return f"cannot be made: {parent} is a file, not a folder"
    try:
        probe = tempfile.mkdtemp(prefix=".crisis-sim-probe-", dir=parent)
    except OSError as exc:
        return f"cannot be written in {parent}: {exc.strerror or exc}"
    with contextlib.suppress(OSError):
        os.rmdir(probe)
    return None


def folder_problem(target: str | Path, inputs: Iterable[str | Path] = ()) -> str | None:
    """Why ``target`` cannot be a results folder (one line), or None if it can.

    ``inputs`` are the files the run reads: a folder holding one would replace it.
    """
    final = Path(target).expanduser().resolve()
    if final.exists() and not final.is_dir():
        return "is a file, not a folder; give a folder for the results"
    root = project_root()
    if root is not None and _within(root, final):
        return (f"is, or holds, the project's folder ({root}); give a folder of its own for "
                "the results, such as results/latest")
    for folder, what in _protected():
        if _within(folder, final):
            return (f"is, or holds, {what} ({folder}); give a folder of its own for the "
                    "results, such as results/latest")
        if _within(final, folder):
            return f"is inside {what} ({folder}); give a folder of its own for the results"
    for name in (".git", "pyproject.toml"):
        if (final / name).exists():
            return (f"holds {name}: it looks like a project folder, not a results folder; "
                    "give a folder of its own for the results")
    for path in inputs:
        source = Path(path).expanduser().resolve()
        if _within(source, final):
            return (f"holds the input file {path}, which the new results would replace; "
                    "give another folder")
    if final.is_dir():
        if not os.access(final, os.R_OK | os.X_OK):
            return "cannot be read (permission denied)"
        if any(final.iterdir()) and not is_ours(final):
            return (f"is not empty and was not written by this tool (it has no {MARKER} "
                    "file); give a new or empty folder: a run replaces the whole folder")
    return _writable(_nearest_existing(final.parent))


def check_output_folder(target: str | Path, inputs: Iterable[str | Path] = ()) -> Path:
    """``target`` resolved, if it may be a results folder; else :class:`OutputError`."""
    problem = folder_problem(target, inputs)
    if problem is not None:
        raise OutputError(target, problem)
    return Path(target).expanduser().resolve()


def file_problem(path: str | Path) -> str | None:
    """Why the file ``path`` (e.g. ``--event-log``) cannot be written (one line), or None."""
    final = Path(path).expanduser().resolve()
    if final.is_dir():
        return "is a folder; give a file name"
    for folder, what in _protected():
        if _within(final, folder):
            return f"is inside {what} ({folder}); give a file elsewhere"
    if final.exists() and not os.access(final, os.W_OK):
        return "cannot be written (permission denied)"
    return _writable(_nearest_existing(final.parent))


def inside(folder: str | Path, *parts: str) -> Path:
    """``folder/parts...``, checked to stay inside ``folder``; else :class:`OutputError`.

    Each part must be one plain file name (no separator, no ``..``, at most 255 bytes):
    a name from an input file can never make a run write elsewhere.
    """
    folder = Path(folder)
    for part in parts:
        if (not part or part in (".", "..") or "/" in part or "\\" in part or "\0" in part
                or len(os.fsencode(part)) > 255):
            raise OutputError(folder, f"the file name {part[:80]!r} (made from a name in the "
                                      "input) is not a plain file name; nothing was written")
    path = folder.joinpath(*parts)
    base = folder.resolve()
    if base not in path.resolve().parents:
        raise OutputError(folder, f"the file name {'/'.join(parts)[:80]!r} (made from a name "
                                  "in the input) leads outside the folder; nothing was written")
    return path


# --------------------------------------------------------------------------- replacing

def staging_path(final: Path, pid: int | None = None) -> Path:
    """Where a run of process ``pid`` (default: this one) stages the folder ``final``."""
    return final.parent / f".{final.name}.staging-{os.getpid() if pid is None else pid}"


def _previous_path(final: Path) -> Path:
    return final.parent / f".{final.name}.previous-{os.getpid()}"


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # ours: in use only while listed in _ACTIVE
    if os.name != "posix":
        return True  # no safe way to ask; leave it alone
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process
    return True


def leftovers(final: Path) -> list[Path]:
    """Staging and previous folders of ``final`` left by runs that are no longer running."""
    pattern = re.compile(re.escape(f".{final.name}.") + r"(staging|previous)-(\d+)")
    found = []
    if final.parent.is_dir():
        for path in final.parent.iterdir():
            match = pattern.fullmatch(path.name)
            if match and path not in _ACTIVE and not _pid_alive(int(match.group(2))):
                found.append(path)
    return sorted(found)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _clean(final: Path) -> None:
    """Remove what killed runs left beside ``final``; put back a folder lost mid-swap."""
    for path in leftovers(final):
        if ".previous-" in path.name and not final.exists():
            os.rename(path, final)  # killed between the two renames of a swap
        else:
            _remove(path)


@contextlib.contextmanager
def _sigint_deferred() -> Iterator[list[int]]:
    """Hold Ctrl-C back while the block runs; the caller re-raises it afterwards."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield received
    finally:
        signal.signal(signal.SIGINT, previous)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False if not here."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # the file system cannot exchange: two renames instead
    raise OSError(code, os.strerror(code), str(b))


def _swap(staging: Path, final: Path) -> Path | None:
    """Put ``staging`` in place of ``final``; return where the old folder now is, if any."""
    if not final.exists():
        os.rename(staging, final)
        return None
    if _exchange(staging, final):
        return staging
    previous = _previous_path(final)
    os.rename(final, previous)
    try:
        os.rename(staging, final)
    except BaseException:
        os.rename(previous, final)
        raise
    return previous


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def replace_folder(target: str | Path, *, inputs: Iterable[str | Path] = ()
                   ) -> Iterator[Path]:
    """Yield an empty staging folder to write; on success it replaces ``target`` whole.

    ``target`` is checked first (:func:`check_output_folder`). The staging folder gets the
    marker file :data:`MARKER`. If the block raises (or Ctrl-C arrives), the staging folder
    is removed and ``target`` is left exactly as it was. The swap itself is one rename
    (``renameat2`` exchange on Linux; elsewhere two renames, with Ctrl-C held back between
    them); the earlier folder is then deleted.
    """
    final = Path(target).expanduser().resolve()
    if final.parent.is_dir():
        _clean(final)
    final = check_output_folder(target, inputs)
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = staging_path(final)
    _remove(staging)
    _ACTIVE.add(staging)
    old: Path | None = None
    try:
        staging.mkdir()
        (staging / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        yield staging
        _fsync_folder(staging)
        with _sigint_deferred() as interrupted:
            old = _swap(staging, final)
        _fsync_folder(final.parent)
    except BaseException:
        if old is None:
            _remove(staging)
        raise
    finally:
        _ACTIVE.discard(staging)
    if old is not None:
        _remove(old)
    if interrupted:
        raise KeyboardInterrupt


def moved(paths: Iterable[Path], staging: Path, final: str | Path) -> list[Path]:
    """``paths`` written under ``staging``, as they are named once it replaced ``final``."""
    return [Path(final) / Path(p).relative_to(staging) for p in paths]
