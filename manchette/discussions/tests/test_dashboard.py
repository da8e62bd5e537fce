"""The moderators' panel on the admin dashboard: comments per day over 30 days, how
long the queue has waited, and the most discussed articles of the last 24 hours and
7 days; the same few queries whatever the number of comments; hidden from those who
do not moderate."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from manchette.discussions import selectors
from manchette.discussions.models import Comment
from manchette.discussions.moderation_views import waiting_label
from manchette.discussions.tests.factories import make_comment
from manchette.discussions.wagtail_hooks import DiscussionsPanel
from manchette.newsroom.tests.factories import make_article

pytestmark = pytest.mark.django_db


def _ago(**delta):
    return timezone.now() - timedelta(**delta)


def _thread(article, *, published: int, pending: int = 0, spam: int = 0, **when):
    for _ in range(published):
        make_comment(article, created_at=_ago(**when))
    for _ in range(pending):
        make_comment(article, status="pending", created_at=_ago(**when))
    for _ in range(spam):
        make_comment(article, status="spam", created_at=_ago(**when))


def _render_panel() -> str:
    return DiscussionsPanel().render_html({})


def test_moderators_see_the_counts_on_the_dashboard(client, editor, site_tree):
    section = site_tree.sections["international"]
    busy = make_article(section, title="Pourparlers à Moscou")
    quiet = make_article(section, title="Élections au Chili")
    older = make_article(section, title="Sommet de Bakou")
    _thread(busy, published=3, pending=1, minutes=10)
    _thread(quiet, published=1, spam=2, minutes=30)
    _thread(older, published=4, days=3)
    make_comment(busy, status="pending", created_at=_ago(hours=2, minutes=5))
    client.force_login(editor)
    html = client.get("/admin/").content.decode()
    panel = html[html.index('id="discussions-panel-title"') :]
    assert "<strong>2</strong> commentaires attendent une décision" in panel
    assert "le plus ancien depuis <strong>2\xa0h\xa005</strong>" in panel
    assert '<svg class="discussions-chart"' in panel
    assert "12 commentaires reçus ces 30 derniers jours" in panel
    day, week = panel.split("7 derniers jours</h3>")
    assert day.index("Pourparlers à Moscou") < day.index("Élections au Chili")
    assert "Sommet de Bakou" not in day  # three days ago
    assert week.index("Sommet de Bakou") < week.index("Pourparlers à Moscou")
    assert f'href="/admin/pages/{busy.pk}/edit/"' in week


def test_comments_per_day_are_counted_by_what_became_of_them(article):
    _thread(article, published=2, pending=1, spam=1, minutes=1)
    _thread(article, published=1, days=2)
    _thread(article, published=5, days=40)  # outside the 30 days
    days = selectors.comments_per_day(days=30)
    assert len(days) == 30 and days[-1].day == timezone.localdate()
    assert days[-1].counts == [2, 1, 1]
    assert days[-3].counts == [1, 0, 0]
    assert sum(sum(d.counts) for d in days) == 5


def test_the_panel_reads_the_same_few_queries_whatever_the_data(site_tree):
    section = site_tree.sections["international"]
    first = make_article(section, title="Un article")
    _thread(first, published=1, minutes=5)
    _render_panel()  # fills the shared cache (where view restrictions are)
    with CaptureQueriesContext(connection) as small:
        _render_panel()
    for n in range(12):
        article = make_article(section, title=f"Article {n}")
        _thread(article, published=n + 1, pending=1, spam=1, days=n % 9, minutes=1)
    assert Comment.objects.count() > 80
    with CaptureQueriesContext(connection) as large:
        html = _render_panel()
    assert "Article 11" in html
    assert len(large) == len(small) <= 8


def test_the_panel_is_hidden_from_editors_who_do_not_moderate(
    client, django_user_model, article
):
    make_comment(article)
    journalist = django_user_model.objects.create_user(
        username="journaliste", password="motdepasse-test"
    )
    journalist.groups.add(Group.objects.get(name="Editors"))
    client.force_login(journalist)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "discussions-panel" not in response.content.decode()


def test_the_panel_speaks_the_admins_language(article):
    make_comment(article, status="pending", created_at=_ago(days=1, hours=3))
    with translation.override("en"):
        html = _render_panel()
        assert waiting_label(27 * 60) == "1 d 3 h"
    assert "<strong>1</strong> comment awaits a decision" in html
    assert "the oldest for <strong>1 d 3 h</strong>" in html
    assert "Most discussed, last 24 hours" in html
    assert "Comments received per day, last 30 days" in html


def test_the_moderation_queue_says_how_long_the_oldest_has_waited(
    client, editor, article
):
    make_comment(article, status="pending", created_at=_ago(minutes=42))
    make_comment(article, status="pending", created_at=_ago(minutes=3))
    client.force_login(editor)
    html = client.get("/admin/discussions/moderation/").content.decode()
    assert (
        "2 commentaires en attente. Le plus ancien attend depuis <strong>42\xa0min"
        in html
    )
