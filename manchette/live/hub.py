"""One process's side of the live channel.

Each server process runs ONE follower that learns of new events from the shared
source — Redis pub/sub when REDIS_URL is set, otherwise one indexed query
(``id > last_seen``) a few times a second — and fans them out to the in-process
readers' buffers. It also keeps the recent events in memory, so that replays
(Last-Event-ID) and the polling fallback cost no query in the common case.

Delivery never waits for a reader: a reader whose buffer is full is dropped (its
browser reconnects and replays what it missed), so a slow or dead client cannot
delay the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import Counter, deque
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import close_old_connections, connection

from manchette.live import conf
from manchette.live.services import event_envelope

logger = logging.getLogger("manchette.live")

# An event id missing between two seen ids may belong to a transaction that has not
# committed yet (PostgreSQL hands out ids before commit): look for it this long.
HOLE_SECONDS = 10.0
MAX_HOLES = 1000
FETCH_BATCH = 1000


@dataclass(frozen=True, slots=True)
class Message:
    """An event as every reader receives it; its bytes are built once per process."""

    id: int
    channel: str
    created_at: float
    envelope: dict[str, Any]
    sse: bytes

    @classmethod
    def build(
        cls,
        *,
        event_id: int,
        channel: str,
        event: str,
        data: dict[str, Any],
        created_at: float,
    ) -> Message:
        envelope = event_envelope(
            event_id=event_id, channel=channel, event=event, data=data
        )
        payload = json.dumps(envelope, cls=DjangoJSONEncoder, ensure_ascii=False)
        sse = f"id: {event_id}\ndata: {payload}\n\n".encode()
        return cls(event_id, channel, created_at, envelope, sse)


class TooManyConnections(Exception):
    def __init__(self, *, per_ip: bool) -> None:
        super().__init__("too many live connections")
        self.per_ip = per_ip


class Subscriber:
    """One open stream: the events waiting to be written, and why it must stop."""

    __slots__ = ("channels", "closed", "dropped", "ip", "limit", "pending", "wake")

    def __init__(self, *, channels: frozenset[str], ip: str, limit: int) -> None:
        self.channels = channels
        self.ip = ip
        self.limit = limit
        self.pending: deque[Message] = deque()
        self.wake = asyncio.Event()
        self.dropped = False
        self.closed = False

    def offer(self, message: Message) -> bool:
        """Never blocks; False when this reader is too far behind (it is dropped)."""
        if len(self.pending) >= self.limit:
            self.dropped = True
            self.wake.set()
            return False
        self.pending.append(message)
        self.wake.set()
        return True

    def close(self) -> None:
        self.closed = True
        self.wake.set()

    def take(self) -> list[Message]:
        messages = list(self.pending)
        self.pending.clear()
        return messages


def _fetch_after(last_seen: int, holes: list[int]) -> list[Message]:
    """Runs in the follower's thread (never on the event loop)."""
    from django.db.models import Q

    from manchette.live.models import LiveEvent

    close_old_connections()
    condition = Q(id__gt=last_seen)
    if holes:
        condition |= Q(id__in=holes)
    rows = LiveEvent.objects.filter(condition).order_by("id")[:FETCH_BATCH]
    return [_message_from_row(row) for row in rows]


def _fetch_recent(since: float) -> tuple[list[Message], int]:
    """The events of the history window, and the last id (the follower's start)."""
    from datetime import UTC, datetime

    from manchette.live.models import LiveEvent
    from manchette.live.selectors import event_last_id

    close_old_connections()
    last_id = event_last_id()
    rows = (
        LiveEvent.objects.filter(created_at__gte=datetime.fromtimestamp(since, tz=UTC))
        .filter(id__lte=last_id)
        .order_by("-id")[: conf.history_max_events()]
    )
    return [_message_from_row(row) for row in reversed(rows)], last_id


def _fetch_history(channels: list[str], after: int, limit: int) -> list[Message]:
    """Rare (a reader away longer than the memory): the connection is not kept."""
    from manchette.live.selectors import event_list_after

    try:
        rows = event_list_after(after=after, channels=channels, limit=limit)
        return [_message_from_row(row) for row in rows]
    finally:
        connection.close()


def _message_from_row(row: Any) -> Message:
    return Message.build(
        event_id=row.pk,
        channel=row.channel,
        event=row.event,
        data=row.data,
        created_at=row.created_at.timestamp(),
    )


class Hub:
    """The live channel of one process (one per event loop)."""

    def __init__(self, *, source: str | None = None) -> None:
        self.source = source or ("redis" if conf.redis_url() else "db")
        self.subscribers: dict[str, set[Subscriber]] = {}
        self.connections_by_ip: Counter[str] = Counter()
        self.connection_count = 0
        self.history: deque[Message] = deque()
        self.history_ids: set[int] = set()
        # Every event with an id above `history_floor` is in `history`.
        self.history_floor = 0
        self.last_seen = 0
        self.holes: dict[int, float] = {}
        self.closing = False
        self.last_poll_request = 0.0
        self.ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # One thread follows the table; a few serve replays that miss the memory.
        self._follow_executor = ThreadPoolExecutor(1, thread_name_prefix="live-follow")
        self._query_executor = ThreadPoolExecutor(4, thread_name_prefix="live-query")

    # Lifecycle ---------------------------------------------------------------
    async def start(self, *, timeout: float = 10.0) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._follow())
        await asyncio.wait_for(self.ready.wait(), timeout)

    async def close(self) -> None:
        """Ends every stream (browsers reconnect elsewhere) and the follower."""
        self.closing = True
        for subscribers in self.subscribers.values():
            for subscriber in subscribers:
                subscriber.close()
        deadline = time.monotonic() + 3
        while self.connection_count and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        with contextlib.suppress(Exception):
            await asyncio.get_running_loop().run_in_executor(
                self._follow_executor, connection.close
            )
        self._follow_executor.shutdown(wait=False, cancel_futures=True)
        self._query_executor.shutdown(wait=False, cancel_futures=True)

    # Readers -------------------------------------------------------------------
    def subscribe(self, *, channels: Iterable[str], ip: str) -> Subscriber:
        if self.connection_count >= conf.max_connections():
            raise TooManyConnections(per_ip=False)
        if self.connections_by_ip[ip] >= conf.max_connections_per_ip():
            raise TooManyConnections(per_ip=True)
        subscriber = Subscriber(
            channels=frozenset(channels), ip=ip, limit=conf.client_queue_size()
        )
        for channel in subscriber.channels:
            self.subscribers.setdefault(channel, set()).add(subscriber)
        self.connections_by_ip[ip] += 1
        self.connection_count += 1
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        for channel in subscriber.channels:
            readers = self.subscribers.get(channel)
            if readers is not None:
                readers.discard(subscriber)
                if not readers:
                    del self.subscribers[channel]
        self.connections_by_ip[subscriber.ip] -= 1
        if self.connections_by_ip[subscriber.ip] <= 0:
            del self.connections_by_ip[subscriber.ip]
        self.connection_count -= 1

    async def replay(
        self, *, channels: Iterable[str], after: int
    ) -> tuple[list[Message], bool]:
        """Events after ``after`` on these channels, and whether some were left out
        (the reader was away too long and must reload its state)."""
        wanted = set(channels)
        limit = conf.replay_max_events()
        if after >= self.history_floor:
            messages = sorted(
                (m for m in self.history if m.id > after and m.channel in wanted),
                key=lambda m: m.id,
            )
        else:
            loop = asyncio.get_running_loop()
            messages = await loop.run_in_executor(
                self._query_executor, _fetch_history, sorted(wanted), after, limit + 1
            )
        if len(messages) > limit:
            return [], True
        return messages, False

    def note_poll_request(self) -> None:
        self.last_poll_request = time.monotonic()

    # Delivery ------------------------------------------------------------------
    def deliver(self, messages: Iterable[Message]) -> None:
        for message in messages:
            if message.id in self.history_ids:
                continue
            self.history.append(message)
            self.history_ids.add(message.id)
            self.last_seen = max(self.last_seen, message.id)
            for subscriber in list(self.subscribers.get(message.channel, ())):
                if not subscriber.offer(message):
                    logger.info("live reader %s dropped (too slow)", subscriber.ip)
        self._trim_history()

    def _trim_history(self) -> None:
        oldest = time.time() - conf.history_seconds()
        maximum = conf.history_max_events()
        while self.history and (
            len(self.history) > maximum or self.history[0].created_at < oldest
        ):
            gone = self.history.popleft()
            self.history_ids.discard(gone.id)
            self.history_floor = max(self.history_floor, gone.id)

    def _active(self) -> bool:
        return bool(self.subscribers) or time.monotonic() - self.last_poll_request < 60

    # Followers -------------------------------------------------------------------
    async def _follow(self) -> None:
        follow = self._follow_redis if self.source == "redis" else self._follow_db
        while not self.closing:
            try:
                await follow()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("live follower failed; retrying")
                await asyncio.sleep(1)

    async def _load_recent(self) -> None:
        loop = asyncio.get_running_loop()
        since = time.time() - conf.history_seconds()
        messages, last_id = await loop.run_in_executor(
            self._follow_executor, _fetch_recent, since
        )
        if not self.ready.is_set():
            self.history_floor = messages[0].id - 1 if messages else last_id
        self.deliver(messages)
        self.last_seen = max(self.last_seen, last_id)
        self.ready.set()

    async def _catch_up(self) -> None:
        """Reads what the table has beyond what this process saw (one query)."""
        loop = asyncio.get_running_loop()
        now = time.monotonic()
        self.holes = {i: t for i, t in self.holes.items() if now - t < HOLE_SECONDS}
        previous = self.last_seen
        messages = await loop.run_in_executor(
            self._follow_executor, _fetch_after, previous, sorted(self.holes)
        )
        for message in messages:
            self.holes.pop(message.id, None)
        new_ids = sorted(m.id for m in messages if m.id > previous)
        expected = previous + 1
        for event_id in new_ids:
            for missing in range(expected, min(event_id, expected + MAX_HOLES)):
                self.holes[missing] = now
            expected = event_id + 1
        if len(self.holes) > MAX_HOLES:
            for event_id in sorted(self.holes)[: len(self.holes) - MAX_HOLES]:
                del self.holes[event_id]
        self.deliver(messages)

    async def _follow_db(self) -> None:
        await self._load_recent()
        while not self.closing:
            await asyncio.sleep(conf.db_poll_seconds())
            if self._active():
                await self._catch_up()
            else:
                self._trim_history()

    async def _follow_redis(self) -> None:
        import redis.asyncio as redis

        client = redis.Redis.from_url(conf.redis_url())
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        try:
            # Subscribe before reading the table, so nothing falls between the two.
            await pubsub.subscribe(conf.redis_channel())
            if self.ready.is_set():
                await self._catch_up()  # after a lost connection
            else:
                await self._load_recent()
            while not self.closing:
                item = await pubsub.get_message(timeout=5.0)
                if item is None:
                    self._trim_history()
                    continue
                raw = json.loads(item["data"])
                self.deliver(
                    [
                        Message.build(
                            event_id=int(raw["id"]),
                            channel=raw["channel"],
                            event=raw["event"],
                            data=raw["data"],
                            created_at=float(raw["created_at"]),
                        )
                    ]
                )
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()
                await client.aclose()
