"""The engine's compiled code: numba's `njit`, cached on disk, with one freshness stamp for every engine file that
holds compiled code.

numba checks a cached function against its own source file only, so a function calling compiled code in another
file (the compiled cycle calls the loops of `kernels` and the ledger's record; the decisions call `pcg64`) would go on
running its callees' old code, kept in its own cache, after they changed. Here a cached function is fresh only while
every file below is as it was when the function was compiled: a change to any of them compiles them all again (20 s
or so, once), and never runs stale code.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import numba
from numba.core.caching import (CompileResultCacheImpl, FunctionCache, InTreeCacheLocator, UserProvidedCacheLocator,
                                UserWideCacheLocator)

# The engine's files that hold compiled code calling one another (`tests/test_fast_engine.py` checks the list).
SOURCES = ("kernels.py", "cycle.py", "ledger.py", "pcg64.py", "threads.py")
_HERE = Path(__file__).resolve().parent
_seen: dict[tuple, str] = {}


def stamp() -> str:
    """A digest of the contents of every file in `SOURCES` (read again only when a file's time or size changes)."""
    stats = tuple((st.st_mtime_ns, st.st_size) for st in (os.stat(_HERE / name) for name in SOURCES))
    if stats not in _seen:
        digest = hashlib.sha256()
        for name in SOURCES:
            digest.update((_HERE / name).read_bytes())
        _seen.clear()
        _seen[stats] = digest.hexdigest()
    return _seen[stats]


class _EngineStamp:
    """A cache locator whose freshness is every engine file's (`stamp`), not the function's own file's alone."""

    def get_source_stamp(self) -> str:
        return stamp()


class _UserProvided(_EngineStamp, UserProvidedCacheLocator):
    pass


class _InTree(_EngineStamp, InTreeCacheLocator):
    pass


class _UserWide(_EngineStamp, UserWideCacheLocator):
    pass


class _Impl(CompileResultCacheImpl):
    # where numba would look (NUMBA_CACHE_DIR, beside the file, else the user's cache folder), in numba's order
    _locator_classes = [_UserProvided, _InTree, _UserWide]


class _Cache(FunctionCache):
    _impl_class = _Impl


def jit(signatures: list | None = None, **options) -> Callable:
    """`numba.njit` with its compiled code cached on disk under the engine's stamp (`stamp`); with `signatures`,
    compiled for those types only, when the module is imported."""
    def decorate(fn: Callable) -> numba.core.dispatcher.Dispatcher:
        dispatcher = numba.njit(**options)(fn)
        dispatcher._cache = _Cache(fn)  # as numba's cache=True sets it, with the engine's stamp
        if signatures is not None:
            for signature in signatures:
                dispatcher.compile(signature)
            dispatcher.disable_compile()
        return dispatcher

    return decorate
