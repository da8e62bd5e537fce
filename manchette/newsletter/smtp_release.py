"""Record, then release, over SMTP: `smtplib.SMTP.sendmail()` cut in two around a
record in the database, for one message or for a group of messages, each on its own
connection (docs/decisions.md, "Newsletter delivery: record, then release").

A server delivers a message only once it has read the line holding a single "." that
ends DATA. So MAIL, RCPT, DATA and the body go out first, without that line; then the
caller records the messages as handed over (one commit for the whole group); only
then the last lines go out and the replies are read. A group of K messages on K
connections pays one commit, and the K servers work on each step at the same time
instead of one after the other: every step writes its command on each connection
first, then reads the replies. No command is pipelined on one connection (only one
command is ever unanswered per connection), so any server will do."""

from __future__ import annotations

import contextlib
import smtplib
import socket
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import lru_cache


class RefusedAfterHandOver(Exception):
    """The server refused the whole message (or the connection failed) after the
    delivery was recorded as handed over; `cause` is the error."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


@dataclass(eq=False)  # compared and hashed by identity: the record returns a set
class Outgoing:
    """One message on its own connection, and what became of it.

    After `smtp_send_recorded_group`: `delivered` if the server accepted it after
    its last line; otherwise `error` says why, before the record (`recorded` False:
    as `sendmail()` would have raised it, nothing delivered) or after it
    (`recorded` True: `RefusedAfterHandOver`). Neither delivered nor an error: the
    record declined it and the connection was cut before the last line."""

    conn: smtplib.SMTP
    from_addr: str
    to_addrs: list[str]
    msg: bytes
    recorded: bool = False
    delivered: bool = False
    error: BaseException | None = None
    refused: dict[str, tuple[int, bytes]] = field(default_factory=dict)


Record = Callable[[list[Outgoing]], Collection[Outgoing]]


def smtp_send_recorded_group(messages: list[Outgoing], *, record: Record) -> None:
    """Send each message up to its last line, call `record` once with those the
    servers took that far, and release only those it returns (recorded,
    committed). The others' connections are cut, so that their servers discard
    them. If `record` raises, every connection of the group is cut and the error
    raised. Outcomes are left on each `Outgoing`.

    The body is prepared exactly as `SMTP.data()` does for bytes (periods doubled at
    line starts, a final CRLF added if missing)."""
    for out in messages:
        _start(out)
    _step(messages, _mail_command, _mail_reply)
    rounds = max((len(out.to_addrs) for out in messages), default=0)
    for index in range(rounds):  # the n-th recipient of each message at once
        _step(
            [out for out in messages if index < len(out.to_addrs)],
            lambda out: ("rcpt", f"to:{smtplib.quoteaddr(out.to_addrs[index])}"),  # noqa: B023 - called at once
            lambda out, code, resp: _rcpt_reply(out, index, code, resp),  # noqa: B023
        )
    _step(messages, lambda out: ("data", ""), _data_reply)
    begun = _live(messages)
    for out in begun:
        body = smtplib._quote_periods(out.msg)  # type: ignore[attr-defined]  # as data()
        if body[-2:] != smtplib.bCRLF:
            body += smtplib.bCRLF
        _attempt(out, out.conn.send, body)
    begun = _live(messages)
    if not begun:
        return
    try:
        recorded = record(begun)
    except BaseException:
        for out in begun:
            out.conn.close()
        raise
    for out in begun:
        out.recorded = out in recorded
        if not out.recorded:
            out.conn.close()
    released = [out for out in begun if out.recorded]
    # The last lines go out together, right after the commit: a kill between the
    # commit and these writes is the window where a copy is skipped.
    for out in released:
        _attempt(out, out.conn.send, b"." + smtplib.bCRLF)
        if out.error is not None:
            out.error = RefusedAfterHandOver(out.error)
    for out in _live(released):
        try:
            code, resp = out.conn.getreply()
        except (smtplib.SMTPException, OSError) as exc:
            out.conn.close()
            out.error = RefusedAfterHandOver(exc)
            continue
        if code != 250:
            _smtp_abort(out.conn, code)
            out.error = RefusedAfterHandOver(smtplib.SMTPDataError(code, resp))
            continue
        out.delivered = True


def smtp_send_recorded(
    conn: smtplib.SMTP,
    from_addr: str,
    to_addrs: list[str],
    msg: bytes,
    *,
    record: Callable[[], bool],
) -> bool:
    """The group of one: MAIL, RCPT, DATA and the body without its terminator; then
    `record()` (the hand-over, committed); only if it returns True, the final "."
    line, which lets the server deliver.

    Errors before `record()` are raised as `sendmail()` raises them, the message not
    delivered. If `record()` returns False or raises, the connection is closed
    without the terminator, so that the server discards the message, and False is
    returned (or the error raised). A refusal of the message, or a lost connection,
    after the terminator is raised as `RefusedAfterHandOver`."""
    out = Outgoing(conn, from_addr, to_addrs, msg)
    smtp_send_recorded_group([out], record=lambda begun: begun if record() else ())
    if out.error is not None:
        raise out.error
    return out.delivered


def _live(messages: list[Outgoing]) -> list[Outgoing]:
    return [out for out in messages if out.error is None]


def _attempt(out: Outgoing, write: Callable[..., object], *args: object) -> None:
    # smtplib closes the connection itself on a failed write or read.
    try:
        write(*args)
    except (smtplib.SMTPException, OSError) as exc:
        out.error = exc


def _start(out: Outgoing) -> None:
    def start() -> None:
        out.conn.ehlo_or_helo_if_needed()
        if out.conn.sock is not None:
            # The terminator is a small write after the body: without this,
            # Nagle's algorithm holds it until the server acknowledges the body,
            # which it delays (up to 40 ms on Linux) while it has nothing to answer.
            out.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    _attempt(out, start)


def _step(
    messages: list[Outgoing],
    command: Callable[[Outgoing], tuple[str, str]],
    reply: Callable[[Outgoing, int, bytes], None],
) -> None:
    """One command on each connection still going, then each reply: the servers
    work on theirs meanwhile."""
    sent = []
    for out in _live(messages):
        _attempt(out, out.conn.putcmd, *command(out))
        if out.error is None:
            sent.append(out)
    for out in sent:
        try:
            code, resp = out.conn.getreply()
        except (smtplib.SMTPException, OSError) as exc:
            out.error = exc
            continue
        reply(out, code, resp)


def _mail_command(out: Outgoing) -> tuple[str, str]:
    options = ""
    if out.conn.does_esmtp and out.conn.has_extn("size"):
        options = f" size={len(out.msg)}"  # as sendmail()
    return "mail", f"from:{_quoted_sender(out.from_addr)}{options}"


# The same sender on every message: parsed once (smtplib parses it each time).
_quoted_sender = lru_cache(maxsize=16)(smtplib.quoteaddr)


def _mail_reply(out: Outgoing, code: int, resp: bytes) -> None:
    if code != 250:
        _smtp_abort(out.conn, code)
        out.error = smtplib.SMTPSenderRefused(code, resp, out.from_addr)


def _rcpt_reply(out: Outgoing, index: int, code: int, resp: bytes) -> None:
    if code not in (250, 251):
        out.refused[out.to_addrs[index]] = (code, resp)
    if code == 421:
        out.conn.close()
        out.error = smtplib.SMTPRecipientsRefused(out.refused)
    elif index == len(out.to_addrs) - 1 and len(out.refused) == len(out.to_addrs):
        _smtp_abort(out.conn, 0)
        out.error = smtplib.SMTPRecipientsRefused(out.refused)


def _data_reply(out: Outgoing, code: int, resp: bytes) -> None:
    if code != 354:
        _smtp_abort(out.conn, code)
        out.error = smtplib.SMTPDataError(code, resp)


def _smtp_abort(conn: smtplib.SMTP, code: int) -> None:
    """What `sendmail()` does after a refusal: close on 421, else RSET."""
    if code == 421:
        conn.close()
        return
    with contextlib.suppress(smtplib.SMTPServerDisconnected):
        conn.rset()
