import pytest

from manchette.discussions.models import DiscussionSettings
from manchette.newsroom.tests.factories import make_article


@pytest.fixture
def article(site_tree):
    return make_article(
        site_tree.sections["international"], title="Bakou et Erevan à Moscou"
    )


@pytest.fixture
def post_moderation(db):
    """The site publishes at once (post-moderation) unless a test says otherwise."""
    settings = DiscussionSettings.load()
    settings.policy = "post"
    settings.save()
    return settings
