"""The embedded default's shared cache."""

from __future__ import annotations

import random

from django.core.cache.backends.filebased import FileBasedCache


class FileCache(FileBasedCache):
    """Django's file cache, culling now and then instead of on every write.

    Django lists the whole cache directory on each `set` to decide whether to cull;
    with thousands of entries that listing costs more than the write itself. Checking
    on one write in CULL_EVERY (at random, so that several processes share the work)
    keeps the directory near MAX_ENTRIES at a small fraction of the cost."""

    cull_every = 100

    def _cull(self) -> None:
        if random.random() * self.cull_every < 1:  # noqa: S311 - not security related
            super()._cull()  # type: ignore[misc]
