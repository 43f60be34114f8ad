"""One server process shared by every visitor: threads, heaps, garbage collection, and the caches
bounded by bytes that hold what sessions share."""

import ctypes
import dataclasses
import gc
import hashlib
import os
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

try:
    LIBC = ctypes.CDLL("libc.so.6")
except OSError:  # not glibc (macOS, Windows, musl): nothing to tune
    LIBC = None

_configuring = threading.Lock()
_configured = False


def configure() -> None:
    """Tune this process to serve the app, once however often and from whichever threads it is
    called: every page that computes calls it first (ui.navigation.setup), since Streamlit runs a
    page's file without app.py, and so does the warm-up. Not on import, which would also retune
    whatever imports ui without serving (the benchmarks, the cloud check); torch is imported here,
    not with this module, so that pages without a model are drawn before it."""
    global _configured
    with _configuring:
        if not _configured:
            _tune()
            _configured = True


def _tune() -> None:
    import torch

    # oneDNN, behind torch's CPU LSTM and convolutions, keeps a compiled kernel and its buffers for
    # each input shape it has seen, up to 1,024: every new review length grew the server by ~0.14 MB.
    # A few recent shapes are enough (read at its first use, so setting it after `import torch` counts).
    os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "8")
    # Streamlit runs each session's script in its own thread; one torch thread per request keeps
    # concurrent sessions from fighting over the cores, and one input at a time, what the pages
    # analyze, is too small for a second thread to help.
    torch.set_num_threads(1)
    # glibc gives threads that allocate at once their own heaps ("arenas", up to 8 a core), each
    # keeping the memory freed in it. Sessions run in threads, so the server grew by a heap per busy
    # session.
    if LIBC is not None:
        LIBC.mallopt(-8, 2)  # -8 is M_ARENA_MAX in glibc's malloc.h


def give_back_memory() -> None:
    """Return the heap's free pages to the system. Loading a model reads the file, converts its
    weights and checks them on a throwaway copy: glibc keeps what that freed unless asked."""
    if LIBC is not None:
        LIBC.malloc_trim(0)


_modules_frozen = 0


def before_run() -> None:
    """As each page starts: give back what earlier runs freed (1-4 ms), and hide the objects that
    imports made (~300,000 for torch, pandas and altair) from the cyclic garbage collector:
    Streamlit collects after every script run, and scanning them took 150-175 ms a run. Freezing
    happens only when modules were imported since the last time."""
    global _modules_frozen
    if len(sys.modules) > _modules_frozen:
        _modules_frozen = len(sys.modules)
        gc.collect()  # today's garbage goes first: frozen objects are never collected
        gc.freeze()
    give_back_memory()


LONG = 256  # characters of a text beyond which a cache key holds its hash instead


def compact(value):
    """`value` as part of a cache key that stays small: bytes (a photo) and texts longer than LONG
    characters by their sha256 (a byte-bounded cache counts what it holds, not its keys)."""
    if isinstance(value, str) and len(value) > LONG:
        return "str", hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
    if isinstance(value, bytes):
        return "bytes", hashlib.sha256(value).hexdigest()
    return value


def array_bytes(value) -> int:
    """Bytes of the numpy arrays in an analysis: its fields, and the dicts and lists among them."""
    if isinstance(value, np.ndarray):
        return value.nbytes
    if dataclasses.is_dataclass(value):
        value = vars(value)
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return sum(array_bytes(item) for item in value)
    return 0


def tensor_bytes(value) -> int:
    """Bytes of the tensors a predictor holds: its modules' parameters and buffers."""
    import torch  # imported already by the model measured; not by this module (see configure)

    modules = [item for item in vars(value).values() if isinstance(item, torch.nn.Module)]
    tensors = {id(t): t for module in modules for t in [*module.parameters(), *module.buffers()]}
    return sum(t.numel() * t.element_size() for t in tensors.values())


class ByteBoundedCache:
    """Least recently used values by key, evicted while their bytes exceed `budget`; the newest value
    always stays, however large. A value is made once however many sessions ask for it at once, and
    making one does not hold up sessions that ask for another."""

    def __init__(self, budget: int, size: Callable[[object], int]):
        self.budget, self.size = budget, size
        self._values: OrderedDict = OrderedDict()
        self._bytes: dict = {}
        self._making: dict = {}  # key -> the lock held while that value is made
        self._lock = threading.Lock()

    def cached(self, key):
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
            return None

    def get(self, key, make: Callable[[], object]):
        if (value := self.cached(key)) is not None:
            return value
        with self._lock:
            making = self._making.setdefault(key, threading.Lock())
        with making:
            if (value := self.cached(key)) is not None:
                return value
            try:
                value = make()
                self._keep(key, value)
            finally:
                with self._lock:
                    self._making.pop(key, None)
        give_back_memory()
        return value

    def _keep(self, key, value) -> None:
        size = self.size(value)
        with self._lock:
            self._values[key], self._bytes[key] = value, size
            while sum(self._bytes.values()) > self.budget and len(self._values) > 1:
                oldest, _ = self._values.popitem(last=False)
                del self._bytes[oldest]

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._bytes.clear()
