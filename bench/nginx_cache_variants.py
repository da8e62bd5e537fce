"""nginx page cache variants against nginx static, measured interleaved in one nginx.

    .venv/bin/python bench/nginx_cache_variants.py --app http://127.0.0.1:8000/some/article/
        [--variants production,without_open_file_cache,...] [--duration 5] [--rounds 2]
        [--gzip] [--strace]
    … --check-purge 3 [--warm] [--skip-purge]     (publish, purge, check every answer)
    … --list                                       (the variants)

An experiment harness for the production page cache (deploy/nginx/manchette-http.conf and
manchette-locations.conf), cheaper and steadier than bench/foundation_serving.py:

- the page is taken once from a running Manchette (`--app`, e.g. `make run`): its
  identity and gzip bodies and the headers the app really sends with them (those of a
  page from the app's own cache: ETag, Last-Modified, the security headers), so what
  nginx stores is what production stores;
- a tiny Python server (one thread per connection) answers every request with that page:
  the upstream of every variant, hit only to fill the caches;
- ONE nginx runs the static ceiling (the page as a file, gzip_static, the same server
  block as bench/nginx/foundation.conf.template) and one server per variant, each with
  its own port, cache directory and zone: the production files with one change each
  (see VARIANTS);
- wrk -t2 -c32 measures static, variant A, static, variant B, … for each round, and
  each variant is given as a ratio to the static run just before it: the machine is
  shared, ratios taken a few seconds apart are what can be compared.

Besides requests/s, each run gives the CPU time of nginx's workers per request and that
of nginx and wrk together: on a busy machine these move much less than requests/s.
--strace counts the system calls of nginx's workers per request for each server
(strace -c -f on the workers during a short wrk run: slow, but the counts are exact).

--check-purge N checks, for each variant, that a purged page is never served again:
an unpublication (PURGE, then the app answers an uncacheable 404) and N publications
(PURGE, new page), each after both workers have read the old page, each followed by a
second of wrk (-c32, identity and gzip) in which every answer must be the new one. It
starts at once, while nginx's cache is "cold" (its cache loader starts 60 s after
nginx); --warm waits until the loader has run. --skip-purge publishes without purging:
the check must then fail (it shows that the check sees stale pages).

Ports 8931-8959 on 127.0.0.1; everything is started and stopped here.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import http.server
import os
import re
import resource
import shutil
import signal
import socketserver
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
STATIC_PORT = 8931
UPSTREAM_PORT = 8932
FIRST_VARIANT_PORT = 8940
STATIC_PATH = "/article.html"
PURGE_MODULE = Path("/usr/lib/nginx/modules/ngx_http_cache_purge_module.so")
# Headers the upstream server writes itself, or that nginx drops anyway.
NOT_REPLAYED = {"date", "server", "connection", "content-length", "transfer-encoding"}


# The page, as the app sends it ------------------------------------------------------------


@dataclass
class Copy:
    headers: list[tuple[str, str]]
    body: bytes
    status: int = 200


def capture(url: str) -> dict[str, Copy]:
    """The identity and gzip copies of the page, as the app's cache answers them."""
    parts = urlsplit(url)
    copies = {}
    for encoding in ("", "gzip"):
        headers = {"Accept-Encoding": encoding} if encoding else {}
        for _ in range(2):  # the second answer comes from the app's page cache
            connection = http.client.HTTPConnection(
                parts.hostname or HOST, parts.port or 80
            )
            connection.request("GET", parts.path or "/", headers=headers)
            response = connection.getresponse()
            body = response.read()
            kept = [
                (k, v)
                for k, v in response.getheaders()
                if k.lower() not in NOT_REPLAYED
            ]
            connection.close()
        if response.status != 200:
            raise SystemExit(f"{url} answers {response.status}")
        copies[encoding] = Copy(kept, body)
    return copies


class Upstream(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    copies: dict[str, Copy]
    hits = 0

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # nginx closing its idle keepalive connections


class UpstreamHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Upstream

    def do_GET(self) -> None:
        self.server.hits += 1
        encoding = "gzip" if "gzip" in self.headers.get("Accept-Encoding", "") else ""
        copy = self.server.copies[encoding]
        self.send_response(copy.status)
        for name, value in copy.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(copy.body)))
        self.end_headers()
        self.wfile.write(copy.body)

    do_HEAD = do_GET

    def log_message(self, format: str, *args: object) -> None:
        pass


# Variants ----------------------------------------------------------------------------------

Texts = tuple[str, str]  # (http part, locations part)


def _in_location_slash(locations: str, directives: str) -> str:
    """Add directives at the end of `location / { … }`."""
    marker = "    add_header X-Cache-Status $upstream_cache_status always;\n}"
    if marker not in locations:
        raise SystemExit("location / has changed: update the variants")
    return locations.replace(marker, marker[:-1] + directives + "}")


def _without(text: str, pattern: str) -> str:
    new, count = re.subn(pattern, "", text, flags=re.M | re.S)
    if not count:
        raise SystemExit(f"not found in the production files: {pattern!r}")
    return new


def production(texts: Texts) -> Texts:
    """deploy/nginx as it is."""
    return texts


def without_open_file_cache(texts: Texts) -> Texts:
    """Cache files opened, stat'ed and closed on every hit (before 2026-11-29)."""
    http, locations = texts
    locations = _without(locations, r"^    open_file_cache [^\n]*\n")
    return http, _without(locations, r"^    open_file_cache_valid [^\n]*\n")


def open_file_cache_valid_60s(texts: Texts) -> Texts:
    """Open files trusted for 60 s when the cache zone knows the inode (faster, but
    serves a purged page just after nginx starts: --check-purge shows it)."""
    http, locations = texts
    if "    open_file_cache_valid 0s;\n" not in locations:
        raise SystemExit("open_file_cache_valid has changed: update the variants")
    return http, locations.replace(
        "    open_file_cache_valid 0s;\n", "    open_file_cache_valid 60s;\n"
    )


def flat_cache_directory(texts: Texts) -> Texts:
    """The cache's files in one directory (no levels): a shorter path to check."""
    http, locations = texts
    if " levels=1:2 " not in http:
        raise SystemExit("proxy_cache_path has changed: update the variants")
    return http.replace(" levels=1:2 ", " "), locations


def no_purge_if(texts: Texts) -> Texts:
    """No `if` for PURGE in the public location (purges then need their own server)."""
    http, locations = texts
    return http, _without(
        locations, r"^    if \(\$request_method = PURGE\) \{\n.*?\n    \}\n"
    )


def no_cache_status(texts: Texts) -> Texts:
    """No X-Cache-Status header."""
    http, locations = texts
    return http, _without(
        locations, r"^    add_header X-Cache-Status \$upstream_cache_status always;\n"
    )


def no_bypass(texts: Texts) -> Texts:
    """What the per-request variables of the bypass cost (not a deployable variant)."""
    http, locations = texts
    locations = _without(locations, r"^    proxy_cache_bypass [^\n]*\n")
    return http, locations


def plain_key(texts: Texts) -> Texts:
    """What the encoding map costs on the key (not a deployable variant)."""
    http, locations = texts
    return http, locations.replace(
        "proxy_cache_key $host$request_uri|$manchette_encoding;",
        "proxy_cache_key $host$request_uri|;",
    )


def hide_app_x_cache(texts: Texts) -> Texts:
    """The app's own X-Cache header not passed on."""
    http, locations = texts
    return http, _in_location_slash(locations, "    proxy_hide_header X-Cache;\n")


def keepalive_requests(texts: Texts) -> Texts:
    """More requests per connection than nginx's 1000 (static keeps the default)."""
    http, locations = texts
    return http, "keepalive_requests 10000;\n" + locations


def access_log_buffered(texts: Texts) -> Texts:
    """The production server's access log (deploy/nginx/manchette.conf), which the
    static ceiling does not write: what logging costs, not a change to make."""
    http, locations = texts
    return http, (
        "access_log logs/access.log combined buffer=64k flush=5s;\n" + locations
    )


def buffer_16k(texts: Texts) -> Texts:
    """A larger buffer for the stored response's headers."""
    http, locations = texts
    return http, _in_location_slash(
        locations, "    proxy_buffer_size 16k;\n    proxy_busy_buffers_size 16k;\n"
    )


VARIANTS: dict[str, Callable[[Texts], Texts]] = {
    f.__name__: f
    for f in (
        production,
        without_open_file_cache,
        open_file_cache_valid_60s,
        flat_cache_directory,
        no_purge_if,
        no_cache_status,
        no_bypass,
        plain_key,
        hide_app_x_cache,
        keepalive_requests,
        buffer_16k,
        access_log_buffered,
    )
}


# nginx -------------------------------------------------------------------------------------

STATIC_SERVER = """
    server {{
        listen {host}:{port};
        root {www};
        gzip_static on;
    }}
"""


def production_texts() -> Texts:
    return (
        (REPO / "deploy/nginx/manchette-http.conf").read_text(),
        (REPO / "deploy/nginx/manchette-locations.conf").read_text(),
    )


def _renamed(text: str, name: str) -> str:
    """Each variant's zone, upstream and maps get their own names (comments untouched)."""
    return "\n".join(
        line
        if line.lstrip().startswith("#")
        else re.sub(r"\bmanchette", f"{name}_manchette", line)
        for line in text.splitlines()
    )


def _indent(text: str, spaces: int) -> str:
    return "\n".join((" " * spaces + x) if x else x for x in text.splitlines())


def nginx_config(prefix: Path, variants: list[str]) -> tuple[Path, dict[str, int]]:
    """The config, and each variant's port."""
    ports = {}
    http_parts, servers = [], []
    production = production_texts()
    for i, name in enumerate(variants):
        port = FIRST_VARIANT_PORT + i
        ports[name] = port
        http, locations = VARIANTS[name](production)
        http = http.replace(
            "/var/cache/nginx/manchette", str(prefix / f"cache-{name}")
        ).replace("server 127.0.0.1:8000;", f"server {HOST}:{UPSTREAM_PORT};")
        locations = locations.replace("/srv/manchette/var", str(prefix / "var"))
        http_parts.append(_indent(_renamed(http, name), 4))
        servers.append(
            f"    server {{\n        listen {HOST}:{port};\n        server_name _;\n"
            f"{_indent(_renamed(locations, name), 8)}\n    }}\n"
        )
    template = (REPO / "bench/nginx/foundation.conf.template").read_text()
    head = template.split("http {", 1)[0]
    http_head = template.split("http {", 1)[1].split("    # a. the ceiling", 1)[0]
    config = (
        head.replace("@LOAD_MODULES@", f"load_module {PURGE_MODULE};").replace(
            "@PREFIX@", str(prefix)
        )
        + "http {"
        + http_head.replace("@PREFIX@", str(prefix))
        + "    # every variant has its own maps\n    variables_hash_bucket_size 128;\n"
        + STATIC_SERVER.format(host=HOST, port=STATIC_PORT, www=prefix / "www")
        + "\n".join(http_parts)
        + "\n"
        + "\n".join(servers)
        + "}\n"
    )
    for sub in (
        "client_body", "proxy_temp", "fastcgi_temp", "uwsgi_temp", "scgi_temp", "logs"
    ):  # fmt: skip
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    path = prefix / "nginx.conf"
    path.write_text(config)
    return path, ports


# Measures ----------------------------------------------------------------------------------


def get(
    port: int, *, gzip_: bool = False, method: str = "GET"
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        headers = {"Accept-Encoding": "gzip"} if gzip_ else {}
        connection.request(method, "/article/", headers=headers)
        response = connection.getresponse()
        return (
            response.status,
            {k.lower(): v for k, v in response.getheaders()},
            response.read(),
        )
    finally:
        connection.close()


@dataclass
class Run:
    requests_per_second: float
    requests: int
    nginx_cpu: float  # seconds, both workers
    wrk_cpu: float

    @property
    def nginx_us(self) -> float:
        return 1e6 * self.nginx_cpu / self.requests

    @property
    def total_us(self) -> float:
        return 1e6 * (self.nginx_cpu + self.wrk_cpu) / self.requests


def cpu_seconds(pids: list[int]) -> float:
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def wrk(port: int, path: str, *, duration: int, gzip_: bool, workers: list[int]) -> Run:
    argv = ["wrk", "-t2", "-c32", f"-d{duration}s"]
    if gzip_:
        argv += ["-H", "Accept-Encoding: gzip"]
    argv.append(f"http://{HOST}:{port}{path}")
    nginx_before = cpu_seconds(workers)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    nginx_cpu = cpu_seconds(workers) - nginx_before
    if "Non-2xx" in output:
        raise SystemExit(f"non-2xx answers:\n{output}")
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    requests = re.search(r"(\d+) requests in", output)
    if not (rps and requests):
        raise SystemExit(f"could not read wrk's output:\n{output}")
    return Run(
        float(rps.group(1)),
        int(requests.group(1)),
        nginx_cpu,
        after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime,
    )


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(
        ["pgrep", "-P", str(master)], capture_output=True, text=True
    ).stdout
    return [
        int(pid)
        for pid in out.split()
        if b"worker process" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]


def syscalls_per_request(
    master: int, port: int, path: str, *, gzip_: bool
) -> dict[str, float]:
    """strace -c on every worker during a short wrk run, per request."""
    handle, name = tempfile.mkstemp(prefix="nginx-strace-")
    os.close(handle)
    output_file = Path(name)
    argv = ["strace", "-c", "-f", "-o", str(output_file)]
    for pid in worker_pids(master):
        argv += ["-p", str(pid)]
    tracer = subprocess.Popen(argv, stderr=subprocess.DEVNULL)
    time.sleep(1)
    wrk_argv = ["wrk", "-t1", "-c4", "-d3s"]
    if gzip_:
        wrk_argv += ["-H", "Accept-Encoding: gzip"]
    output = subprocess.run(
        [*wrk_argv, f"http://{HOST}:{port}{path}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    time.sleep(0.5)
    tracer.send_signal(signal.SIGINT)
    tracer.wait()
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    counts: dict[str, float] = {}
    for line in output_file.read_text().splitlines():
        cells = line.split()
        if len(cells) >= 5 and cells[3].isdigit():
            counts[cells[-1]] = int(cells[3]) / requests
    output_file.unlink()
    return counts


def check_variant(port: int, upstream: Upstream, *, gzip_: bool) -> str:
    get(port, gzip_=gzip_)
    status, headers, body = get(port, gzip_=gzip_)
    state = headers.get("x-cache-status", "(no X-Cache-Status)")
    expected = upstream.copies["gzip" if gzip_ else ""].body
    if status != 200 or body != expected:
        raise SystemExit(f"port {port} does not serve the page ({status})")
    missing = [
        name
        for name in ("content-security-policy", "x-frame-options", "cache-control")
        if name not in headers
    ]
    if missing:
        raise SystemExit(f"port {port} answers without {missing}")
    return state


CHECK_LUA = """
local marker = os.getenv("EXPECTED")
local expected_status = tonumber(os.getenv("EXPECTED_STATUS"))
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) stale = 0; seen = 0 end
function response(status, headers, body)
  seen = seen + 1
  if status ~= expected_status or not string.find(body, marker, 1, true) then stale = stale + 1 end
end
function done(summary, latency, requests)
  local s, n = 0, 0
  for _, t in ipairs(threads) do s = s + t:get("stale"); n = n + t:get("seen") end
  io.write(string.format("CHECKED %d STALE %d\\n", n, s))
end
"""


def _versioned(copies: dict[str, Copy], version: int) -> dict[str, Copy]:
    page = copies[""].body.replace(
        b"</body>", f"<!-- version {version} -->\n</body>".encode()
    )
    return {
        "": Copy(copies[""].headers, page),
        # stored, not compressed: wrk's check finds the version in the gzip copy too
        "gzip": Copy(copies["gzip"].headers, gzip.compress(page, 0)),
    }


def _wrk_read(port: int, *, gzip_: bool) -> None:
    """Both workers read the page (and, with open_file_cache, keep its file open)."""
    header = ["-H", "Accept-Encoding: gzip"] if gzip_ else []
    subprocess.run(
        ["wrk", "-t2", "-c32", "-d1s", *header, f"http://{HOST}:{port}/article/"],
        check=True,
        capture_output=True,
    )


def _wrk_check(
    port: int, script: Path, *, gzip_: bool, marker: str, status: int
) -> tuple[int, int]:
    """(answers, answers without `marker` or with another status) over 1 s, -c32."""
    header = ["-H", "Accept-Encoding: gzip"] if gzip_ else []
    out = subprocess.run(
        ["wrk", "-t2", "-c32", "-d1s", "-s", str(script), *header,
         f"http://{HOST}:{port}/article/"],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "EXPECTED": marker, "EXPECTED_STATUS": str(status)},
    ).stdout  # fmt: skip
    found = re.search(r"CHECKED (\d+) STALE (\d+)", out)
    if not found:
        raise SystemExit(f"wrk's check printed nothing:\n{out}")
    return int(found.group(1)), int(found.group(2))


def _old_files_held(workers: list[int], cache_dir: Path) -> int:
    """Cache files unlinked (by a purge) that the workers still hold open."""
    held = 0
    for pid in workers:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with suppress(FileNotFoundError):  # closed meanwhile
                target = str(fd.readlink())
                held += str(cache_dir) in target and target.endswith("(deleted)")
    return held


def check_purge(
    name: str,
    port: int,
    upstream: Upstream,
    prefix: Path,
    *,
    cycles: int,
    workers: list[int],
    skip_purge: bool,
    started: float,
) -> bool:
    """Unpublish once, then publish `cycles` times: each time the workers read the
    page first (so that, with open_file_cache, both hold its file open), the upstream
    changes, PURGE, one request per encoding refills (or, unpublished, gets the app's
    uncacheable 404), then wrk (-c32, both workers, 1 s per encoding) checks that every
    answer is the new one. The unpublication comes first, while the cache is still
    "cold" (nginx's cache loader starts 60 s after nginx)."""
    script = prefix / "check.lua"
    script.write_text(CHECK_LUA)
    original = upstream.copies
    cache_dir = prefix / f"cache-{name}"
    gone = Copy(
        [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "private")],
        b"<!-- unpublished -->",
        404,
    )
    steps: list[tuple[str, dict[str, Copy], str, int]] = [
        ("unpublication", {"": gone, "gzip": gone}, "<!-- unpublished -->", 404)
    ]
    steps += [
        (f"publication {v}", _versioned(original, v), f"<!-- version {v} -->", 200)
        for v in range(1, cycles + 1)
    ]
    ok = True
    for step, copies, marker, status in steps:
        upstream.copies = original
        for gzip_ in (False, True):
            get(port, gzip_=gzip_)
            _wrk_read(port, gzip_=gzip_)
        upstream.copies = copies
        purged = 200 if skip_purge else get(port, method="PURGE")[0]
        for gzip_ in (False, True):
            get(port, gzip_=gzip_)  # the refill
        held = _old_files_held(workers, cache_dir)
        for gzip_ in (False, True):
            checked, stale = _wrk_check(
                port, script, gzip_=gzip_, marker=marker, status=status
            )
            print(
                f"  {name} {step} {'gzip' if gzip_ else 'identity'}"
                f" ({time.monotonic() - started:.0f} s after start): PURGE {purged},"
                f" old files still open in the workers {held},"
                f" {checked} answers checked, {stale} not the new one",
                flush=True,
            )
            ok = ok and purged == 200 and checked > 0 and stale == 0
    upstream.copies = original
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--app", help="URL of a page of a running Manchette")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--gzip", action="store_true", help="Accept-Encoding: gzip")
    parser.add_argument(
        "--skip-purge",
        action="store_true",
        help="with --check-purge: publish without PURGE (the check must then fail)",
    )
    parser.add_argument(
        "--warm",
        action="store_true",
        help="with --check-purge: wait until nginx's cache loader has run (70 s)",
    )
    parser.add_argument("--strace", action="store_true")
    parser.add_argument(
        "--hold",
        type=int,
        default=0,
        metavar="SECONDS",
        help="only start everything and wait (to look at nginx with perf, strace…)",
    )
    parser.add_argument("--list", action="store_true")
    parser.add_argument(
        "--check-purge",
        type=int,
        metavar="N",
        default=0,
        help="instead of measuring, publish N times per variant and check every answer",
    )
    parser.add_argument("--keep", action="store_true", help="keep nginx's directory")
    args = parser.parse_args()
    if args.list:
        for name, function in VARIANTS.items():
            print(f"{name:<26} {' '.join((function.__doc__ or '').split())}")
        return
    if not args.app:
        parser.error("--app URL is needed (a page of a running Manchette)")
    variants = args.variants.split(",")
    unknown = set(variants) - set(VARIANTS)
    if unknown:
        parser.error(f"unknown variants: {sorted(unknown)} (see --list)")

    copies = capture(args.app)
    upstream = Upstream((HOST, UPSTREAM_PORT), UpstreamHandler)
    upstream.copies = copies
    threading.Thread(target=upstream.serve_forever, daemon=True).start()

    prefix = Path(tempfile.mkdtemp(prefix="nginx-variants-"))
    (prefix / "www").mkdir()
    (prefix / "var").mkdir()
    page = copies[""].body
    # as bench/foundation_serving.py: the file, and its gzip copy for gzip_static
    (prefix / "www" / "article.html").write_bytes(page)
    (prefix / "www" / "article.html.gz").write_bytes(gzip.compress(page, 6, mtime=0))
    conf, ports = nginx_config(prefix, variants)
    test = subprocess.run(
        ["nginx", "-t", "-p", str(prefix), "-c", str(conf)],
        capture_output=True,
        text=True,
    )
    if test.returncode != 0:
        raise SystemExit(f"nginx -t:\n{test.stderr}\n(config in {conf})")
    nginx = subprocess.Popen(
        ["nginx", "-p", str(prefix), "-c", str(conf)], start_new_session=True
    )
    started = time.monotonic()
    path = "/article/"
    try:
        time.sleep(1)
        print(
            f"page: {args.app} ({len(page):,} bytes, gzip {len(copies['gzip'].body):,});"
            f" {'Accept-Encoding: gzip' if args.gzip else 'identity'}; wrk -t2 -c32"
            f" -d{args.duration}s; nginx config {conf}",
            flush=True,
        )
        for name in variants:
            state = check_variant(ports[name], upstream, gzip_=args.gzip)
            print(f"  {name:<20} port {ports[name]}  second request: {state}")
        if args.hold:
            print(
                f"nginx master {nginx.pid}, workers {worker_pids(nginx.pid)}",
                flush=True,
            )
            time.sleep(args.hold)
            return
        if args.check_purge:
            if args.warm:
                for name in variants:
                    check_variant(ports[name], upstream, gzip_=True)
                time.sleep(max(0.0, 70 - (time.monotonic() - started)))
            results = {
                name: check_purge(
                    name,
                    ports[name],
                    upstream,
                    prefix,
                    cycles=args.check_purge,
                    workers=worker_pids(nginx.pid),
                    skip_purge=args.skip_purge,
                    started=started,
                )
                for name in variants
            }
            print(
                "\npurge check: "
                + ", ".join(
                    f"{k} {'ok' if v else 'FAILED'}" for k, v in results.items()
                )
            )
            return
        if args.strace:
            print("\nsystem calls per request (strace -c -f on the workers)")
            rows = {
                "static": syscalls_per_request(
                    nginx.pid, STATIC_PORT, STATIC_PATH, gzip_=args.gzip
                )
            }
            for name in variants:
                rows[name] = syscalls_per_request(
                    nginx.pid, ports[name], path, gzip_=args.gzip
                )
            for name, counts in rows.items():
                detail = ", ".join(
                    f"{k} {v:.2f}"
                    for k, v in sorted(counts.items(), key=lambda kv: -kv[1])
                    if k != "total" and v >= 0.01
                )
                print(f"  {name:<20} {counts.get('total', 0):5.2f}  ({detail})")
        workers = worker_pids(nginx.pid)
        runs: dict[str, list[tuple[Run, Run]]] = {name: [] for name in variants}
        wrk(STATIC_PORT, STATIC_PATH, duration=1, gzip_=args.gzip, workers=workers)
        print(
            "\n(req/s; nginx workers' CPU µs per request; nginx + wrk CPU µs per request)"
        )
        for round_ in range(1, args.rounds + 1):
            print(f"round {round_}")
            for name in variants:
                static = wrk(
                    STATIC_PORT,
                    STATIC_PATH,
                    duration=args.duration,
                    gzip_=args.gzip,
                    workers=workers,
                )
                cached = wrk(
                    ports[name],
                    path,
                    duration=args.duration,
                    gzip_=args.gzip,
                    workers=workers,
                )
                runs[name].append((static, cached))
                print(
                    f"  static {static.requests_per_second:>8,.0f} {static.nginx_us:5.1f}"
                    f" {static.total_us:5.1f}   {name:<18}"
                    f" {cached.requests_per_second:>8,.0f} {cached.nginx_us:5.1f}"
                    f" {cached.total_us:5.1f}"
                    f"   {100 * cached.requests_per_second / static.requests_per_second:5.1f} %",
                    flush=True,
                )
        print(
            "\nper variant, mean over the rounds: req/s ratio to the static run just"
            " before; nginx CPU per request, static / variant; nginx + wrk CPU, same"
        )
        for name, pairs in runs.items():
            n = len(pairs)
            rps = (
                sum(c.requests_per_second / s.requests_per_second for s, c in pairs) / n
            )
            cpu = sum(s.nginx_us / c.nginx_us for s, c in pairs) / n
            total = sum(s.total_us / c.total_us for s, c in pairs) / n
            print(
                f"  {name:<20} req/s {100 * rps:5.1f} %   nginx CPU {100 * cpu:5.1f} %"
                f"   nginx+wrk CPU {100 * total:5.1f} %"
            )
        print(f"(upstream requests: {upstream.hits})")
    finally:
        if nginx.poll() is None:
            nginx.send_signal(signal.SIGQUIT)
            try:
                nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                nginx.kill()
                nginx.wait()
        upstream.shutdown()
        if args.keep:
            print(f"kept {prefix}")
        else:
            shutil.rmtree(prefix, ignore_errors=True)


if __name__ == "__main__":
    main()
