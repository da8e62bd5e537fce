"""Scheduled publishing that no operator can forget.

Three things keep it going: the scheduler loop that `make run` starts (and that
`manage.py run_scheduler` runs in production), a heartbeat the admin shows, and a check
on every uncached page request: when the next due time has passed, the request itself
publishes what is due before it is served. So an article whose time has come is online
at its first read, even with the scheduler down.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.core.cache import cache
from django.core.management import call_command
from django.db.models import Min
from django.utils import timezone

from manchette.core.pagecache import SCHEDULE_DUE_KEY, generation_bump

logger = logging.getLogger("manchette.scheduler")
RUN_LOCK_KEY = "scheduler:publish-lock"
NOTHING_DUE = 4102444800.0  # 2100-01-01: far enough to mean "nothing scheduled"
PUBLISH_JOB = "publication programmée"


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every_seconds: int
    run: Callable[[], object]


_jobs: dict[str, PeriodicJob] = {}


def periodic_job_register(
    *, name: str, every_seconds: int, run: Callable[[], object]
) -> None:
    """Apps register their periodic work here from AppConfig.ready() (a digest to
    compose, expired sign-ups to delete); the scheduler loop runs each on time."""
    _jobs[name] = PeriodicJob(name=name, every_seconds=every_seconds, run=run)


def periodic_jobs() -> list[PeriodicJob]:
    return list(_jobs.values())


def schedule_next_due() -> float:
    """The earliest moment anything is to go live or to expire."""
    from wagtail.models import DraftStateMixin, Page, Revision

    candidates = [
        Revision.objects.filter(approved_go_live_at__isnull=False).aggregate(
            t=Min("approved_go_live_at")
        )["t"],
        Page.objects.filter(live=True, expire_at__isnull=False).aggregate(
            t=Min("expire_at")
        )["t"],
    ]
    for model in apps.get_models():
        if issubclass(model, DraftStateMixin) and not issubclass(model, Page):
            candidates.append(
                model._default_manager.filter(
                    live=True, expire_at__isnull=False
                ).aggregate(t=Min("expire_at"))["t"]
            )
    times = [c.timestamp() for c in candidates if c is not None]
    return min(times, default=NOTHING_DUE)


def schedule_refresh() -> float:
    due = schedule_next_due()
    cache.set(SCHEDULE_DUE_KEY, due, timeout=None)
    generation_bump()  # pages validated against the old due time are checked again
    return due


def scheduled_publish_due() -> None:
    """Publish and expire whatever is due now (Wagtail's own command, so that revisions,
    logs and signals are exactly those of an editor's publication)."""
    call_command("publish_scheduled", stdout=io.StringIO())
    schedule_refresh()


def schedule_publish_if_due() -> None:
    due = cache.get(SCHEDULE_DUE_KEY)
    if due is not None and due > time.time():
        return
    if not cache.add(RUN_LOCK_KEY, 1, timeout=30):
        return  # another request or the scheduler is on it
    try:
        if due is None:
            due = schedule_refresh()
        if due <= time.time():
            scheduled_publish_due()
    finally:
        cache.delete(RUN_LOCK_KEY)


def heartbeat_record(*, name: str, error: str = "") -> None:
    from manchette.core.models import SchedulerHeartbeat

    SchedulerHeartbeat.objects.update_or_create(
        name=name, defaults={"last_run_at": timezone.now(), "last_error": error[:2000]}
    )


def scheduler_tick(*, last_runs: dict[str, float], now: float | None = None) -> None:
    """One pass of the scheduler loop: publication always, other jobs when due."""
    now = time.monotonic() if now is None else now
    jobs = [PeriodicJob(PUBLISH_JOB, 0, scheduled_publish_due), *periodic_jobs()]
    for job in jobs:
        if now - last_runs.get(job.name, -1e12) < job.every_seconds:
            continue
        last_runs[job.name] = now
        try:
            job.run()
        except Exception as exc:  # one failing job must not stop the others
            logger.exception("periodic job %s failed", job.name)
            heartbeat_record(name=job.name, error=repr(exc))
        else:
            heartbeat_record(name=job.name)
