"""Foundation benchmark: how fast readers get pages, side by side, in one run.

    .venv/bin/python bench/foundation_serving.py [--duration 10] [--stack sqlite|postgres]

Measures requests/s and p50/p99 latency with wrk (-t2 -c32, --latency) on loopback for

  a. nginx serving the seed article's HTML as a static file (the ceiling);
  b. a bare Django view returning that same HTML (bench/foundation_bare_django.py)
     under granian ASGI (what `make run` serves) and granian WSGI;
  c. the seed article and the home page as `make run` serves them (`manage.py serve`:
     granian ASGI, page cache fast path, task worker and scheduler), cached and
     uncached (MANCHETTE_PAGE_CACHE=0), and the uncached article with one client;
  d. the production configuration of docs/deploy.md: nginx with
     deploy/nginx/manchette-http.conf + manchette-locations.conf (proxy_cache, PURGE)
     in front of `manage.py serve --no-worker`, the task worker and the scheduler
     run apart; then shows that publishing purges nginx (and that without the purge
     nginx would keep the old page).

Everything runs from a copy of the checkout (`git archive HEAD`, or the working tree
with --source worktree) in a temporary directory, with its own var/ (SQLite database,
file cache, media, static files), so the developer's var/ is never touched. With
--stack postgres the Manchette processes use PostgreSQL database bench_h and Redis
database 14 instead (both recreated/flushed). Every process is started here and
stopped here; ports 8401-8409 on 127.0.0.1 only. A run takes about 3 minutes with
the default 10 s per measure.

Needs wrk and nginx (Debian: apt-get install -y nginx-light wrk
libnginx-mod-http-cache-purge).
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH_DIR = REPO / "bench"
PYTHON = str(REPO / ".venv" / "bin" / "python")
HOST = "127.0.0.1"
PORTS = {
    "static": 8401,
    "bare_asgi": 8402,
    "bare_wsgi": 8403,
    "make_run": 8404,
    "uncached": 8405,
    "upstream": 8406,
    "proxy": 8407,
}
PURGE_MODULE = Path("/usr/lib/nginx/modules/ngx_http_cache_purge_module.so")
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/bench_h"
REDIS_URL = "redis://127.0.0.1:6379/14"
# Settings the benchmark chooses itself; any value in the caller's environment is dropped.
OWN_VARIABLES = re.compile(r"^(DATABASE_URL|REDIS_URL|CONN_MAX_AGE|MANCHETTE_|DJANGO_)")


# Processes ---------------------------------------------------------------------------


@dataclass
class Service:
    name: str
    process: subprocess.Popen[bytes]


class Services:
    """Every process this run starts, each in its own process group, stopped by id."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.running: list[Service] = []

    def start(
        self, name: str, argv: list[str], *, cwd: Path, env: dict[str, str]
    ) -> Service:
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        service = Service(name, process)
        self.running.append(service)
        return service

    def stop(self, service: Service) -> None:
        if service.process.poll() is None:
            os.killpg(service.process.pid, signal.SIGTERM)
            try:
                service.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(service.process.pid, signal.SIGKILL)
                service.process.wait()
        else:
            # the leader is gone; its group may not be
            with suppress(ProcessLookupError):
                os.killpg(service.process.pid, signal.SIGKILL)
        if service in self.running:
            self.running.remove(service)

    def stop_all(self) -> None:
        for service in reversed(list(self.running)):
            self.stop(service)

    @contextmanager
    def running_during(
        self, name: str, argv: list[str], *, cwd: Path, env: dict[str, str]
    ) -> Iterator[Service]:
        service = self.start(name, argv, cwd=cwd, env=env)
        try:
            yield service
        finally:
            self.stop(service)


# HTTP ----------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def text(self) -> str:
        body = self.body
        if self.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        return body.decode("utf-8", "replace")


def http_get(
    port: int, path: str, *, headers: dict[str, str] | None = None, method: str = "GET"
) -> Answer:
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return Answer(
            response.status,
            {k.lower(): v for k, v in response.getheaders()},
            response.read(),
        )
    finally:
        connection.close()


def wait_until_serving(port: int, path: str = "/", *, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if http_get(port, path).status < 500:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"nothing serves {path} on port {port} after {timeout} s")
        time.sleep(0.3)


def port_is_free(port: int) -> bool:
    try:
        http_get(port, "/")
    except OSError:
        return True
    return False


# wrk -----------------------------------------------------------------------------------


@dataclass
class Measure:
    key: str
    label: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    requests: int
    bad_responses: int
    socket_errors: int
    connections: int
    command: str


def _milliseconds(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(
    key: str,
    label: str,
    url: str,
    *,
    duration: int,
    connections: int = 32,
    threads: int = 2,
    headers: tuple[str, ...] = (),
) -> Measure:
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    for header in headers:
        argv += ["-H", header]
    argv.append(url)
    output = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    latency = {
        percent: _milliseconds(value, unit)
        for percent, value, unit in re.findall(
            r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M
        )
    }
    mean = re.search(r"^\s+Latency\s+([\d.]+)(us|ms|s)", output, re.M)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    requests = re.search(r"(\d+) requests in", output)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not (rps and requests and mean and latency):
        raise SystemExit(f"could not read wrk's output:\n{output}")
    measure = Measure(
        key=key,
        label=label,
        requests_per_second=float(rps.group(1)),
        p50_ms=latency["50"],
        p99_ms=latency["99"],
        mean_ms=_milliseconds(mean.group(1), mean.group(2)),
        requests=int(requests.group(1)),
        bad_responses=int(bad.group(1)) if bad else 0,
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
        connections=connections,
        command=" ".join(a if " " not in a else f"'{a}'" for a in argv),
    )
    print(
        f"  {label:<58} {measure.requests_per_second:>9,.0f} req/s"
        f"  p50 {measure.p50_ms:7.2f} ms  p99 {measure.p99_ms:7.2f} ms"
        + (f"  ({measure.bad_responses} bad)" if measure.bad_responses else ""),
        flush=True,
    )
    return measure


def warm_up(url: str, *, seconds: int, headers: tuple[str, ...] = ()) -> None:
    """Both workers import, compile templates and fill their caches before measuring,
    with the measure's headers: the gzip copy of a page is another cache entry (in
    nginx, its first request holds the others behind proxy_cache_lock, which looks
    again every 500 ms)."""
    if seconds > 0:
        argv = ["wrk", "-t2", "-c8", f"-d{seconds}s"]
        for header in headers:
            argv += ["-H", header]
        subprocess.run([*argv, url], check=True, capture_output=True)


# The checkout copy -----------------------------------------------------------------------


def checkout_copy(target: Path, *, source: str) -> str:
    if source == "head":
        commit = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        target.mkdir()
        archive = subprocess.Popen(
            ["git", "-C", str(REPO), "archive", "HEAD"], stdout=subprocess.PIPE
        )
        subprocess.run(
            ["tar", "-x", "-C", str(target)], stdin=archive.stdout, check=True
        )
        if archive.wait() != 0:
            raise SystemExit("git archive failed")
        return f"commit {commit}"
    shutil.copytree(
        REPO,
        target,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "node_modules", "var", "__pycache__", "*.egg-info"
        ),
    )
    return "working tree"


def stack_environment(workdir: Path, *, stack: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not OWN_VARIABLES.match(k)}
    env.update(
        PYTHONDONTWRITEBYTECODE="1",
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_LOG_LEVEL="ERROR",
    )
    if stack == "postgres":
        env.update(DATABASE_URL=POSTGRES_URL, REDIS_URL=REDIS_URL)
    return env


def stack_reset(*, stack: str) -> None:
    if stack != "postgres":
        return
    import psycopg
    import redis

    with psycopg.connect(
        "postgres://postgres@127.0.0.1:5432/postgres", autocommit=True
    ) as connection:
        connection.execute("DROP DATABASE IF EXISTS bench_h WITH (FORCE)")
        connection.execute("CREATE DATABASE bench_h")
    redis.Redis.from_url(REDIS_URL).flushdb()


def manage(src: Path, env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=src,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(
            f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout


SEED_QUERY = """
import json
from manchette.newsroom.models import HomePage
seed = HomePage.objects.live().first().specific.lead_article
print("SEED=" + json.dumps({"pk": seed.pk, "url": seed.url, "title": seed.title}))
"""

PUBLISH_EDIT = """
from manchette.newsroom.models import ArticlePage
article = ArticlePage.objects.get(pk={pk})
article.title = {title!r}
article.save_revision().publish()
print("PUBLISHED")
"""


def seed_article(src: Path, env: dict[str, str]) -> dict[str, object]:
    output = manage(src, env, "shell", "-c", SEED_QUERY)
    line = next(x for x in output.splitlines() if x.startswith("SEED="))
    return json.loads(line.removeprefix("SEED="))


# Machine ---------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    versions = {
        "nginx": subprocess.run(
            ["nginx", "-v"], capture_output=True, text=True
        ).stderr.strip(),
        "wrk": subprocess.run(["wrk", "-v"], capture_output=True, text=True)
        .stdout.splitlines()[0]
        .strip(),
        "granian": subprocess.run(
            [PYTHON, "-m", "granian", "--version"], capture_output=True, text=True
        ).stdout.strip(),
    }
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "memory": f"{mem_kib / 1024 / 1024:.1f} GiB",
        "kernel": platform.release(),
        "python": platform.python_version(),
        **versions,
    }


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# The run ---------------------------------------------------------------------------------


def nginx_config(prefix: Path, var_dir: Path) -> Path:
    http_part = (REPO / "deploy/nginx/manchette-http.conf").read_text()
    http_part = http_part.replace(
        "/var/cache/nginx/manchette", str(prefix / "proxy_cache")
    ).replace("server 127.0.0.1:8000;", f"server {HOST}:{PORTS['upstream']};")
    locations = (REPO / "deploy/nginx/manchette-locations.conf").read_text()
    locations = locations.replace("/srv/manchette/var", str(var_dir))
    template = (BENCH_DIR / "nginx/foundation.conf.template").read_text()
    config = (
        template.replace("@LOAD_MODULES@", f"load_module {PURGE_MODULE};")
        .replace("@PREFIX@", str(prefix))
        .replace("@STATIC_PORT@", str(PORTS["static"]))
        .replace("@PROXY_PORT@", str(PORTS["proxy"]))
        .replace("@MANCHETTE_HTTP@", _indent(http_part, 4))
        .replace("@MANCHETTE_LOCATIONS@", _indent(locations, 8))
    )
    for sub in ("client_body", "proxy_temp", "fastcgi_temp", "uwsgi_temp", "scgi_temp"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    path = prefix / "nginx.conf"
    path.write_text(config)
    return path


def _indent(text: str, spaces: int) -> str:
    return "\n".join(
        (" " * spaces + line) if line else line for line in text.splitlines()
    )


def granian_argv(target: str, *, interface: str, port: int) -> list[str]:
    """The same flags as `manage.py serve` (manchette/core/management/commands/serve.py)."""
    return [
        PYTHON, "-m", "granian", "--interface", interface,
        "--host", HOST, "--port", str(port), "--workers", "2",
        "--backlog", "2048", "--no-access-log", target,
    ]  # fmt: skip


def run(args: argparse.Namespace) -> dict[str, object]:
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None:
            raise SystemExit(
                f"{tool} is missing: apt-get install -y nginx-light wrk libnginx-mod-http-cache-purge"
            )
    if not PURGE_MODULE.exists():
        raise SystemExit(
            "nginx's cache purge module is missing: apt-get install -y libnginx-mod-http-cache-purge"
        )
    busy = [p for p in PORTS.values() if not port_is_free(p)]
    if busy:
        raise SystemExit(f"ports already in use: {busy}")

    d = args.duration
    tmp = Path(tempfile.mkdtemp(prefix="manchette-bench-"))
    logs = tmp / "logs"
    logs.mkdir()
    services = Services(logs)
    results: list[Measure] = []
    checks: dict[str, object] = {}
    info: dict[str, object] = {"machine": machine(), "load_before": load_average()}
    print(f"workspace {tmp} (logs in {logs})", flush=True)
    try:
        # Setup: the copy, its database and demo content ---------------------------------
        src = tmp / "src"
        info["code"] = checkout_copy(src, source=args.source)
        var_dir = src / "var"
        var_dir.mkdir(exist_ok=True)
        env = stack_environment(src, stack=args.stack)
        stack_reset(stack=args.stack)
        print("setup: migrate, collectstatic, load_demo…", flush=True)
        manage(src, env, "migrate", "--noinput", "-v0")
        manage(src, env, "collectstatic", "--noinput", "-v0")
        manage(src, env, "load_demo")
        seed = seed_article(src, env)
        article, home = str(seed["url"]), "/"
        info["stack"] = (
            "PostgreSQL (bench_h) + Redis (db 14)"
            if args.stack == "postgres"
            else "SQLite + file cache in var/ (the make run defaults)"
        )
        info["article"] = article

        # a. nginx static ------------------------------------------------------------------
        www = tmp / "nginx" / "www"
        www.mkdir(parents=True)
        with services.running_during(
            "render", [PYTHON, "manage.py", "serve", "--no-worker", "--port",
                       str(PORTS["uncached"])],
            cwd=src, env={**env, "MANCHETTE_PAGE_CACHE": "0"},
        ):  # fmt: skip
            wait_until_serving(PORTS["uncached"], article)
            page = http_get(PORTS["uncached"], article)
            if page.status != 200:
                raise SystemExit(f"the seed article answers {page.status}")
        (www / "article.html").write_bytes(page.body)
        (www / "article.html.gz").write_bytes(gzip.compress(page.body, 6, mtime=0))
        info["article_bytes"] = len(page.body)
        info["article_gzip_bytes"] = len(gzip.compress(page.body, 6))
        conf = nginx_config(tmp / "nginx", var_dir)
        nginx = services.start(
            "nginx",
            ["nginx", "-p", str(tmp / "nginx"), "-c", str(conf)],
            cwd=tmp,
            env=env,
        )
        wait_until_serving(PORTS["static"])
        print(f"\na. nginx static ({len(page.body):,} bytes of HTML)", flush=True)
        url = f"http://{HOST}:{PORTS['static']}/article.html"
        warm_up(url, seconds=1)
        results.append(wrk("a", "nginx, static file", url, duration=d))
        results.append(
            wrk(
                "a_gzip",
                "nginx, static file, Accept-Encoding: gzip (precompressed)",
                url,
                duration=d,
                headers=("Accept-Encoding: gzip",),
            )
        )

        # b. bare Django ---------------------------------------------------------------------
        print("\nb. bare Django view returning the same HTML", flush=True)
        bare_env = {**env, "BARE_PAGE": str(www / "article.html")}
        for key, interface, port in (
            ("b_asgi", "asgi", PORTS["bare_asgi"]),
            ("b_wsgi", "wsgi", PORTS["bare_wsgi"]),
        ):
            argv = granian_argv(
                f"foundation_bare_django:{interface}_application",
                interface=interface,
                port=port,
            )
            with services.running_during(
                f"bare-{interface}", argv, cwd=BENCH_DIR, env=bare_env
            ):
                wait_until_serving(port)
                url = f"http://{HOST}:{port}/"
                warm_up(url, seconds=args.warmup)
                results.append(
                    wrk(
                        key,
                        f"bare Django, granian {interface.upper()} (2 workers)",
                        url,
                        duration=d,
                    )
                )

        # c. make run ------------------------------------------------------------------------
        print("\nc. Manchette as `make run` serves it (manage.py serve)", flush=True)
        port = PORTS["make_run"]
        bare_argv = granian_argv(
            "foundation_bare_django:asgi_application",
            interface="asgi",
            port=PORTS["bare_asgi"],
        )
        # The machine is shared: the ratio of the targets is taken between measures made
        # one right after the other (the bare view again, then the cached article).
        with (
            services.running_during(
                "make-run",
                [PYTHON, "manage.py", "serve", "--port", str(port)],
                cwd=src,
                env=env,
            ),
            services.running_during(
                "bare-asgi-again", bare_argv, cwd=BENCH_DIR, env=bare_env
            ),
        ):
            wait_until_serving(port, article)
            wait_until_serving(PORTS["bare_asgi"])
            for path in (article, home):
                http_get(port, path)
                state = http_get(port, path).headers.get("x-cache")
                checks[f"make_run_cache_state {path}"] = state
                if state != "HIT":
                    print(
                        f"  warning: {path} answers X-Cache {state!r}, not HIT",
                        flush=True,
                    )
            for key, label, url, headers in (
                (
                    "b_asgi_next",
                    "bare Django, granian ASGI, again (next measure compares)",
                    f"http://{HOST}:{PORTS['bare_asgi']}/",
                    (),
                ),
                (
                    "c_article_cached",
                    "make run, article, cached",
                    f"http://{HOST}:{port}{article}",
                    (),
                ),
                (
                    "c_home_cached",
                    "make run, home, cached",
                    f"http://{HOST}:{port}{home}",
                    (),
                ),
                (
                    "c_article_cached_gzip",
                    "make run, article, cached, Accept-Encoding: gzip",
                    f"http://{HOST}:{port}{article}",
                    ("Accept-Encoding: gzip",),
                ),
            ):
                warm_up(url, seconds=args.warmup, headers=headers)
                results.append(wrk(key, label, url, duration=d, headers=headers))

        port = PORTS["uncached"]
        with services.running_during(
            "make-run-uncached",
            [PYTHON, "manage.py", "serve", "--port", str(port)],
            cwd=src,
            env={**env, "MANCHETTE_PAGE_CACHE": "0"},
        ):
            wait_until_serving(port, article)
            checks["uncached_x_cache"] = http_get(port, article).headers.get("x-cache")
            for key, label, path, connections, threads in (
                ("c_article_uncached", "make run, article, page cache off", article, 32, 2),
                ("c_home_uncached", "make run, home, page cache off", home, 32, 2),
                ("c_article_uncached_1", "make run, article, page cache off, 1 client", article, 1, 1),
            ):  # fmt: skip
                url = f"http://{HOST}:{port}{path}"
                warm_up(url, seconds=args.warmup)
                results.append(
                    wrk(
                        key,
                        label,
                        url,
                        duration=d,
                        connections=connections,
                        threads=threads,
                    )
                )

        # d. production ----------------------------------------------------------------------
        print(
            "\nd. production (docs/deploy.md): nginx proxy_cache + granian", flush=True
        )
        proxy = PORTS["proxy"]
        prod_env = {
            **env,
            "MANCHETTE_FRONTEND_CACHE_URL": f"http://{HOST}:{proxy}",
            "MANCHETTE_SITE_URL": f"http://{HOST}:{proxy}",
            "MANCHETTE_TRUSTED_PROXIES": HOST,
        }
        services.start(
            "prod-pages",
            [
                PYTHON,
                "manage.py",
                "serve",
                "--no-worker",
                "--port",
                str(PORTS["upstream"]),
            ],
            cwd=src,
            env=prod_env,
        )
        services.start(
            "prod-tasks",
            [PYTHON, "manage.py", "db_worker", "--queue-name", "*", "--interval", "0.5"]
            if args.stack != "postgres"
            else [PYTHON, "manage.py", "db_worker", "--queue-name", "*"],
            cwd=src,
            env=prod_env,
        )
        services.start(
            "prod-scheduler",
            [PYTHON, "manage.py", "run_scheduler"],
            cwd=src,
            env=prod_env,
        )
        wait_until_serving(PORTS["upstream"], article)
        wait_until_serving(proxy, article)
        for path in (article, home):
            http_get(proxy, path)
            checks[f"nginx_cache_state {path}"] = http_get(proxy, path).headers.get(
                "x-cache-status"
            )
        static = f"http://{HOST}:{PORTS['static']}/article.html"
        gzip_header = ("Accept-Encoding: gzip",)
        for key, label, url, headers in (
            ("a_next", "nginx, static file, again (next measure compares)", static, ()),
            ("d_article", "production, article (nginx cache)", f"http://{HOST}:{proxy}{article}", ()),
            ("a_gzip_next", "nginx, static file, gzip, again (next measure compares)", static, gzip_header),
            ("d_article_gzip", "production, article, Accept-Encoding: gzip", f"http://{HOST}:{proxy}{article}", gzip_header),
            ("d_home", "production, home (nginx cache)", f"http://{HOST}:{proxy}{home}", ()),
        ):  # fmt: skip
            warm_up(url, seconds=1, headers=headers)
            results.append(wrk(key, label, url, duration=d, headers=headers))

        checks["purge"] = purge_demonstration(src, env, prod_env, seed)
        if args.purge_checks > 1:
            checks["purge_failures"] = purge_repeated(
                src, prod_env, seed, times=args.purge_checks - 1
            )
        if nginx.process.poll() is not None:
            raise SystemExit("nginx stopped during the run; see its log")
    finally:
        services.stop_all()
        info["load_after"] = load_average()
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return {"info": info, "checks": checks, "results": [asdict(m) for m in results]}


def purge_demonstration(
    src: Path, env: dict[str, str], prod_env: dict[str, str], seed: dict[str, object]
) -> dict[str, object]:
    """Publish an edit without the purge (nginx keeps the old page), then with it
    (the next request gets the new page)."""
    proxy, article = PORTS["proxy"], str(seed["url"])
    steps: dict[str, object] = {}
    print("\npurge on publish", flush=True)

    def publish(title: str, environment: dict[str, str]) -> float:
        started = time.monotonic()
        manage(
            src,
            environment,
            "shell",
            "-c",
            PUBLISH_EDIT.format(pk=seed["pk"], title=title),
        )
        return time.monotonic() - started

    def look(step: str, title: str) -> Answer:
        answer = http_get(proxy, article)
        steps[step] = {
            "x_cache_status": answer.headers.get("x-cache-status"),
            "shows_new_title": title in answer.text(),
        }
        print(f"  {step}: {steps[step]}", flush=True)
        return answer

    http_get(proxy, article)
    look("before", str(seed["title"]))
    unpurged = f"{seed['title']} (sans purge {secrets.token_hex(3)})"
    publish(unpurged, env)  # MANCHETTE_FRONTEND_CACHE_URL unset: no PURGE sent
    look("published, no purge configured", unpurged)
    purged = f"{seed['title']} (avec purge {secrets.token_hex(3)})"
    steps["publish_seconds"] = round(publish(purged, prod_env), 2)
    # Wagtail sends the PURGE from a background task: wait for it (5 s at most).
    started = time.monotonic()
    while (
        purged not in http_get(proxy, article).text() and time.monotonic() - started < 5
    ):
        time.sleep(0.05)
    steps["purge_seen_after_seconds"] = round(time.monotonic() - started, 2)
    look("published, purge configured: next request", purged)
    look("published, purge configured: request after", purged)
    return steps


def purge_repeated(
    src: Path, prod_env: dict[str, str], seed: dict[str, object], *, times: int
) -> list[dict[str, object]]:
    """Publish with the purge `times` more times; each time the next request must be
    the new page. Returns the failures, with what the publishing process logged."""
    proxy, article = PORTS["proxy"], str(seed["url"])
    failures: list[dict[str, object]] = []
    delays: list[float] = []
    for n in range(times):
        http_get(proxy, article)  # nginx has the page
        title = f"{seed['title']} (purge {n} {secrets.token_hex(3)})"
        published = subprocess.run(
            [PYTHON, "manage.py", "shell", "-c", PUBLISH_EDIT.format(pk=seed["pk"], title=title)],
            cwd=src, env=prod_env, capture_output=True, text=True,
        )  # fmt: skip
        # Wagtail sends the PURGE from a background task (the task worker polls its
        # queue): the new page is due within a second or two, not at once.
        started = time.monotonic()
        answer = http_get(proxy, article)
        while title not in answer.text() and time.monotonic() - started < 5:
            time.sleep(0.05)
            answer = http_get(proxy, article)
        if published.returncode != 0 or title not in answer.text():
            failures.append(
                {
                    "n": n,
                    "x_cache_status": answer.headers.get("x-cache-status"),
                    "publish_log": published.stderr[-3000:],
                }
            )
        else:
            delays.append(time.monotonic() - started)
    print(
        f"purge checked {times} more times: {len(failures)} not seen within 5 s;"
        f" the new page seen {max(delays, default=0):.2f} s at most after publishing",
        flush=True,
    )
    for failure in failures:
        print(f"  failed: {failure}", flush=True)
    return failures


# Report ------------------------------------------------------------------------------------


def report(data: dict[str, object]) -> str:
    results = {m["key"]: m for m in data["results"]}  # type: ignore[index,union-attr]
    info = data["info"]  # type: ignore[assignment]
    lines = [
        "| what | req/s | p50 | p99 | errors | % of nginx static |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    ceiling = results["a"]["requests_per_second"]
    for m in results.values():
        share = 100 * m["requests_per_second"] / ceiling
        bad = f" ({m['bad_responses']} non-2xx!)" if m["bad_responses"] else ""
        errors = m["socket_errors"] or ""
        lines.append(
            f"| {m['label']}{bad} | {m['requests_per_second']:,.0f} | {m['p50_ms']:.2f} ms "
            f"| {m['p99_ms']:.2f} ms | {errors} | {share:.0f} % |"
        )

    def ratio(a: str, b: str) -> float:
        return results[a]["requests_per_second"] / results[b]["requests_per_second"]

    one = results["c_article_uncached_1"]
    targets = [
        ("production article ≥ 80 % of nginx static", ratio("d_article", "a_next") >= 0.8,
         f"{100 * ratio('d_article', 'a_next'):.0f} %"),
        ("same, both with Accept-Encoding: gzip", ratio("d_article_gzip", "a_gzip_next") >= 0.8,
         f"{100 * ratio('d_article_gzip', 'a_gzip_next'):.0f} %"),
        ("make run cached article ≥ 70 % of bare Django (granian ASGI, same server)",
         ratio("c_article_cached", "b_asgi_next") >= 0.7,
         f"{100 * ratio('c_article_cached', 'b_asgi_next'):.0f} %"),
        ("make run cached article ≥ 70 % of bare Django (granian WSGI)",
         ratio("c_article_cached", "b_wsgi") >= 0.7,
         f"{100 * ratio('c_article_cached', 'b_wsgi'):.0f} %"),
        ("uncached article < 15 ms with one client (mean; p50 / p99)",
         one["mean_ms"] < 15,
         f"{one['mean_ms']:.1f} ms ({one['p50_ms']:.1f} / {one['p99_ms']:.1f})"),
    ]  # fmt: skip
    lines += ["", "| target | result | met |", "| --- | --- | --- |"]
    lines += [
        f"| {t} | {value} | {'yes' if ok else 'NO'} |" for t, ok, value in targets
    ]
    lines += [
        "",
        f"Machine: {json.dumps(info)}",
        f"Checks: {json.dumps(data['checks'])}",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per measure")
    parser.add_argument("--warmup", type=int, default=2, help="seconds before each")
    parser.add_argument("--source", choices=("head", "worktree"), default="head")
    parser.add_argument("--stack", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary directory"
    )
    parser.add_argument(
        "--purge-checks",
        type=int,
        default=1,
        help="publish with the purge this many times, each checked (default 1)",
    )
    args = parser.parse_args()
    if not 1 <= args.duration <= 60:
        parser.error("--duration: 1 to 60 seconds")
    data = run(args)
    if args.json:
        args.json.write_text(json.dumps(data, indent=2, ensure_ascii=False))
    print("\n" + report(data))


if __name__ == "__main__":
    sys.exit(main())
