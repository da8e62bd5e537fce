from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from manchette.core import pagecache
from manchette.core.scheduling import scheduled_publish_due
from manchette.flashes.models import Flash
from manchette.flashes.selectors import flash_list_active, flash_list_published
from manchette.flashes.services import (
    flash_alert_handler_register,
    flash_alert_handlers,
    flash_correct,
    flash_publish,
    flash_withdraw,
)
from manchette.live.models import LiveEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def alerts_received():
    received = []

    def handler(flash):
        received.append(flash.pk)

    flash_alert_handler_register(handler)
    yield received
    flash_alert_handlers.remove(handler)


def flash_events():
    return list(
        LiveEvent.objects.filter(channel="flashes")
        .order_by("id")
        .values_list("event", "data")
    )


def test_flash_publish_puts_it_online_and_pushes_it_to_open_pages(
    django_capture_on_commit_callbacks,
):
    pagecache.tags_invalidate(["flashes"])
    before = pagecache.cache.get(pagecache.TAG_PREFIX + "flashes")
    with django_capture_on_commit_callbacks(execute=True):
        flash = flash_publish(text="Séisme au large du Japon: alerte", level="urgent")
    assert flash.live
    assert list(flash_list_active()) == [flash]
    [(event, data)] = flash_events()
    assert event == "flash"
    assert data["id"] == flash.pk
    assert data["level"] == "urgent"
    assert data["text"] == "Séisme au large du Japon\u00a0: alerte"
    assert pagecache.cache.get(pagecache.TAG_PREFIX + "flashes") != before
    assert flash.expire_at > timezone.now()
    assert flash.revisions.count() == 1


def test_flash_publish_rejects_a_text_too_long_and_writes_nothing():
    with pytest.raises(ValidationError):
        flash_publish(text="x" * 281)
    assert Flash.objects.count() == 0
    assert LiveEvent.objects.count() == 0


def test_flash_correct_publishes_a_new_revision_and_pushes_it():
    flash = flash_publish(text="Premier bilan : 3 morts")
    flash_correct(flash=flash, text="Premier bilan : 4 morts")
    flash.refresh_from_db()
    assert flash.text == "Premier bilan : 4 morts"
    assert flash.revisions.count() == 2
    assert [e for e, _ in flash_events()] == ["flash", "flash"]
    assert "4 morts" in flash_events()[-1][1]["text"]


def test_flash_withdraw_takes_it_off_the_banner_and_the_archive():
    flash = flash_publish(text="Erreur")
    flash_withdraw(flash=flash)
    assert list(flash_list_active()) == []
    assert list(flash_list_published()) == []
    assert flash_events()[-1] == ("withdraw", {"id": flash.pk, "expired": False})


def test_a_scheduled_flash_goes_online_and_expires_with_the_scheduler():
    start = timezone.now() + timedelta(hours=1)
    flash = flash_publish(
        text="Plus tard", go_live_at=start, expire_at=start + timedelta(hours=2)
    )
    assert not flash.live
    assert flash_events() == []
    with time_machine.travel(start + timedelta(minutes=1)):
        scheduled_publish_due()
        assert list(flash_list_active()) == [Flash.objects.get(pk=flash.pk)]
    assert [e for e, _ in flash_events()] == ["flash"]
    with time_machine.travel(start + timedelta(hours=3)):
        scheduled_publish_due()
        assert list(flash_list_active()) == []
    assert [e for e, _ in flash_events()] == ["flash", "withdraw"]
    assert list(flash_list_published()) == [Flash.objects.get(pk=flash.pk)]


def test_an_alert_flash_is_handed_to_the_alert_handlers_once(
    alerts_received, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        flash = flash_publish(text="Alerte", is_alert=True)
    assert alerts_received == [flash.pk]
    with django_capture_on_commit_callbacks(execute=True):
        flash_correct(flash=flash, text="Alerte corrigée")
    assert alerts_received == [flash.pk]
    with django_capture_on_commit_callbacks(execute=True):
        flash_publish(text="Pas une alerte")
    assert alerts_received == [flash.pk]


def test_publish_flash_command(capsys):
    call_command(
        "publish_flash",
        "Dépêche reçue",
        "--url",
        "https://example.org/a",
        "--level",
        "urgent",
        "--alert",
    )
    flash = Flash.objects.get()
    assert (flash.text, flash.url, flash.level, flash.is_alert, flash.live) == (
        "Dépêche reçue",
        "https://example.org/a",
        "urgent",
        True,
        True,
    )
    assert f"Flash {flash.pk} publié." in capsys.readouterr().out
