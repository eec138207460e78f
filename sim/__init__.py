"""Monte Carlo risk simulator for a Swedish region's budget and pension portfolio."""

import os as _os

__version__ = "0.1.0"


def _numba_cache_dir() -> None:
    """Where numba caches the compiled kernels. It writes beside the sources, else in the
    user's cache folder; with neither writable (a read-only install run by a user without a
    home) it refuses to import the kernels at all. Then, before numba is imported, the cache
    goes to a folder of this user's in the system's temporary folder. A NUMBA_CACHE_DIR the
    user set is kept."""
    if _os.environ.get("NUMBA_CACHE_DIR") or _os.access(_os.path.dirname(__file__), _os.W_OK):
        return
    home = _os.path.expanduser("~")
    cache = _os.path.join(home, ".cache")
    if _os.access(cache if _os.path.isdir(cache) else home, _os.W_OK):
        return
    import tempfile

    uid = getattr(_os, "getuid", lambda: "user")()
    _os.environ["NUMBA_CACHE_DIR"] = _os.path.join(tempfile.gettempdir(), f"sim-numba-{uid}")


_numba_cache_dir()
