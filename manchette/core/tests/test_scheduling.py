"""Scheduled publishing needs no cron: the scheduler loop publishes on time, and the
first read publishes anything whose time has come even when no scheduler runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from manchette.core.models import SchedulerHeartbeat
from manchette.core.scheduling import periodic_job_register, scheduler_tick
from manchette.newsroom.models import ArticlePage
from manchette.newsroom.tests.factories import make_article

pytestmark = pytest.mark.django_db


def _schedule(section, title, when):
    article = make_article(section, title=title, publish=False)
    article.go_live_at = when
    article.save_revision().publish()
    article.refresh_from_db()
    assert not article.live  # scheduled, not yet online
    return article


def test_an_article_whose_time_has_come_is_published_at_its_first_read(
    client, site_tree
):
    section = site_tree.sections["politique"]
    make_article(section, title="Déjà en ligne")
    article = _schedule(
        section, "Embargo levé à midi", timezone.now() + timedelta(hours=1)
    )
    assert client.get(article.url).status_code == 404
    assert "Embargo levé à midi" not in client.get("/").content.decode()
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        response = client.get(article.url)
        assert response.status_code == 200
        assert "Embargo levé à midi" in client.get("/").content.decode()
    assert ArticlePage.objects.get(pk=article.pk).live


def test_a_cached_front_page_does_not_hide_a_newly_due_article(client, site_tree):
    section = site_tree.sections["france"]
    make_article(section, title="Article ancien")
    _schedule(section, "Publication programmée", timezone.now() + timedelta(minutes=30))
    client.get("/")
    assert client.get("/")["X-Cache"] == "HIT"
    with time_machine.travel(timezone.now() + timedelta(hours=1), tick=False):
        assert "Publication programmée" in client.get("/").content.decode()


def test_the_scheduler_loop_publishes_and_records_its_heartbeat(site_tree):
    article = _schedule(
        site_tree.sections["sport"],
        "Résultat du soir",
        timezone.now() + timedelta(minutes=5),
    )
    with time_machine.travel(timezone.now() + timedelta(minutes=10), tick=False):
        call_command("run_scheduler", "--once")
    assert ArticlePage.objects.get(pk=article.pk).live
    beat = SchedulerHeartbeat.objects.get(name="publication programmée")
    assert beat.last_error == ""


def test_a_failing_periodic_job_is_recorded_and_does_not_stop_the_others(site_tree):
    ran = []
    periodic_job_register(name="test: en panne", every_seconds=60, run=lambda: 1 / 0)
    periodic_job_register(
        name="test: en marche", every_seconds=60, run=lambda: ran.append(1)
    )
    scheduler_tick(last_runs={})
    assert ran == [1]
    assert (
        "ZeroDivisionError"
        in SchedulerHeartbeat.objects.get(name="test: en panne").last_error
    )
    assert SchedulerHeartbeat.objects.get(name="test: en marche").last_error == ""
    from manchette.core import scheduling

    scheduling._jobs.pop("test: en panne")
    scheduling._jobs.pop("test: en marche")


def test_the_admin_dashboard_shows_the_newsroom_time_zone_and_the_scheduler_health(
    client, site_tree, editor
):
    client.force_login(editor)
    html = client.get("/admin/").content.decode()
    assert "Europe/Paris" in html
    assert "Le planificateur ne tourne pas" in html
    call_command("run_scheduler", "--once")
    assert "Le planificateur fonctionne" in client.get("/admin/").content.decode()
