"""The whole-page cache for anonymous readers.

A cached page carries tags naming what it shows (``page:12``, ``list:section:3``,
``site``). Each tag has a version in the shared cache; invalidating a tag gives it a new
version, and every page stored with the old one becomes stale at once, in every
process. Versions are time-stamped so that a page rendered while one of its tags was
being invalidated is never stored as fresh.

The same lookup serves the ASGI fast path (cache hits answered before Django runs) and
the Django middleware (misses, stampede protection, storing).
"""

from __future__ import annotations

import gzip
import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from typing import Any, TypeGuard, TypeVar
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.core.cache import cache

from manchette.core.cache import async_cache

ENTRY_PREFIX = "pagecache:entry:"
GENERATION_KEY = "pagecache:generation"
TAG_PREFIX = "pagecache:tag:"
LOCK_PREFIX = "pagecache:lock:"
UNKEPT_PREFIX = "pagecache:unkept:"
# How long an address whose last answer was not one to keep (a 404, the health
# check, a page with a form's errors) is computed by each request on its own.
UNKEPT_SECONDS = 60
VALUE_PREFIX = "pagecache:value:"
# Unix time of the next scheduled publication or expiry; a page cached before it
# must not be served after it (see core.scheduling).
SCHEDULE_DUE_KEY = "pagecache:schedule-due"
# Query parameters that change what a cached page shows; any other (utm_source,
# fbclid…) is left out of the key so that social traffic still hits the cache.
# wpimport: WordPress short links (/?p=123, /?page_id=28) must reach Django, where
# they redirect to the imported page, instead of hitting the cached home page.
QUERY_PARAMS = ("page", "p", "page_id", "attachment_id")
T = TypeVar("T")
# (/sante/: what a health check says must be now, and load balancers ask often)
NEVER_CACHED_PREFIXES = (
    "/static/",
    "/media/",
    "/live/",
    "/api/",
    "/lecteur/",
    "/sante/",
)


@dataclass(frozen=True)
class CachedPage:
    status: int
    content_type: str
    body: bytes
    gzipped: bytes
    etag: str
    last_modified: float
    tags: Mapping[str, str]
    headers: tuple[tuple[str, str], ...] = field(default=())


@dataclass(frozen=True)
class Lookup:
    page: CachedPage | None
    fresh: bool


def entry_key(*, host: str, path: str, query_string: str) -> str:
    params = [(k, v) for k, v in parse_qsl(query_string) if k in QUERY_PARAMS]
    # The site's language is part of the key: changing it must not serve old pages.
    raw = f"{settings.LANGUAGE_CODE}|{host.lower()}|{path}|{urlencode(sorted(params))}"
    digest = hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()
    return ENTRY_PREFIX + digest


def path_is_cacheable(path: str) -> bool:
    admin_prefix = f"/{settings.ADMIN_PATH}/"
    return not path.startswith((admin_prefix, *NEVER_CACHED_PREFIXES))


def request_is_cacheable(*, method: str, path: str, cookies: Mapping[str, str]) -> bool:
    """Anonymous GETs only: a reader with a session (an editor, a signed-in reader)
    always gets a fresh page."""
    return (
        settings.PAGE_CACHE_ENABLED
        and method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in cookies
        and path_is_cacheable(path)
    )


def _new_version(at: float | None = None) -> str:
    return f"{time.time() if at is None else at:.6f}:{secrets.token_hex(4)}"


def _version_time(version: str | None) -> float:
    if not version:
        return 0.0
    try:
        return float(version.split(":", 1)[0])
    except ValueError:
        return 0.0


class _RecentlyValidated:
    """Pages this process has validated, with the generation they were validated at.

    Any invalidation anywhere moves the shared generation; until it moves, a page
    validated here is still fresh, so a hit costs one read of one small key instead of
    reading the page and each of its tags. Only an optimisation: the shared cache
    stays the truth, and a process that starts empty behaves the same."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self.pages: OrderedDict[str, tuple[CachedPage, str, float]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str, generation: str) -> CachedPage | None:
        with self.lock:
            found = self.pages.get(key)
            if found is None or found[1] != generation or found[2] <= time.time():
                return None
            self.pages.move_to_end(key)
            return found[0]

    def put(self, key: str, page: CachedPage, generation: str, due: float) -> None:
        with self.lock:
            self.pages[key] = (page, generation, due)
            self.pages.move_to_end(key)
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)


_recent = _RecentlyValidated()


def _generation() -> str:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, _new_version(), timeout=None)
        generation = cache.get(GENERATION_KEY) or ""
    return str(generation)


def generation_bump() -> None:
    """Tell every process that something cached may have changed."""
    cache.set(GENERATION_KEY, _new_version(), timeout=None)


def page_lookup(key: str) -> Lookup:
    generation = _generation()  # read first: a change after this is seen next time
    recent = _recent.get(key, generation)
    if recent is not None:
        return Lookup(page=recent, fresh=True)
    page = cache.get(key)
    if not isinstance(page, CachedPage):
        return Lookup(page=None, fresh=False)
    keys = [TAG_PREFIX + tag for tag in page.tags]
    current = cache.get_many([*keys, SCHEDULE_DUE_KEY])
    due = current.get(SCHEDULE_DUE_KEY)
    if due is None or due <= time.time():
        return Lookup(page=page, fresh=False)
    fresh = all(current.get(TAG_PREFIX + tag) == v for tag, v in page.tags.items())
    if fresh and generation:
        _recent.put(key, page, generation, due)
    return Lookup(page=page, fresh=fresh)


_deferred = threading.local()


@contextmanager
def tags_invalidation_deferred() -> Iterator[None]:
    """Within this block (a bulk import), invalidations are collected and made once,
    at the end, instead of once per imported item."""
    if getattr(_deferred, "tags", None) is not None:
        yield
        return
    _deferred.tags = set()
    try:
        yield
    finally:
        collected, _deferred.tags = _deferred.tags, None
        tags_invalidate(collected)


def tags_invalidate(tags: Iterable[str]) -> None:
    """Make every cached page showing one of these tags stale, in every process."""
    pending = getattr(_deferred, "tags", None)
    if pending is not None:
        pending.update(tags)
        return
    versions = _tags_invalidation(tags)
    if versions:
        # The tags and the generation in one write (one round trip on Redis, where
        # it is one MSET: no process sees the new generation with the old tags).
        cache.set_many(versions, timeout=None)


def _tags_invalidation(tags: Iterable[str]) -> dict[str, str]:
    """The cache entries that make these tags stale: theirs and the generation's."""
    versions = {TAG_PREFIX + tag: _new_version() for tag in set(tags)}
    return {**versions, GENERATION_KEY: _new_version()} if versions else {}


async def tags_invalidate_async(
    tags: Iterable[str], *, publish: tuple[str, str] | None = None
) -> None:
    """`tags_invalidate` for the ASGI fast paths (Redis only), after their commit;
    with `publish`, a (channel, message) published on the cache's Redis in the same
    round trip."""
    redis_cache: Any = async_cache()
    await redis_cache.aset_many_forever(_tags_invalidation(tags), publish=publish)


def _tag_versions(tags: Iterable[str], *, started_at: float) -> dict[str, str] | None:
    """The current version of each tag, giving a version to tags that have none; None
    when one of them changed after ``started_at`` (what was computed may be old)."""
    tag_keys = {TAG_PREFIX + tag: tag for tag in set(tags)}
    current = cache.get_many(list(tag_keys))
    # A tag seen for the first time was never invalidated: its first version is
    # dated from the epoch, so that whatever is being stored with it still counts
    # as computed after it.
    missing = {k: _new_version(at=0) for k in tag_keys if k not in current}
    for k, new_version in missing.items():
        cache.add(k, new_version, timeout=None)
    if missing:
        current.update(cache.get_many(list(missing)))
    versions: dict[str, str] = {}
    for k, tag in tag_keys.items():
        version: str | None = current.get(k)
        if version is None or (
            k not in missing and _version_time(version) >= started_at
        ):
            return None
        versions[tag] = version
    return versions


def page_store(
    key: str,
    *,
    status: int,
    content_type: str,
    body: bytes,
    tags: Iterable[str],
    started_at: float,
    headers: Iterable[tuple[str, str]] = (),
) -> CachedPage | None:
    """Store a rendered page, unless one of its tags changed after ``started_at``
    (the page might then show the old state)."""
    versions = _tag_versions(tags, started_at=started_at)
    if versions is None:
        return None
    page = CachedPage(
        status=status,
        content_type=content_type,
        body=body,
        gzipped=gzip.compress(body, compresslevel=6, mtime=0),
        etag='"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"',
        last_modified=time.time(),
        tags=versions,
        headers=tuple(headers),
    )
    cache.set(key, page, timeout=settings.PAGE_CACHE_SECONDS)
    return page


def value_cached(key: str, *, tags: Iterable[str], compute: Callable[[], T]) -> T:
    """``compute()``, kept in the shared cache until one of ``tags`` is invalidated:
    for what every page shows and changes only when the page cache's tags say so
    (the sections of the navigation, the sign-up block's lists). One cache read when
    it is there."""
    tags = sorted(set(tags))
    entry_key = VALUE_PREFIX + key
    found = cache.get_many([entry_key, *(TAG_PREFIX + tag for tag in tags)])
    entry = found.get(entry_key)
    if _entry_fresh(entry, found) and sorted(entry[1]) == tags:
        return entry[0]
    started_at = time.time()
    return _value_store(entry_key, tags, compute(), started_at=started_at)


def fragment_cached(
    key: str, *, compute: Callable[[], tuple[T, Iterable[str]]]
) -> tuple[T, frozenset[str]]:
    """Like ``value_cached`` for a part of a page whose tags are known only once it is
    rendered (an article names its topics and authors): ``compute()`` returns the value
    and the tags it depends on. Two cache reads when it is there (the value, then its
    tags' versions); the tags come back so that the page showing it can carry them."""
    entry_key = VALUE_PREFIX + key
    entry = cache.get(entry_key)
    if isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[1], dict):
        found = cache.get_many([TAG_PREFIX + tag for tag in entry[1]])
        if _entry_fresh(entry, found):
            return entry[0], frozenset(entry[1])
    started_at = time.time()
    value, tags = compute()
    tags = sorted(set(tags))
    return _value_store(entry_key, tags, value, started_at=started_at), frozenset(tags)


def _entry_fresh(
    entry: object, found: Mapping[str, object]
) -> TypeGuard[tuple[Any, dict[str, str]]]:
    return (
        isinstance(entry, tuple)
        and len(entry) == 2
        and isinstance(entry[1], dict)
        and all(found.get(TAG_PREFIX + tag) == v for tag, v in entry[1].items())
    )


def _value_store(entry_key: str, tags: list[str], value: T, *, started_at: float) -> T:
    """Keep ``value`` unless one of its tags changed since ``started_at`` (it may
    then be old: the next reader computes it again)."""
    versions = _tag_versions(tags, started_at=started_at)
    if versions is not None:
        cache.set(entry_key, (value, versions), timeout=settings.PAGE_CACHE_SECONDS)
    return value


def lock_acquire(key: str) -> bool:
    return bool(cache.add(LOCK_PREFIX + key, 1, timeout=15))


def lock_release(key: str) -> None:
    cache.delete(LOCK_PREFIX + key)


def lock_held(key: str) -> bool:
    return cache.get(LOCK_PREFIX + key) is not None


def pass_mark(key: str) -> None:
    """The answer just computed for `key` was not kept: for a while, requests for it
    compute their own at once, in parallel, instead of waiting for one another's
    (a cache's "hit-for-pass"). Pages that are kept are served from the cache all the
    same; only their first computation loses the wait for another's."""
    cache.set(UNKEPT_PREFIX + key, 1, timeout=UNKEPT_SECONDS)


def pass_marked(key: str) -> bool:
    return cache.get(UNKEPT_PREFIX + key) is not None


def not_modified(
    page: CachedPage, *, if_none_match: str | None, if_modified_since: str | None
) -> bool:
    if if_none_match is not None:
        candidates = {
            tag.strip().removeprefix("W/") for tag in if_none_match.split(",")
        }
        return page.etag in candidates or "*" in candidates
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            return False
        return int(page.last_modified) <= since
    return False


def response_headers(
    page: CachedPage, *, gzip_ok: bool, state: str
) -> list[tuple[str, str]]:
    headers = [
        ("Content-Type", page.content_type),
        ("ETag", page.etag),
        ("Last-Modified", formatdate(page.last_modified, usegmt=True)),
        ("Cache-Control", settings.PAGE_CACHE_CONTROL),
        ("Vary", "Accept-Encoding"),
        ("X-Cache", state),
        *page.headers,
    ]
    if gzip_ok:
        headers.append(("Content-Encoding", "gzip"))
    return headers


def accepts_gzip(accept_encoding: str | None) -> bool:
    return accept_encoding is not None and "gzip" in accept_encoding.lower()
