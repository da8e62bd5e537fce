"""Share links without any third-party script: each network's own public share
address, carrying the article's canonical URL and nothing that tracks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from manchette.newsroom.models import ArticlePage
from manchette.newsroom.selectors import absolute_url

HOSTNAME = re.compile(
    r"(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
)


@dataclass(frozen=True)
class ShareLink:
    network: str
    label: str  # the network's name, shown
    action: str  # what the link does, for screen readers
    url: str
    icon: str  # template of the icon
    external: bool = True


def article_canonical_url(*, article: ArticlePage, request: HttpRequest | None) -> str:
    return absolute_url(request, article.get_url(request) or article.url_path)


def share_text(*, article: ArticlePage, request: HttpRequest | None) -> str:
    return f"{article.title} {article_canonical_url(article=article, request=request)}"


def mastodon_instance_clean(value: str) -> str | None:
    """« mastodon.social », « https://piaille.fr/ » or « @moi@eldritch.cafe » → the host;
    None for anything that is not a plain public host name."""
    text = value.strip().lower()
    text = re.sub(r"^https?://", "", text)
    text = text.split("/", 1)[0]
    if "@" in text:
        text = text.rsplit("@", 1)[1]
    return text if HOSTNAME.fullmatch(text) else None


def share_links(*, article_id: int, title: str, url: str) -> list[ShareLink]:
    text = f"{title} {url}"
    components = "components/icons/{}.svg"
    own = "reactions/icons/{}.svg"
    return [
        ShareLink(
            "facebook",
            "Facebook",
            _("Partager sur Facebook"),
            "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url}),
            components.format("facebook"),
        ),
        ShareLink(
            "x",
            "X",
            _("Partager sur X"),
            "https://x.com/intent/post?" + urlencode({"text": title, "url": url}),
            components.format("x"),
        ),
        ShareLink(
            "linkedin",
            "LinkedIn",
            _("Partager sur LinkedIn"),
            "https://www.linkedin.com/sharing/share-offsite/?"
            + urlencode({"url": url}),
            components.format("linkedin"),
        ),
        ShareLink(
            "whatsapp",
            "WhatsApp",
            _("Partager sur WhatsApp"),
            "https://wa.me/?" + urlencode({"text": text}),
            own.format("whatsapp"),
        ),
        ShareLink(
            "bluesky",
            "Bluesky",
            _("Partager sur Bluesky"),
            "https://bsky.app/intent/compose?" + urlencode({"text": text}),
            components.format("bluesky"),
        ),
        ShareLink(
            "mastodon",
            "Mastodon",
            _("Partager sur Mastodon"),
            reverse("reactions:mastodon-share", args=[article_id]),
            components.format("mastodon"),
            external=False,
        ),
        ShareLink(
            "email",
            _("Courriel"),
            _("Envoyer par courriel"),
            f"mailto:?subject={quote(title)}&body={quote(url)}",
            own.format("email"),
            external=False,
        ),
    ]
