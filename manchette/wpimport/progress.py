"""One honest progress line on stderr: what is done out of what the file holds, the
time spent, and a remaining time estimated from the measured pace of each kind."""

from __future__ import annotations

import time
from typing import TextIO


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


class Progress:
    KINDS = ("items", "comments", "media")
    LABELS = {"items": "contenus", "comments": "commentaires", "media": "médias"}

    def __init__(
        self, stream: TextIO | None, *, every_seconds: float | None = None
    ) -> None:
        self.stream = stream
        self.tty = bool(
            stream is not None and getattr(stream, "isatty", lambda: False)()
        )
        # On a terminal the line is redrawn in place; in a log, one line now and then.
        self.every = (
            every_seconds if every_seconds is not None else (0.5 if self.tty else 10.0)
        )
        self.totals = dict.fromkeys(self.KINDS, 0)
        self.done = dict.fromkeys(self.KINDS, 0)
        self.spent = dict.fromkeys(self.KINDS, 0.0)
        self.started = time.monotonic()
        self.last_shown = 0.0

    def set_totals(self, *, items: int, comments: int, media: int) -> None:
        self.totals = {"items": items, "comments": comments, "media": media}
        self.started = time.monotonic()

    def advance(self, kind: str, n: int, seconds: float) -> None:
        self.done[kind] += n
        self.spent[kind] += seconds
        now = time.monotonic()
        if now - self.last_shown >= self.every:
            self.last_shown = now
            self.show()

    def remaining_seconds(self) -> float | None:
        remaining = 0.0
        for kind in self.KINDS:
            left = self.totals[kind] - self.done[kind]
            if left <= 0:
                continue
            if not self.done[kind]:
                return None  # no pace measured yet: no guess
            remaining += left * self.spent[kind] / self.done[kind]
        return remaining

    def line(self) -> str:
        parts = [
            f"{self.done[k]}/{self.totals[k]} {self.LABELS[k]}"
            for k in self.KINDS
            if self.totals[k]
        ]
        eta = self.remaining_seconds()
        elapsed = time.monotonic() - self.started
        tail = f"reste ≈ {_clock(eta)}" if eta is not None else "reste : estimation…"
        return f"Import : {' · '.join(parts)} · {_clock(elapsed)} écoulées · {tail}"

    def show(self) -> None:
        if self.stream is None:
            return
        if self.tty:
            self.stream.write("\r\033[K" + self.line())
        else:
            self.stream.write(self.line() + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.stream is None:
            return
        self.show()
        if self.tty:
            self.stream.write("\n")
        self.stream.flush()
