"""« @nom » in a real browser: a reader types « @ », picks a participant's name in
the list with the keyboard, posts, and the published comment links to that
person's latest comment; and the moderators' panel on the admin dashboard. Each
leaves a screenshot in docs/screenshots/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from manchette.discussions.models import Comment
from manchette.discussions.tests.factories import make_comment, make_identity
from manchette.discussions.tests.test_browser import (  # noqa: F401 - fixtures too
    SCREENSHOTS,
    _comment,
    _fill_comment,
    _moderator_page,
    article,
    server,
)
from manchette.newsroom.tests.factories import make_article
from manchette.newsroom.tests.test_browser import reader_tab

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.xdist_group("browser"),
]


def _shrink(path) -> None:
    from PIL import Image

    Image.open(path).convert("RGB").quantize(colors=128).save(path, optimize=True)


def test_a_reader_picks_a_name_after_at_with_the_keyboard_and_posts_a_mention(
    browser,
    server,  # noqa: F811 - the thread tests' fixture
    article,  # noqa: F811 - the thread tests' fixture
):
    now = timezone.now()
    make_comment(
        article,
        identity=make_identity(name="Jean"),
        body="La médiation russe n’a jamais rien réglé.",
        created_at=now - timedelta(minutes=30),
    )
    jean_pierre = make_comment(
        article,
        identity=make_identity(name="Jean-Pierre Dupont"),
        body="Il manque le point de vue des habitants de la région.",
        created_at=now - timedelta(minutes=20),
    )
    make_comment(
        article,
        identity=make_identity(name="Éloïse"),
        body="Bon résumé. La carte aide beaucoup.",
        created_at=now - timedelta(minutes=10),
    )
    with reader_tab(browser, server) as reader:
        reader.open(article.url)
        page = reader.page
        form = page.locator("#discussion-form")
        text = form.get_by_label("Votre commentaire")
        text.press_sequentially("Je rejoins @jean")
        options = form.get_by_role("listbox", name="Personnes de la discussion")
        options.wait_for()
        assert options.get_by_role("option").all_inner_texts() == [
            "Jean-Pierre Dupont",
            "Jean",
        ]
        assert text.get_attribute("aria-activedescendant").endswith("-0")
        text.press("ArrowDown")
        text.press("ArrowDown")  # past the end: back to the first
        assert (
            options.get_by_role("option", selected=True).inner_text()
            == "Jean-Pierre Dupont"
        )
        text.press("Enter")
        assert options.is_hidden()
        text.press_sequentially("sur les habitants.")
        assert text.input_value() == "Je rejoins @Jean-Pierre Dupont sur les habitants."
        _fill_comment(form, text=text.input_value(), name="Camille")
        form.get_by_role("button", name="Publier").click()
        mine = _comment(page, "sur les habitants.")
        mine.wait_for()
        mention = mine.get_by_role("link", name="@Jean-Pierre Dupont")
        assert mention.get_attribute("class") == "mention"
        assert mention.get_attribute("href") == f"#commentaire-{jean_pierre.pk}"
        posted = Comment.objects.get(author_name="Camille")
        assert list(posted.mentioned.values_list("name", flat=True)) == [
            "Jean-Pierre Dupont"
        ]
        mention.scroll_into_view_if_needed()
        path = SCREENSHOTS / "discussions-mention.png"
        page.locator(f"#commentaire-{posted.pk}").screenshot(path=path)
        _shrink(path)
        mention.click()
        assert page.url.endswith(f"#commentaire-{jean_pierre.pk}")
        assert page.locator(f"#commentaire-{jean_pierre.pk}").is_visible()


def test_the_moderators_panel_on_the_dashboard(
    browser,
    server,  # noqa: F811 - the thread tests' fixture
    site_tree,
    editor,
):
    section = site_tree.sections["international"]
    now = timezone.now()
    titles = [
        "Azerbaïdjan et Arménie : pourparlers de paix à Moscou",
        "Chili : la nouvelle Constitution soumise au vote",
        "Sommet de Bakou : ce que contient l’accord",
    ]
    articles = [make_article(section, title=t) for t in titles]
    for day in range(30):
        for n in range((day * 7) % 11 + 1):
            make_comment(
                articles[(day + n) % 3],
                created_at=now - timedelta(days=day, minutes=n),
                status="spam" if n == 4 else "approved",
            )
    make_comment(articles[0], status="pending", created_at=now - timedelta(minutes=95))
    context, admin = _moderator_page(browser, server)
    try:
        panel = admin.locator(".discussions-panel")
        panel.wait_for()
        assert panel.locator("svg.discussions-chart rect").count() > 30
        assert "commentaire attend une décision" in panel.inner_text()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / "discussions-dashboard.png"
        panel.screenshot(path=path)
        _shrink(path)
    finally:
        context.close()
