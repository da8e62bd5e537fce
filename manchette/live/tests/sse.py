"""A minimal in-process client for the live ASGI app (reused by other apps' tests):
it drives the app with real ASGI messages and parses what it streams."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any


class StreamClient:
    def __init__(
        self,
        app: Any,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        client_ip: str = "198.51.100.7",
        query_string: str = "",
    ) -> None:
        self.app = app
        self.scope = {
            "type": "http",
            "method": "GET",
            "path": path,
            "query_string": query_string.encode(),
            "headers": [
                (k.lower().encode(), v.encode()) for k, v in (headers or {}).items()
            ],
            "client": (client_ip, 50000),
        }
        self.status: int | None = None
        self.response_headers: dict[str, str] = {}
        self.buffer = ""
        self.ended = asyncio.Event()
        self.started = asyncio.Event()
        self._data = asyncio.Event()
        self._disconnect = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def receive(self) -> dict[str, Any]:
        await self._disconnect.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.response_headers = {
                k.decode(): v.decode() for k, v in message.get("headers", [])
            }
            self.started.set()
        elif message["type"] == "http.response.body":
            self.buffer += message.get("body", b"").decode()
            self._data.set()
            if not message.get("more_body", False):
                self.ended.set()

    async def open(self) -> StreamClient:
        self.task = asyncio.get_running_loop().create_task(
            self.app(self.scope, self.receive, self.send)
        )
        await asyncio.wait_for(self.started.wait(), 10)
        return self

    def _pop_block(self) -> str | None:
        if "\n\n" not in self.buffer:
            return None
        block, self.buffer = self.buffer.split("\n\n", 1)
        return block

    async def next_block(self, timeout: float = 10) -> str:
        async with asyncio.timeout(timeout):
            while True:
                block = self._pop_block()
                if block is not None:
                    return block
                if self.ended.is_set():
                    raise EOFError("stream ended")
                self._data.clear()
                await self._data.wait()

    async def next_event(self, timeout: float = 10) -> dict[str, Any]:
        """The next message's envelope (comment lines and `retry:` skipped)."""
        while True:
            block = await self.next_block(timeout)
            data = [line[6:] for line in block.split("\n") if line.startswith("data: ")]
            if data:
                return json.loads("\n".join(data))

    async def close(self) -> None:
        self._disconnect.set()
        if self.task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self.task, 10)


async def request_json(app: Any, path: str, query_string: str = "") -> tuple[int, Any]:
    client = StreamClient(app, path, query_string=query_string)
    await client.open()
    await asyncio.wait_for(client.ended.wait(), 10)
    return client.status or 0, json.loads(client.buffer) if client.buffer else None
