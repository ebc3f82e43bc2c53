"""Files written whole or not at all: atomic text and folder writes, tables, JSON, and safe file names.

A results folder is written into a hidden temporary folder beside the target, `.NAME.tmp-PID-TIME`, and
renamed into place when complete. Every results folder holds a marker file, `.dayshift-results`;
replacing an existing folder (`--force`) is refused unless it holds the marker (or is an older results
folder with a dayshift manifest) or is empty, so a mistyped `--out` never deletes anything else.

Replacing is one atomic step on Linux (the two folders are exchanged with renameat2's RENAME_EXCHANGE,
then the old one, now under the temporary name, is deleted). Where the file system cannot exchange, the
old folder is first renamed aside to `.NAME.old-PID-TIME` and the new one renamed into place; if the
process is killed between the two renames, the old results are in `.NAME.old-PID-TIME`, and the next
run writing to the same target puts them back (and says so) before doing anything else. Each run also
removes the temporary and set-aside folders that earlier runs, killed before they could clean up, left
beside its target (those whose process is no longer running).
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

MARKER = ".dayshift-results"
MAX_NAME = 80  # characters of a file name made from a scenario name
_LEFTOVER = re.compile(r"\.(tmp|old)-(\d+)(-\d+)?$")  # also the names of older versions: .NAME.old-PID
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


class OutputError(Exception):
    """The results cannot be written where asked (a file in the way, no permission, a folder that is not
    a results folder); nothing was replaced."""


class ResultsExistError(OutputError):
    """The results folder exists and overwriting was not asked for."""


def _digest(text: str, n: int = 8) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:n]


def safe_name(name: str, max_len: int = MAX_NAME) -> str:
    """A scenario name made safe as part of a file name: letters, digits, '_', '.', '-' only, at most
    `max_len` characters (a longer one is cut and ends with a short hash of the whole name)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._-") or "scenario"
    if safe.split(".")[0].upper() in _RESERVED:
        safe = f"{safe}_"
    if len(safe) > max_len:
        safe = safe[: max_len - 9].rstrip("._-") + "-" + _digest(name)
    return safe


def unique_file_names(names: Iterable[str], max_len: int = MAX_NAME) -> dict[str, str]:
    """Safe file names for distinct names, distinct from each other even where the file system ignores
    case: names that would share one ('a/b' and 'a b' both give 'a_b') each get a short hash of their own."""
    names = list(dict.fromkeys(names))
    first = {n: safe_name(n, max_len) for n in names}
    clashes: dict[str, int] = {}
    for f in first.values():
        clashes[f.lower()] = clashes.get(f.lower(), 0) + 1
    out = {}
    for n, f in first.items():
        if clashes[f.lower()] > 1:
            f = f[: max_len - 9].rstrip("._-") + "-" + _digest(n)
        out[n] = f
    return out


def _stem(out: Path) -> str:
    """The target's name as used in its hidden temporary folders (short enough to add to)."""
    return out.name if len(out.name) <= 100 else out.name[:90] + _digest(out.name)


def is_results_folder(path: Path) -> bool:
    """Whether a folder is one dayshift wrote: it holds the marker, or (written before the marker) a
    manifest.json or fit.json with dayshift's provenance."""
    if (path / MARKER).is_file():
        return True
    for name in ("manifest.json", "fit.json"):
        try:
            info = json.loads((path / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(info, dict) and isinstance(info.get("versions"), dict) and "dayshift" in info["versions"]:
            return True
    return False


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process
    return True


def tidy_leftovers(out: str | Path) -> list[str]:
    """Clean up after earlier runs to `out` that were killed: put back results set aside by a replacement
    that did not finish, and remove temporary folders. Only folders of processes no longer running are
    touched. Returns what was done, to tell the user."""
    out = Path(out)
    parent = out.parent
    prefix = f".{_stem(out)}."
    notes: list[str] = []
    try:
        entries = sorted(p for p in parent.iterdir() if p.name.startswith(prefix))
    except OSError:
        return notes
    for p in entries:
        m = _LEFTOVER.fullmatch(p.name[len(prefix) - 1:])
        if m is None or _alive(int(m.group(2))) or not p.is_dir() or p.is_symlink():
            continue
        if m.group(1) == "old" and not os.path.lexists(out) and is_results_folder(p):
            try:
                os.rename(p, out)
                notes.append(f"restored the results folder {out} from {p.name}, set aside by an earlier run that "
                             "was stopped while replacing it")
                continue
            except OSError:
                pass
        shutil.rmtree(p, ignore_errors=True)
        if not p.exists():
            notes.append(f"removed {p.name}, left beside {out.name} by an earlier run that was stopped")
    return notes


def free_bytes(folder: Path) -> int | None:
    """Bytes this process may still write on the file system holding `folder` (None if unknown)."""
    try:
        st = os.statvfs(folder)
    except (OSError, AttributeError):
        return None
    return st.f_bavail * st.f_frsize


def check_writable(out: str | Path, need_bytes: int = 0) -> None:
    """Raise OutputError unless a results folder can be made at `out`: its nearest existing parent is a
    folder this process may write in, on a file system with `need_bytes` free."""
    out = Path(out)
    parent = out.absolute().parent
    while not parent.exists() and parent != parent.parent:
        if parent.is_symlink():  # a broken link in the way
            raise OutputError(f"cannot write results to {out}: {parent} is a broken link")
        parent = parent.parent
    if not parent.is_dir():
        raise OutputError(f"cannot write results to {out}: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write results to {out}: no permission to write in {parent}")
    probe = parent / f".{_stem(out)}.probe-{os.getpid()}"
    try:
        probe.mkdir()
        probe.rmdir()
    except FileExistsError:
        pass
    except OSError as exc:
        raise OutputError(f"cannot write results to {out}: {parent}: {exc.strerror or exc}") from None
    free = free_bytes(parent) if need_bytes else None
    if free is not None and free < need_bytes:
        raise OutputError(f"cannot write results to {out}: about {free / 1e6:,.0f} MB is free on that disk and the "
                          f"results need about {need_bytes / 1e6:,.0f} MB")


def check_target(out: str | Path, force: bool, replace_any: bool = False, need_bytes: int = 0) -> None:
    """Before a run: refuse (OutputError) a target that cannot be written (or has less than `need_bytes`
    free) or must not be replaced. Call tidy_leftovers first, so results set aside by a killed run are back
    in place when this looks."""
    out = Path(out)
    check_writable(out, need_bytes)
    _check_replace(out, force, replace_any)


def _check_replace(out: Path, force: bool, replace_any: bool) -> None:
    if not os.path.lexists(out):
        return
    if not force:
        raise ResultsExistError(
            f"{out} already exists; pass --force to replace it, or --out to write somewhere else"
        )
    if out.is_symlink() or not out.is_dir():
        raise OutputError(f"{out} is a file, not a results folder; it is not replaced (choose another --out)")
    if replace_any or is_results_folder(out) or not any(out.iterdir()):
        return
    raise OutputError(f"{out} is not a dayshift results folder (it has no {MARKER} file); --force replaces only "
                      "results folders, so it is left as it is. Choose another --out, or pass --replace-any-folder "
                      "to replace it and everything in it")


def write_marker(folder: Path) -> None:
    """Mark a folder as dayshift's results, which `--force` may replace."""
    (folder / MARKER).write_text("A results folder written by dayshift; `--force` may replace it.\n", encoding="utf-8")


def write_text_atomic(path: Path, text: str) -> Path:
    """Write a text file whole or not at all: under a temporary name in the same folder, then renamed."""
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


@contextmanager
def atomic_folder(out: str | Path, force: bool = False, replace_any: bool = False):
    """Yield a temporary folder beside `out`, holding the results marker; put it in place of `out` only if
    the block finishes. OSError while writing becomes OutputError (nothing is replaced)."""
    out = Path(out)
    tidy_leftovers(out)
    check_target(out, force, replace_any)
    tmp = out.parent / f".{_stem(out)}.tmp-{os.getpid()}-{time.time_ns()}"
    try:
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            tmp.mkdir()
            write_marker(tmp)
        except OSError as exc:
            raise OutputError(f"cannot write results to {out}: {exc.strerror or exc}") from None
        yield tmp
        try:
            _swap_in(tmp, out, force, replace_any)
        except OSError as exc:
            raise OutputError(f"could not put the results in place at {out}: {exc.strerror or exc}; nothing was "
                              "replaced") from None
    except OSError as exc:  # writing inside the block: a full disk, a folder made read-only meanwhile
        raise OutputError(f"could not write the results to {out}: {exc.strerror or exc}; nothing was "
                          "replaced") from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _swap_in(tmp: Path, out: Path, force: bool, replace_any: bool) -> None:
    if not os.path.lexists(out):
        os.rename(tmp, out)
        return
    _check_replace(out, force, replace_any)
    if exchange(tmp, out):  # one atomic step: `out` now holds the new results, `tmp` the old
        shutil.rmtree(tmp, ignore_errors=True)
        return
    old = out.parent / f".{_stem(out)}.old-{os.getpid()}-{time.time_ns()}"
    os.rename(out, old)
    try:
        os.rename(tmp, out)
    except BaseException:
        try:
            os.rename(old, out)  # put the old results back
        except OSError:
            pass
        raise
    shutil.rmtree(old, ignore_errors=True)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2 RENAME_EXCHANGE); False where the system or the
    file system cannot, and the caller must fall back to two renames."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def write_table(folder: Path, name: str, df) -> None:
    """A table as Parquet and CSV."""
    df.to_parquet(folder / f"{name}.parquet", index=False)
    df.to_csv(folder / f"{name}.csv", index=False)


def dump_json(path: Path, data: dict) -> None:
    """Write a mapping as JSON; NaN is refused, numpy numbers are written as plain numbers."""
    path.write_text(json.dumps(data, indent=2, allow_nan=False, default=_plain) + "\n", encoding="utf-8")


def _plain(value):
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
