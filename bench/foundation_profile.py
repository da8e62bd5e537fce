"""Where the time of an uncached page goes: one page rendered in-process, N times.

    .venv/bin/python bench/foundation_profile.py [--runs 20] [--path /] [--settings-extra FILE]

Also gives the CPU time of the same request when the shared cache is emptied before each
(cold: no part of the page kept). Works like bench/foundation_serving.py in a temporary
copy of the checkout with its own var/ (demo content loaded), page cache off. Prints the mean time per request, the SQL
queries, the cache operations by kind (with the file cache of `make run`, each one is a
file read or write), and cProfile's top functions by own time.

--settings-extra FILE appends FILE to the copy's config/settings.py, to measure a
proposed settings change without touching the real one.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

from foundation_serving import PYTHON, checkout_copy, manage, stack_environment

CHILD = r"""
import collections, cProfile, os, pstats, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from django.conf import settings
from django.core.cache import caches
from django.db import connection, reset_queries
from django.test import Client

path, runs = sys.argv[1], int(sys.argv[2])
operations = collections.Counter()
for backend in {type(caches[alias]) for alias in settings.CACHES}:
    for name in ("get", "set", "add", "get_many", "set_many", "delete", "incr"):
        original = getattr(backend, name)
        def spy(self, key, *a, _name=name, _original=original, _kind=backend.__name__, **k):
            label = str(key if not isinstance(key, (list, dict)) else next(iter(key), ""))
            operations[(_kind, _name, label.split(":")[0].split("-")[0][:30])] += 1
            return _original(self, key, *a, **k)
        setattr(backend, name, spy)

client = Client(HTTP_HOST="127.0.0.1")
for _ in range(3):
    assert client.get(path).status_code == 200
# Cold: the shared cache emptied before each request (nothing kept: the first
# reader after a publication that changed everything, or after a restart).
cold = []
for _ in range(runs):
    for alias in settings.CACHES:
        caches[alias].clear()
    started = time.process_time()
    client.get(path)
    cold.append(time.process_time() - started)
for _ in range(3):
    client.get(path)
operations.clear()
started, cpu_started = time.perf_counter(), time.process_time()
for _ in range(runs):
    client.get(path)
mean = (time.perf_counter() - started) / runs * 1000
cpu = (time.process_time() - cpu_started) / runs * 1000
print(f"{path}: {mean:.1f} ms per request, {cpu:.1f} ms of CPU (mean of {runs}, in-process, page cache off, parts kept)")
print(f"{path}: cold (shared cache emptied before each): {sum(cold) / runs * 1000:.1f} ms of CPU per request")
settings.DEBUG = True
reset_queries()
client.get(path)
settings.DEBUG = False
print(f"{len(connection.queries)} SQL queries")
print("cache operations per request:")
for (kind, name, key), n in operations.most_common(12):
    print(f"  {n / runs:6.1f}  {kind}.{name}({key}…)")
profile = cProfile.Profile()
profile.enable()
for _ in range(runs):
    client.get(path)
profile.disable()
pstats.Stats(profile).sort_stats("tottime").print_stats(20)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--path", action="append", help="default: the seed article and /"
    )
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--source", choices=("head", "worktree"), default="head")
    parser.add_argument("--settings-extra", type=Path)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="manchette-profile-"))
    try:
        src = tmp / "src"
        print(f"code: {checkout_copy(src, source=args.source)}", flush=True)
        (src / "var").mkdir(exist_ok=True)
        if args.settings_extra:
            with (src / "config/settings.py").open("a") as settings_file:
                settings_file.write("\n" + args.settings_extra.read_text())
        env = stack_environment(src, stack="sqlite")
        manage(src, env, "migrate", "--noinput", "-v0")
        manage(src, env, "collectstatic", "--noinput", "-v0")
        manage(src, env, "load_demo")
        seed = manage(
            src,
            env,
            "shell",
            "-c",
            "from manchette.newsroom.models import HomePage;"
            "print(HomePage.objects.live().first().specific.lead_article.url)",
        ).splitlines()[-1]
        (src / "profile_child.py").write_text(CHILD)
        for path in args.path or [seed, "/"]:
            subprocess.run(
                [PYTHON, "profile_child.py", path, str(args.runs)],
                cwd=src,
                env={**env, "MANCHETTE_PAGE_CACHE": "0"},
                check=True,
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
