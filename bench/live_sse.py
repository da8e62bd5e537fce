"""Live channel load test: N concurrent SSE readers, flashes published, delivery
delay and server memory measured.

    .venv/bin/python bench/live_sse.py --readers 5000 --flashes 5
    REDIS_URL=redis://127.0.0.1:6379/2 .venv/bin/python bench/live_sse.py --readers 5000

Starts the page server as `make run` does (granian, ASGI, `--workers 2`) on
127.0.0.1 with its own SQLite file in /tmp (Redis pub/sub when REDIS_URL is set,
the database followed by each process otherwise), opens the readers with raw
asyncio sockets (ramped), publishes flashes with the real service from this process
(as the admin or `publish_flash` would) and records when each reader sees each one.
Bounded: everything stops after --timeout seconds. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MARK = re.compile(rb"bench-flash-(\d+)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> float:
    """RSS of a process and its children (granian's workers), in MB."""
    total = 0
    pids = [pid]
    try:
        children = subprocess.run(
            ["/usr/bin/pgrep", "-P", str(pid)], capture_output=True, text=True
        ).stdout.split()
    except FileNotFoundError:
        children = []
    pids += [int(c) for c in children]
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total / 1024


class Reader:
    def __init__(self) -> None:
        self.arrivals: dict[int, float] = {}
        self.connected = False
        self.failed = ""


async def read_stream(port: int, reader_state: Reader, stop: asyncio.Event) -> None:
    try:
        r, w = await asyncio.open_connection("127.0.0.1", port)
        w.write(
            b"GET /live/flashes/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Accept: text/event-stream\r\n\r\n"
        )
        await w.drain()
        head = await r.readuntil(b"\r\n\r\n")
        if b" 200 " not in head.split(b"\r\n", 1)[0]:
            reader_state.failed = head.split(b"\r\n", 1)[0].decode()
            w.close()
            return
        reader_state.connected = True
        tail = b""
        while not stop.is_set():
            chunk = await r.read(65536)
            if not chunk:
                break
            now = time.time()
            data = tail + chunk
            for match in MARK.finditer(data):
                reader_state.arrivals.setdefault(int(match.group(1)), now)
            tail = data[-40:]
        w.close()
    except (OSError, asyncio.IncompleteReadError) as error:
        reader_state.failed = reader_state.failed or repr(error)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(args: argparse.Namespace, port: int, server_pid: int) -> dict:
    from manchette.flashes.services import flash_publish

    stop = asyncio.Event()
    readers = [Reader() for _ in range(args.readers)]
    tasks = []
    started = time.monotonic()
    for start in range(0, args.readers, args.ramp):
        for state in readers[start : start + args.ramp]:
            tasks.append(asyncio.create_task(read_stream(port, state, stop)))
        await asyncio.sleep(0.1)
    # Wait until the readers are connected (or the ramp gave up).
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done = sum(1 for r in readers if r.connected or r.failed)
        if done >= args.readers:
            break
        await asyncio.sleep(0.5)
    connected = sum(1 for r in readers if r.connected)
    connect_seconds = time.monotonic() - started
    idle_rss = rss_mb(server_pid)
    sent: dict[int, float] = {}
    for n in range(args.flashes):
        await asyncio.sleep(args.interval)
        sent[n] = time.time()
        await asyncio.to_thread(
            flash_publish, text=f"bench-flash-{n} Flash de test", level="urgent"
        )
    await asyncio.sleep(args.settle)
    peak_rss = rss_mb(server_pid)
    stop.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    delays = [
        r.arrivals[n] - sent[n]
        for r in readers
        if r.connected
        for n in sent
        if n in r.arrivals
    ]
    expected = connected * len(sent)
    within_1s = sum(1 for d in delays if d <= 1.0)
    failures = [r.failed for r in readers if r.failed][:3]
    return {
        "readers asked": args.readers,
        "readers connected": connected,
        "connect time (s)": round(connect_seconds, 1),
        "flashes": len(sent),
        "deliveries": f"{len(delays)}/{expected}",
        "p50 (ms)": round(percentile(delays, 0.50) * 1000),
        "p99 (ms)": round(percentile(delays, 0.99) * 1000),
        "max (ms)": round(max(delays) * 1000) if delays else None,
        "within 1 s": f"{100 * within_1s / expected:.2f} %" if expected else "-",
        "server RSS idle (MB)": round(idle_rss),
        "server RSS after (MB)": round(peak_rss),
        "sample failures": failures,
        "mean (ms)": round(statistics.mean(delays) * 1000) if delays else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--readers", type=int, default=5000)
    parser.add_argument("--flashes", type=int, default=5)
    parser.add_argument("--interval", type=float, default=3.0)
    parser.add_argument("--settle", type=float, default=5.0)
    parser.add_argument("--ramp", type=int, default=250, help="connections per 0.1 s")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, args.readers * 2 + 1000))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))

    workdir = Path(tempfile.mkdtemp(prefix="live-bench-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL")
        or f"sqlite:///{workdir / 'bench.sqlite3'}",
        "MANCHETTE_LIVE_MAX_CONNECTIONS_PER_IP": str(args.readers + 100),
        "MANCHETTE_PAGE_CACHE": "0",
        # granian admits backlog/workers requests per worker at once by default
        # (1024 with `make run`): each open stream holds one.
        "GRANIAN_BACKPRESSURE": os.environ.get("GRANIAN_BACKPRESSURE")
        or str(args.readers + 100),
    }
    os.environ.update(env)
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v0"],
        check=True,
        env=env,
    )
    import django

    django.setup()
    from manchette.core.management.commands.serve import page_server_argv

    port = free_port()
    argv = page_server_argv(host="127.0.0.1", port=port, workers=args.workers)
    server = subprocess.Popen(argv, env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.3)
        time.sleep(2)
        source = "Redis pub/sub" if os.environ.get("REDIS_URL") else "database poll"
        print(f"granian workers={args.workers}, source={source}, port={port}")
        result = asyncio.run(
            asyncio.wait_for(run(args, port, server.pid), timeout=args.timeout)
        )
        for key, value in result.items():
            print(f"{key:24} {value}")
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
