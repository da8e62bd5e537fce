"""Settings of the live channel, each with a safe default (override in settings.py)."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connections


def _setting(name: str, default: int | float) -> int | float:
    env_value = os.environ.get(f"MANCHETTE_{name}")
    if env_value:
        return type(default)(env_value)
    return getattr(settings, name, default)


def heartbeat_seconds() -> float:
    """Idle streams get a comment line this often, so proxies keep them open."""
    return float(_setting("LIVE_HEARTBEAT_SECONDS", 15.0))


def db_poll_seconds() -> float:
    """Without Redis, each process reads new events from the database this often."""
    return float(_setting("LIVE_DB_POLL_SECONDS", 0.25))


def max_connections_per_ip() -> int:
    """Per process. Generous: mobile carriers put many readers behind one address."""
    return int(_setting("LIVE_MAX_CONNECTIONS_PER_IP", 50))


def max_connections() -> int:
    """Per process; past it a reader gets 503 and falls back to polling."""
    return int(_setting("LIVE_MAX_CONNECTIONS", 20000))


def client_queue_size() -> int:
    """Events waiting for one reader; a reader this far behind is dropped (it
    reconnects and replays from its Last-Event-ID)."""
    return int(_setting("LIVE_CLIENT_QUEUE", 64))


def write_timeout_seconds() -> float:
    return float(_setting("LIVE_WRITE_TIMEOUT_SECONDS", 10.0))


def history_seconds() -> float:
    """How far back a process keeps events in memory for replays and polling."""
    return float(_setting("LIVE_HISTORY_SECONDS", 900.0))


def history_max_events() -> int:
    return int(_setting("LIVE_HISTORY_MAX_EVENTS", 2000))


def replay_max_events() -> int:
    """A reader further behind than this gets a `reset` and reloads its state."""
    return int(_setting("LIVE_REPLAY_MAX_EVENTS", 500))


def retention_seconds() -> float:
    """Events stay in the database this long (replays after a long disconnection)."""
    return float(_setting("LIVE_RETENTION_SECONDS", 2 * 24 * 3600.0))


def redis_url() -> str:
    return str(getattr(settings, "LIVE_REDIS_URL", "") or settings.REDIS_URL or "")


def redis_channel() -> str:
    """The pub/sub channel of this deployment. Redis pub/sub ignores database
    numbers, so the name carries the cache prefix, the Redis database and the SQL
    database's name: two sites (or two test runs) on one Redis never hear each other."""
    cache = settings.CACHES.get("default", {})
    location = cache.get("LOCATION", "") if "redis" in cache.get("BACKEND", "") else ""
    redis_db = urlsplit(location or redis_url()).path.strip("/") or "0"
    prefix = cache.get("KEY_PREFIX", "") or "manchette"
    database = str(connections["default"].settings_dict.get("NAME", ""))
    return f"{prefix}:live:{redis_db}:{database}"
