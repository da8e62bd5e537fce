"""The event streams: fan-out between processes, replay, slow readers, limits.

Each "process" is a Hub of its own (no memory shared), following the real shared
source: Redis pub/sub when REDIS_URL is set, the database table otherwise."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import override_settings

from manchette.live.asgi import build_live_app
from manchette.live.hub import Hub
from manchette.live.services import event_publish
from manchette.live.tests.sse import StreamClient, request_json

pytestmark = pytest.mark.django_db(transaction=True)


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    """In a thread of its own: Playwright's sync API may hold an event loop in this
    one (the session's `browser` fixture)."""
    with ThreadPoolExecutor(1) as executor:
        executor.submit(asyncio.run, scenario()).result()


def _publish_in_thread(channel: str, event: str, data: dict) -> int:
    try:
        return event_publish(channel=channel, event=event, data=data).pk
    finally:
        connection.close()  # a worker thread's connection would outlive the test


async def publish(channel: str, event: str, **data) -> int:
    """Like another process would: from a thread with its own connection."""
    return await asyncio.to_thread(_publish_in_thread, channel, event, data)


class Process:
    """One server process: its own hub and app."""

    def __init__(self) -> None:
        self.hub = Hub()
        self.app = build_live_app(lambda: self.hub)

    async def __aenter__(self) -> Process:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.hub.close()


def test_an_event_published_anywhere_reaches_readers_of_every_process():
    async def scenario():
        async with Process() as first, Process() as second:
            reader_first = await StreamClient(first.app, "/live/flashes/").open()
            reader_second = await StreamClient(second.app, "/live/flashes/").open()
            assert reader_second.status == 200
            assert reader_second.response_headers["content-type"].startswith(
                "text/event-stream"
            )
            event_id = await publish("flashes", "flash", text="Séisme au large")
            for reader in (reader_first, reader_second):
                envelope = await reader.next_event()
                assert envelope == {
                    "id": event_id,
                    "channel": "flashes",
                    "event": "flash",
                    "data": {"text": "Séisme au large"},
                }
            await reader_first.close()
            await reader_second.close()

    run(scenario)


def test_a_reader_receives_only_the_channels_it_asked_for():
    async def scenario():
        async with Process() as process:
            reader = await StreamClient(
                process.app, "/live/flashes,article:7:blog/"
            ).open()
            await publish("article:8:blog", "entry", text="autre article")
            blog_id = await publish("article:7:blog", "entry", text="ici")
            flash_id = await publish("flashes", "flash", text="flash")
            assert (await reader.next_event())["id"] == blog_id
            assert (await reader.next_event())["id"] == flash_id
            await reader.close()

    run(scenario)


def test_reconnecting_with_last_event_id_replays_what_was_missed():
    async def scenario():
        async with Process() as process:
            seen = await publish("flashes", "flash", text="vu")
            missed = [
                await publish("flashes", "flash", text=f"manqué {n}") for n in (1, 2)
            ]
            await publish("article:3:comments", "comment", text="autre canal")
            reader = await StreamClient(
                process.app, "/live/flashes/", headers={"Last-Event-ID": str(seen)}
            ).open()
            replayed = [await reader.next_event(), await reader.next_event()]
            assert [e["id"] for e in replayed] == missed
            live = await publish("flashes", "flash", text="en direct")
            assert (await reader.next_event())["id"] == live
            await reader.close()

    run(scenario)


@override_settings(LIVE_HISTORY_MAX_EVENTS=2)
def test_replay_older_than_the_memory_comes_from_the_database():
    async def scenario():
        first = await publish("flashes", "flash", text="premier")
        later = [
            await publish("flashes", "flash", text=f"suivant {n}") for n in range(4)
        ]
        async with Process() as process:
            await process.hub.start()
            assert process.hub.history_floor > first
            reader = await StreamClient(
                process.app, "/live/flashes/", query_string=f"after={first}"
            ).open()
            assert [(await reader.next_event())["id"] for _ in later] == later
            await reader.close()

    run(scenario)


@override_settings(LIVE_REPLAY_MAX_EVENTS=2)
def test_a_reader_away_too_long_is_told_to_reload():
    async def scenario():
        first = await publish("flashes", "flash", text="premier")
        for n in range(3):
            await publish("flashes", "flash", text=f"suivant {n}")
        async with Process() as process:
            reader = await StreamClient(
                process.app, "/live/flashes/", headers={"Last-Event-ID": str(first)}
            ).open()
            assert (await reader.next_event())["event"] == "reset"
            await reader.close()

    run(scenario)


@override_settings(LIVE_CLIENT_QUEUE=2, LIVE_WRITE_TIMEOUT_SECONDS=1)
def test_a_reader_that_stops_reading_is_dropped_without_delaying_the_others():
    async def scenario():
        async with Process() as process:
            never = asyncio.Event()

            class StuckClient(StreamClient):
                async def send(self, message):
                    await super().send(message)
                    if message["type"] == "http.response.body":
                        await never.wait()  # a socket nobody reads

            stuck = await StuckClient(process.app, "/live/flashes/").open()
            reader = await StreamClient(process.app, "/live/flashes/").open()
            for n in range(6):
                published = await publish("flashes", "flash", text=f"flash {n}")
                assert (await reader.next_event())["id"] == published
            await asyncio.wait_for(stuck.task, 15)  # its stream was ended
            assert process.hub.connection_count == 1
            await reader.close()
            assert process.hub.connection_count == 0

    run(scenario)


@override_settings(LIVE_MAX_CONNECTIONS_PER_IP=2)
def test_connections_are_bounded_per_address():
    async def scenario():
        async with Process() as process:
            allowed = [
                await StreamClient(process.app, "/live/flashes/").open()
                for _ in range(2)
            ]
            refused = await StreamClient(process.app, "/live/flashes/").open()
            assert refused.status == 429
            other = await StreamClient(
                process.app, "/live/flashes/", client_ip="203.0.113.9"
            ).open()
            assert other.status == 200
            for reader in [*allowed, other]:
                await reader.close()
            again = await StreamClient(process.app, "/live/flashes/").open()
            assert again.status == 200
            await again.close()

    run(scenario)


@override_settings(LIVE_HEARTBEAT_SECONDS=0.05)
def test_idle_streams_get_heartbeats_and_close_cleanly_on_shutdown():
    async def scenario():
        process = Process()
        reader = await StreamClient(process.app, "/live/flashes/").open()
        blocks = [await reader.next_block() for _ in range(2)]
        assert blocks[0].startswith("retry: ")
        assert blocks[1] == ": ping"
        await process.hub.close()
        await asyncio.wait_for(reader.ended.wait(), 10)
        assert process.hub.connection_count == 0

    run(scenario)


def test_polling_fallback_returns_the_events_after_an_id():
    async def scenario():
        async with Process() as process:
            status, start = await request_json(process.app, "/live/flashes/poll")
            assert status == 200
            assert start["events"] == []
            first = await publish("flashes", "flash", text="un")
            await publish("article:4:blog", "entry", text="ailleurs")
            second = await publish("flashes", "flash", text="deux")
            for _ in range(200):  # the follower picks them up asynchronously
                if process.hub.last_seen >= second:
                    break
                await asyncio.sleep(0.05)
            status, page = await request_json(
                process.app,
                "/live/flashes/poll",
                query_string=f"after={start['last_id']}",
            )
            assert [e["id"] for e in page["events"]] == [first, second]
            assert page["events"][0]["data"] == {"text": "un"}
            assert page["last_id"] >= second

    run(scenario)


def test_unknown_channels_are_not_found():
    async def scenario():
        async with Process() as process:
            for path in ("/live/", "/live/secret/", "/live/article:x:blog/"):
                reader = await StreamClient(process.app, path).open()
                assert reader.status == 404

    run(scenario)
