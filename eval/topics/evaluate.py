# ruff: noqa: T201 - a report printed for a person is this script's output
"""Precision and recall of Manchette's topic suggestions on a labelled French set,
and the speed and memory of a suggestion.

    .venv/bin/python eval/topics/evaluate.py [--verbose]

texts.json: short news texts written for this evaluation, each with the known topics
(from topics.json) an editor would tag, and the new people, places and organisations
it names. No database: the known topics come from topics.json.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from manchette.topics.matching import TopicEntry, fold_phrase  # noqa: E402
from manchette.topics.suggesting import (  # noqa: E402
    language_model,
    suggestions_for_text,
)

ARTICLE_WORDS = 1000
RUNS = 7


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def scores(true_positives: int, predicted: int, expected: int) -> tuple[float, float]:
    precision = true_positives / predicted if predicted else 1.0
    recall = true_positives / expected if expected else 1.0
    return precision, recall


def main() -> None:
    verbose = "--verbose" in sys.argv
    catalogue = json.loads((HERE / "topics.json").read_text())
    texts = json.loads((HERE / "texts.json").read_text())
    entries = [
        TopicEntry(i, t["name"], tuple(t["aliases"]))
        for i, t in enumerate(catalogue, 1)
    ]
    kinds = {i: t["kind"] for i, t in enumerate(catalogue, 1)}

    before = rss_mb()
    started = time.perf_counter()
    language_model()
    load_seconds = time.perf_counter() - started
    model_mb = rss_mb() - before

    known_tp = known_pred = known_exp = 0
    new_tp = new_pred = new_exp = 0
    for number, item in enumerate(texts, 1):
        found = suggestions_for_text(item["text"], entries=entries, kinds=kinds)
        known = {f.name for f in found if f.known}
        new = {" ".join(fold_phrase(f.name)) for f in found if not f.known}
        expected_known = set(item["known"])
        expected_new = {" ".join(fold_phrase(n)) for n in item["new"]}
        known_tp += len(known & expected_known)
        known_pred += len(known)
        known_exp += len(expected_known)
        new_tp += len(new & expected_new)
        new_pred += len(new)
        new_exp += len(expected_new)
        if verbose and (known != expected_known or new != expected_new):
            print(
                f"#{number}: known +{sorted(known - expected_known)} -{sorted(expected_known - known)}"
            )
            print(
                f"     new   +{sorted(new - expected_new)} -{sorted(expected_new - new)}"
            )

    article = []
    while len(" ".join(article).split()) < ARTICLE_WORDS:
        article.extend(item["text"] for item in texts)
    text = " ".join(" ".join(article).split()[:ARTICLE_WORDS])
    suggestions_for_text(text, entries=entries, kinds=kinds)  # warm
    timings, cpu, known_only = [], [], []
    for _ in range(RUNS):
        started, cpu_started = time.perf_counter(), time.process_time()
        suggestions_for_text(text, entries=entries, kinds=kinds)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        started = time.perf_counter()
        suggestions_for_text(
            text, entries=entries, kinds=kinds, with_new_entities=False
        )
        known_only.append((time.perf_counter() - started) * 1000)

    kp, kr = scores(known_tp, known_pred, known_exp)
    np_, nr = scores(new_tp, new_pred, new_exp)
    print(f"texts: {len(texts)}, known topics in the catalogue: {len(catalogue)}")
    print(
        f"known topics: precision {kp:.3f}, recall {kr:.3f} ({known_tp} right of {known_pred} suggested, {known_exp} expected)"
    )
    print(
        f"new entities: precision {np_:.3f}, recall {nr:.3f} ({new_tp} right of {new_pred} suggested, {new_exp} expected)"
    )
    print(
        f"suggestion for a {ARTICLE_WORDS}-word article: median {statistics.median(timings):.0f} ms, max {max(timings):.0f} ms ({RUNS} runs, model loaded)"
    )
    print(
        f"  CPU time of the process: median {statistics.median(cpu):.0f} ms "
        "(what an idle core would take)"
    )
    print(
        f"  of which known topics only: median {statistics.median(known_only):.1f} ms"
    )
    print(
        f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(f"model: {load_seconds:.1f} s to load, {model_mb:.0f} MB resident")


if __name__ == "__main__":
    main()
