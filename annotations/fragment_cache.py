"""A per-process cache bounded in bytes: where the article page keeps its rendered fragments.

Django's local-memory cache bounds only the *number* of entries. Article fragments range
from a few kilobytes to megabytes (the whole highlighted text of a long article), so an
entry count says little about memory: 2,000 entries of 2 MB are 4 GB. This backend keeps
the same least-recently-used behaviour but bounds the total size of what it holds:

* ``OPTIONS["MAX_BYTES"]``: the byte budget. The total size of the stored values never
  exceeds it; the least recently used entries are evicted to make room.
* ``OPTIONS["MAX_ENTRIES"]``: an entry bound as well (Django's usual option).
* A value larger than the whole budget is not stored at all (it would evict everything).

The article page also refuses to cache any single fragment above
``FACTDESK_FRAGMENT_MAX_BYTES`` (see :func:`annotations.article_views.cached_fragment`), so
one huge article cannot push out hundreds of ordinary ones. Memory use of the cache is at
most ``MAX_BYTES`` per process (plus keys and bookkeeping), whichever threads share it.

Values are text (sized as UTF-8) or bytes: rendered HTML is all this cache is for, and only
their size can be known exactly, so nothing is pickled. Like ``LocMemCache``, entries live in
module-level stores keyed by ``LOCATION``, so every thread of a process shares one budget;
several processes each keep their own.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache

#: Budget when the cache configuration names none.
DEFAULT_MAX_BYTES = 64 * 1024 * 1024


@dataclass
class _Store:
    """One LOCATION's entries (key -> (value, its size, expiry or None)), oldest use first."""

    entries: OrderedDict[str, tuple[str | bytes, int, float | None]] = field(default_factory=OrderedDict)
    size: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


_stores: dict[str, _Store] = {}
_stores_lock = threading.Lock()


def _store(name: str) -> _Store:
    with _stores_lock:
        return _stores.setdefault(name, _Store())


def value_size(value: str | bytes) -> int:
    """Bytes a value counts against the budget: its UTF-8 length for text."""
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, bytes):
        return len(value)
    raise TypeError(f"The fragment cache stores text or bytes, not {type(value).__name__}.")


class ByteBudgetCache(BaseCache):
    """Least-recently-used, in-process cache whose values together stay within ``MAX_BYTES``."""

    def __init__(self, name: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        self.max_bytes = int(params.get("OPTIONS", {}).get("MAX_BYTES", DEFAULT_MAX_BYTES))
        self._store = _store(name)

    # --- bookkeeping, always under the store's lock ---

    def _expired(self, key: str, now: float) -> bool:
        expiry = self._store.entries[key][2]
        return expiry is not None and expiry <= now

    def _remove(self, key: str) -> bool:
        entry = self._store.entries.pop(key, None)
        if entry is None:
            return False
        self._store.size -= entry[1]
        return True

    def _live(self, key: str) -> bool:
        """Whether ``key`` holds an unexpired value (an expired one is dropped on the way)."""
        if key not in self._store.entries:
            return False
        if self._expired(key, time.time()):
            self._remove(key)
            return False
        return True

    def _put(self, key: str, value: str | bytes, size: int, timeout: float | None) -> bool:
        self._remove(key)
        if size > self.max_bytes:
            return False
        store = self._store
        store.entries[key] = (value, size, self.get_backend_timeout(timeout))
        store.size += size
        while store.size > self.max_bytes or len(store.entries) > self._max_entries:
            oldest = next(iter(store.entries))
            self._remove(oldest)
        return True

    # --- Django's cache API ---

    @property
    def size(self) -> int:
        """Bytes currently held (the values' sizes)."""
        return self._store.size

    def add(self, key: str, value: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        size = value_size(value)
        with self._store.lock:
            if self._live(key):
                return False
            return self._put(key, value, size, timeout)

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        with self._store.lock:
            if not self._live(key):
                return default
            self._store.entries.move_to_end(key)
            return self._store.entries[key][0]

    def set(self, key: str, value: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        key = self.make_and_validate_key(key, version=version)
        size = value_size(value)
        with self._store.lock:
            self._put(key, value, size, timeout)

    def touch(self, key: str, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        with self._store.lock:
            if not self._live(key):
                return False
            value, size, _ = self._store.entries[key]
            self._store.entries[key] = (value, size, self.get_backend_timeout(timeout))
            return True

    def delete(self, key: str, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        with self._store.lock:
            return self._remove(key)

    def has_key(self, key: str, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        with self._store.lock:
            return self._live(key)

    def clear(self) -> None:
        with self._store.lock:
            self._store.entries.clear()
            self._store.size = 0
