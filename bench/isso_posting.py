"""Isso's comment posting on this machine, measured as Manchette's is
(bench/discussions_bench.py --client wrk): wrk, one poster per thread and connection,
a new comment with a new email and text at every request to a random one of 1,000
articles; a 2 s warm-up (not counted), 1 poster for 5 s, then 32 posters for 10 s.
Server: gunicorn with 2 worker processes, as Isso's deployment docs show it
(`gunicorn -b localhost:8080 -w 4 --preload isso.run`, with ISSO_SETTINGS), here with
2 workers for the 2 cores. Rate limits off (`[guard] enabled = false`), moderation
off, Isso's default stdout notifications (its log goes to a file in the temp dir).

    flock /tmp/bench.lock .venv/bin/python bench/isso_posting.py
    flock /tmp/bench.lock .venv/bin/python bench/isso_posting.py --worker-class gevent

Sync workers are the default: as Isso's docs and Docker image, and the best here.
gevent made as many posts a second but with a p99 of 2-3 s (a worker blocks whole
in SQLite and on Isso's process-wide write lock); gthread did not do better and its
threads hit a race in Isso's in-process cache (now and then a 500, "dictionary keys
changed during iteration", after the comment was saved).

Nothing of Isso is in the repo: the first run makes a venv OUTSIDE it (/tmp/isso-venv
unless --venv) with the latest isso and gunicorn[gevent] from PyPI (`--install-only`
does just that, no measuring). Each run has its own temp dir: isso.cfg, the SQLite
database (on the same disk as PostgreSQL, SQLite's defaults: a journal and an fsync at
every commit, as PostgreSQL's synchronous_commit), the server's log. The 1,000 threads
are made in the database before the measure, so that no post fetches an article page
for its title (Isso does on a thread's first comment); a tiny local page server
stands for the site (Isso checks it at start-up), and the run checks that no thread
was added while measuring.

Also printed for the 32-poster run: the CPU time of the server's processes (gunicorn's
master and workers, from /proc) per request, the figure that compares machines.
Stdlib only: any Python 3 runs it.
"""

from __future__ import annotations

import argparse
import http.client
import http.server
import os
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LUA = ROOT / "bench" / "isso_post.lua"
PAGE = (
    b"<!doctype html><html><head><title>Article</title></head><body>"
    b'<h1>Article</h1><section id="isso-thread"></section></body></html>'
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_venv(venv: Path) -> dict[str, str]:
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    check = "import isso, gunicorn, gevent, packaging"  # packaging: -k gevent
    if subprocess.run([str(python), "-c", check], capture_output=True).returncode:
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "isso", "gunicorn[gevent]"],
            check=True,
        )
    out = subprocess.run(
        [
            str(python),
            "-c",
            "import importlib.metadata as m, sys\n"
            "for n in ('isso', 'gunicorn', 'gevent'):\n"
            "    try: print(n, m.version(n))\n"
            "    except m.PackageNotFoundError: print(n, '-')\n"
            "print('python', sys.version.split()[0])",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(line.split() for line in out.splitlines())


class PageHandler(http.server.BaseHTTPRequestHandler):
    """The site: any path is an article page with a title (Isso's start-up check,
    and a thread's first comment, would fetch it)."""

    fetched = 0

    def do_GET(self) -> None:
        PageHandler.fetched += 1
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def do_HEAD(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def write_config(directory: Path, site: str, notify: str) -> Path:
    config = directory / "isso.cfg"
    config.write_text(
        "[general]\n"
        f"dbpath = {directory / 'comments.db'}\n"
        f"host = {site}/\n"
        f"notify = {notify}\n"
        "[moderation]\n"
        "enabled = false\n"
        "[guard]\n"
        "enabled = false\n"
    )
    return config


def make_threads(venv: Path, config: Path, articles: int) -> None:
    """Isso's own code makes the database (schema, session key); its threads table
    then gets one row per article, as a first comment would have made it."""
    code = (
        "import sqlite3, sys\n"
        "from isso import config, db\n"
        "conf = config.load(config.default_file(), sys.argv[1])\n"
        "path = conf.get('general', 'dbpath')\n"
        "db.SQLite3(path, conf)\n"
        "with sqlite3.connect(path) as con:\n"
        "    con.executemany('INSERT OR IGNORE INTO threads (uri, title) VALUES (?, ?)',\n"
        "        [(f'/article-{n}/', f'Article {n}') for n in range(1, int(sys.argv[2]) + 1)])\n"
    )
    subprocess.run(
        [str(venv / "bin" / "python"), "-c", code, str(config), str(articles)],
        check=True,
        capture_output=True,
    )


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


def cpu_ticks(pids: list[int]) -> tuple[int, int]:
    """(user, system) clock ticks of these processes, from /proc/<pid>/stat."""
    user = system = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        user += int(fields[11])  # utime
        system += int(fields[12])  # stime
    return user, system


def machine_busy() -> tuple[int, int, int]:
    """(busy, total, steal) jiffies of all the cores, from /proc/stat (busy: all
    but idle and iowait, steal included)."""
    values = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values[:8]) - idle, sum(values[:8]), values[7]


REFERENCE = (
    "import time\n"
    "t = time.process_time()\n"
    "s = 0\n"
    "for i in range(10_000_000):\n"
    "    s += i\n"
    "print(time.process_time() - t)\n"
)


def reference_loop() -> float:
    """The machine's speed now: CPU seconds of a pure-Python loop of 10 million
    additions (this Python; the lead's reference, 0.87-0.91 s on a good day)."""
    out = subprocess.run(
        [sys.executable, "-c", REFERENCE], capture_output=True, text=True, check=True
    )
    return float(out.stdout)


def run_wrk(base: str, posters: int, seconds: int, articles: int) -> dict:
    command = [
        "wrk",
        f"-t{posters}",
        f"-c{posters}",
        f"-d{seconds}s",
        "--timeout",
        "30s",
        "-s",
        str(LUA),
        base,
        "--",
        base,
        str(articles),
    ]
    result = wrk_result(command)
    return {**result, "not_201": result["unexpected"]}


def wrk_result(command: list[str]) -> dict:
    """Run wrk with a script built on bench/wrk_posters.lua and read its RESULT line."""
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(x for x in output.splitlines() if x.startswith("RESULT "))
    fields = dict(item.split("=") for item in line.split()[1:])
    requests = int(fields["requests"])
    return {
        "requests": requests,
        "rps": requests / float(fields["seconds"]),
        "p50": float(fields["p50_ms"]),
        "p99": float(fields["p99_ms"]),
        "unexpected": int(fields["unexpected"]),
        "other_statuses": fields["other_statuses"],
        "errors": int(fields["errors"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--venv", type=Path, default=Path(tempfile.gettempdir()) / "isso-venv"
    )
    parser.add_argument("--install-only", action="store_true")
    parser.add_argument(
        "--worker-class",
        choices=["sync", "gthread", "gevent"],
        default="sync",
        help="gunicorn's worker class (sync: as Isso's docs and Docker image)",
    )
    parser.add_argument(
        "--threads", type=int, default=4, help="threads a worker (gthread only)"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--posters", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument(
        "--notify",
        choices=["stdout", "none"],
        default="stdout",
        help="Isso's notification backend (stdout: its default, a few log lines a post)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args()

    versions = ensure_venv(args.venv)
    print(
        f"isso {versions['isso']}, gunicorn {versions['gunicorn']}, "
        f"gevent {versions['gevent']}, python {versions['python']} ({args.venv})"
    )
    if args.install_only:
        return
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing (apt-get install wrk)")

    directory = Path(tempfile.mkdtemp(prefix="isso-bench-"))
    site_server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), PageHandler)
    threading.Thread(target=site_server.serve_forever, daemon=True).start()
    site = f"http://127.0.0.1:{site_server.server_address[1]}"
    # Isso's "none" is no backend: an empty list (an unknown name only warns)
    config = write_config(directory, site, "" if args.notify == "none" else "stdout")
    make_threads(args.venv, config, args.articles)
    database = directory / "comments.db"

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [
        str(args.venv / "bin" / "gunicorn"),
        "-b",
        f"127.0.0.1:{port}",
        "-w",
        str(args.workers),
        "-k",
        args.worker_class,
        "--preload",  # as Isso's docs: one app, its lock shared by the workers
        "--worker-tmp-dir",
        "/dev/shm",  # noqa: S108 (as Isso's Docker image)
        "--no-control-socket",  # gunicorn 25+: else one shared path in ~/.gunicorn
    ]
    if args.worker_class == "gthread":
        command += ["--threads", str(args.threads)]
    command.append("isso.run")
    log = (directory / "server.log").open("wb")  # closed below
    server = subprocess.Popen(
        command,
        env={**os.environ, "ISSO_SETTINGS": str(config)},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    finished = False
    try:
        for _ in range(100):
            try:
                info = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                info.request("GET", "/info")
                status = info.getresponse().status
                info.close()
                if status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit(f"Isso did not start: see {directory / 'server.log'}")
        while len(children(server.pid)) < args.workers:
            time.sleep(0.1)
        variant = f"gunicorn -k {args.worker_class} -w {args.workers}" + (
            f" --threads {args.threads}" if args.worker_class == "gthread" else ""
        )
        print(
            f"{variant} --preload isso.run, {args.articles} threads, "
            f"guard off, moderation off, notify {args.notify}"
        )
        tick = os.sysconf("SC_CLK_TCK")
        print(f"reference loop before: {reference_loop():.2f} s")
        quiet_before = machine_busy()
        time.sleep(1)
        quiet_after = machine_busy()
        print(
            "machine busy in the second before the measure (nothing of ours running): "
            f"{(quiet_after[0] - quiet_before[0]) / max(1, quiet_after[1] - quiet_before[1]):.0%}"
        )
        for label, posters, seconds in [
            ("warm-up (not counted)", args.posters, 2),
            ("1 poster (unloaded)", 1, min(args.seconds, 5)),
            (f"{args.posters} posters", args.posters, args.seconds),
        ]:
            workers = children(server.pid)
            pids = [server.pid, *workers]
            before = cpu_ticks(pids)
            busy_before = machine_busy()
            wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.monotonic()
            result = run_wrk(base, posters, seconds, args.articles)
            elapsed = time.monotonic() - started
            after = cpu_ticks(pids)
            busy_after = machine_busy()
            wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)
            wrk_cores = (
                wrk_after.ru_utime
                + wrk_after.ru_stime
                - wrk_before.ru_utime
                - wrk_before.ru_stime
            ) / elapsed
            user_ms = (after[0] - before[0]) / tick * 1000
            cpu_ms = user_ms + (after[1] - before[1]) / tick * 1000
            per_post = cpu_ms / max(1, result["requests"])
            user_share = user_ms / max(1, cpu_ms)
            cores = os.cpu_count() or 1
            machine = (busy_after[0] - busy_before[0]) / max(
                1, busy_after[1] - busy_before[1]
            )
            server_cores = cpu_ms / 1000 / elapsed
            # what else ran on the machine meanwhile (another job not under the lock)
            steal = (busy_after[2] - busy_before[2]) / max(
                1, busy_after[1] - busy_before[1]
            )
            others = (machine - steal) * cores - server_cores - wrk_cores
            changed = " (WORKERS CHANGED)" if children(server.pid) != workers else ""
            print(
                f"POST {label}: {result['rps']:.0f} req/s, p50 {result['p50']:.1f} ms, "
                f"p99 {result['p99']:.1f} ms, {result['requests']} requests, "
                f"not 201: {result['not_201']} ({result['other_statuses']}), "
                f"socket errors {result['errors']}; server CPU {per_post:.2f} ms a post "
                f"({user_share:.0%} user) "
                f"({server_cores:.2f} cores), wrk {wrk_cores:.2f} cores, "
                f"machine busy {machine:.0%} (steal {steal:.0%}, "
                f"other processes {others:.2f} cores)"
                f"{changed}"
            )
        print(f"reference loop after: {reference_loop():.2f} s")
        with sqlite3.connect(database) as con:
            comments = con.execute("SELECT count(*) FROM comments").fetchone()[0]
            made = con.execute("SELECT count(*) FROM threads").fetchone()[0]
        print(
            f"database: {comments} comments, {made} threads "
            f"(threads added while measuring: {made - args.articles}); "
            f"article pages fetched by Isso: {PageHandler.fetched}"
        )
        finished = True
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
            server.wait()
        log.close()
        site_server.shutdown()
        if args.keep or not finished:
            print(f"kept: {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
