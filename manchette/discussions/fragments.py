"""The discussion as every reader sees it, rendered once per change of the discussion
and kept in the shared cache: a miss of the article page (or "load more") then costs
one cache read instead of the thread's queries and the rendering of twenty threads.

Each discussion has a version in the shared cache. Every change that readers see
(a comment published, edited, deleted or moderated, a vote, a pin, closing) gives it
a new one, see services._page_changed. A fragment is stored with the version read
before its rows were, so that a render that raced a change is never taken for the new
state; versions are time-stamped and random, so that one lost from the cache is never
confused with an earlier one.

What is not in the version is in the fragment's key: the sort and page, the moderation
policy (the form's notice), whether the article still takes comments (by hand, by
date), the language. The fragments hold nothing personal: the reader's own votes and
edit links come from moi.json (or the uncached thread page)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from django.core.cache import cache
from django.db import transaction

from manchette.core.pagecache import TAG_PREFIX, tags_invalidate

# The discussion's version is the page-cache tag that the pages showing the
# discussion carry (core.pagecache): one write moves both after a commit.
VERSION_TAG = "discussion:{}"
VERSION_KEY = TAG_PREFIX + VERSION_TAG
FRAGMENT_KEY = "discussions:fragment:{}:{}"
# A trust badge that changes (an address confirmed) shows in the fragments of the
# discussions it appears in by then at the latest.
FRAGMENT_SECONDS = 600


def _new_version(at: float | None = None) -> str:
    return f"{time.time() if at is None else at:.6f}:{secrets.token_hex(4)}"


def _version_set(article_id: int) -> None:
    cache.set(VERSION_KEY.format(article_id), _new_version(), timeout=None)


def discussion_changed(article_id: int) -> None:
    """What readers see of this discussion changed: its fragments and the cached pages
    that show it are stale now (in this process and every other), and again once the
    change is committed, so that one rendered from the rows before the commit is not
    kept (then with the page cache's generation, in one write)."""
    _version_set(article_id)
    transaction.on_commit(lambda: tags_invalidate([VERSION_TAG.format(article_id)]))


def cached_render(*, article_id: int, variant: str, render: Callable[[], str]) -> str:
    """The fragment (HTML, or the API's JSON) of this discussion named by `variant`,
    from the cache when it was rendered at the current version, else rendered now
    and stored."""
    version_key = VERSION_KEY.format(article_id)
    fragment_key = FRAGMENT_KEY.format(article_id, variant)
    found = cache.get_many([version_key, fragment_key])
    version = found.get(version_key)
    if version is None:
        # Dated from the epoch, as the page cache dates a tag it meets for the first
        # time: a page being rendered with this tag may still be stored.
        cache.add(version_key, _new_version(at=0), timeout=None)
        version = cache.get(version_key)
    stored = found.get(fragment_key)
    if version is not None and isinstance(stored, tuple) and stored[0] == version:
        return str(stored[1])
    html = render()
    if version is not None:
        cache.set(fragment_key, (version, html), timeout=FRAGMENT_SECONDS)
    return html
