"""A real SMTP server on loopback that keeps what it receives: the tests and the
benchmark send through Django's SMTP backend into it and count distinct recipients
(and Message-IDs), instead of trusting a mock."""

from __future__ import annotations

import email
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _message_id(content: bytes) -> str:
    head = content.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    for line in head.splitlines():
        if line[:11].lower() == b"message-id:":
            return line[11:].strip().decode("ascii", "replace")
    return ""


@dataclass
class SinkHandler:
    """Accepts everything, except recipients given scripted answers: `rcpt_answers`
    maps an address to the replies its next RCPT commands get ("451 …", "550 …"),
    `data_answers` to the replies to the end of its next messages (refused whole,
    not received). `accepted_rcpts` lists every RCPT accepted, so that a message
    begun but not (yet) received can be told apart."""

    keep_messages: bool = True
    rcpt_answers: dict[str, list[str]] = field(default_factory=dict)
    data_answers: dict[str, list[str]] = field(default_factory=dict)
    accepted_rcpts: list[str] = field(default_factory=list)
    received: list[tuple[str, str]] = field(default_factory=list)
    messages: list[bytes] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        answers = self.rcpt_answers.get(address.lower())
        if answers:
            return answers.pop(0)
        envelope.rcpt_tos.append(address)
        with self.lock:
            self.accepted_rcpts.append(address.lower())
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode()
        mid = _message_id(content)
        for rcpt in envelope.rcpt_tos:
            answers = self.data_answers.get(rcpt.lower())
            if answers:
                return answers.pop(0)
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.received.append((rcpt.lower(), mid))
            if self.keep_messages:
                self.messages.append(content)
        return "250 Message accepted for delivery"

    # Reads ---------------------------------------------------------------
    def recipients(self) -> Counter[str]:
        with self.lock:
            return Counter(rcpt for rcpt, _mid in self.received)

    def message_ids_by_recipient(self) -> dict[str, set[str]]:
        with self.lock:
            ids: dict[str, set[str]] = {}
            for rcpt, mid in self.received:
                ids.setdefault(rcpt, set()).add(mid)
            return ids

    def begun_not_received(self) -> Counter[str]:
        """Recipients of messages begun (RCPT accepted) but not received: in flight,
        cut before their end, or refused at the end."""
        with self.lock:
            return Counter(self.accepted_rcpts) - Counter(
                rcpt for rcpt, _mid in self.received
            )

    def parsed(self) -> list[Message]:
        with self.lock:
            return [email.message_from_bytes(raw) for raw in self.messages]


@contextmanager
def smtp_sink(*, keep_messages: bool = True) -> Iterator[tuple[SinkHandler, int]]:
    """Yields the handler and its port on 127.0.0.1, for the duration of a block."""
    handler = SinkHandler(keep_messages=keep_messages)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()
