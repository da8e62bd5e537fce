"""Whether an article takes comments, and whether a new comment is published at once
or held: the site's and the section's policy, and the signals that hold a comment."""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from manchette.core.http import rate_limit_hit, rate_limits_hit
from manchette.discussions import conf
from manchette.discussions.models import (
    ArticleDiscussion,
    DiscussionSettings,
    Identity,
    ModerationRule,
    RuleKind,
    SitePolicy,
    Trust,
)
from manchette.discussions.rendering import link_count
from manchette.newsroom.models import ArticlePage, CommentPolicy, SectionPage


class CommentRefused(Exception):
    """A reader's action that cannot be done, with a French message to show them."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def site_settings() -> DiscussionSettings:
    return DiscussionSettings.load()


MODERATION_CACHE_KEY = "discussions:moderation"


def moderation_settings() -> dict:
    """The site's policy, every section's own and the moderation rules (banned words,
    addresses, domains), read together and kept in the shared cache as one value:
    the article page asks for the policy at every render, a post for both (dropped
    when the site's settings, a section or a rule change, see apps.py)."""
    settings = cache.get(MODERATION_CACHE_KEY)
    if settings is None:
        site = site_settings()
        rules: dict[str, list[str]] = {kind: [] for kind in RuleKind.values}
        for kind, value in ModerationRule.objects.values_list("kind", "value"):
            rules[kind].append(value.strip().lower())
        settings = {
            "site": (site.policy, site.comments_close_after_days),
            "sections": {
                path: (policy, days)
                for path, policy, days in SectionPage.objects.values_list(
                    "path", "comment_policy", "comments_close_after_days"
                )
            },
            "rules": rules,
        }
        cache.set(MODERATION_CACHE_KEY, settings, timeout=300)
    return settings


def moderation_settings_changed() -> None:
    cache.delete(MODERATION_CACHE_KEY)


def article_policy(
    article: ArticlePage, moderation: dict | None = None
) -> tuple[str, int | None]:
    """(moderation policy, close after days) for this article: its section's
    choices where it has some, else the site's. `moderation`: the settings when the
    caller has already read them."""
    moderation = moderation or moderation_settings()
    policy, days = moderation["site"]
    own = moderation["sections"].get(article.path[: -ArticlePage.steplen])
    if own is not None:
        section_policy, section_days = own
        if section_policy != CommentPolicy.INHERIT:
            policy = section_policy
        if section_days is not None:
            days = section_days
    return policy, days


# The discussion's "closed by hand" flag, when the article was read with it
# (readers.article_or_404): no query for it then.
CLOSED_ANNOTATION = "discussion_closed"


def article_is_open(
    article: ArticlePage, *, close_after_days: int | None, closed: bool | None = None
) -> bool:
    """`closed`: the discussion row's flag when the caller has already read it."""
    if not article.live or article.comments_closed:
        return False
    if closed is None:
        closed = getattr(article, CLOSED_ANNOTATION, None)
    if closed is None:
        closed = ArticleDiscussion.objects.filter(
            article_id=article.pk, closed=True
        ).exists()
    if closed:
        return False
    published = article.first_published_at
    if close_after_days is not None and published is not None:
        return timezone.now() < published + timedelta(days=close_after_days)
    return True


def article_check_open(article: ArticlePage, moderation: dict | None = None) -> str:
    """The article's moderation policy; refuses when it takes no comment."""
    policy, days = article_policy(article, moderation)
    if not article_is_open(article, close_after_days=days):
        raise CommentRefused(_("Les commentaires sont fermés pour cet article."))
    return policy


def comment_rate_limits(
    *, ip: str, email_hash: str, article_id: int
) -> list[tuple[str, str, int, int]]:
    """(scope, key, limit, window in seconds) that every new comment counts against."""
    limits = [
        ("discussions:ip", ip, *conf.get("RATE_IP")),
        ("discussions:article", str(article_id), *conf.get("RATE_ARTICLE")),
    ]
    if email_hash:
        limits.append(("discussions:email", email_hash, *conf.get("RATE_EMAIL")))
    return limits


def rate_limits_check(*, ip: str, email_hash: str, article_id: int) -> None:
    limits = comment_rate_limits(ip=ip, email_hash=email_hash, article_id=article_id)
    if rate_limits_hit(limits):
        raise CommentRefused(
            _(
                "Vous avez envoyé beaucoup de commentaires en peu de temps. "
                "Patientez une minute : votre texte est conservé ci-dessous."
            ),
            status=429,
        )


def reader_actions_rate_check(*, ip: str) -> None:
    """Votes and reports, per client address: far above what a person clicks."""
    limit, window = conf.get("RATE_ACTIONS")
    if rate_limit_hit(
        scope="discussions:actions", key=ip, limit=limit, window_seconds=window
    ):
        raise CommentRefused(
            _("Trop d’actions en peu de temps : patientez une minute."), status=429
        )


def _fold(text: str) -> str:
    """Lower case without accents, so that « Médiocre » matches « mediocre »."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def rules_by_kind() -> dict[str, list[str]]:
    rules: dict[str, list[str]] = moderation_settings()["rules"]
    return rules


def banned_words_found(text: str, words: list[str]) -> list[str]:
    if not words:
        return []
    folded = _fold(text)
    pattern = r"(?<!\w)(" + "|".join(re.escape(_fold(w)) for w in words) + r")(?!\w)"
    return sorted(set(re.findall(pattern, folded)))


def signals_for(
    *,
    duplicate: bool,
    identity: Identity,
    email: str,
    ip: str,
    body: str,
    honeypot: str,
    form_age_seconds: float | None,
    rules: dict[str, list[str]],
) -> list[str]:
    """The reasons, if any, to hold this comment for a moderator."""
    signals = []
    if honeypot:
        signals.append("honeypot")
    if form_age_seconds is not None and form_age_seconds < conf.get("MIN_SECONDS"):
        signals.append("too_fast")
    if banned_words_found(body, rules[RuleKind.WORD]):
        signals.append("banned_word")
    if link_count(body) > conf.get("MAX_LINKS"):
        signals.append("too_many_links")
    address = email.strip().lower()
    if address and address in rules[RuleKind.EMAIL]:
        signals.append("banned_email")
    if address and address.rpartition("@")[2] in rules[RuleKind.DOMAIN]:
        signals.append("banned_domain")
    if ip in rules[RuleKind.IP]:
        signals.append("banned_ip")
    if identity.is_banned:
        signals.append("banned_identity")
    if duplicate:  # the same text under the same article lately (services)
        signals.append("duplicate")
    return signals


SIGNAL_LABELS = {
    "honeypot": _("champ piège rempli"),
    "too_fast": _("envoyé trop vite"),
    "banned_word": _("mot interdit"),
    "too_many_links": _("trop de liens"),
    "banned_email": _("adresse bannie"),
    "banned_domain": _("domaine banni"),
    "banned_ip": _("adresse IP bannie"),
    "banned_identity": _("auteur banni"),
    "duplicate": _("doublon d’un commentaire récent"),
    "reported": _("signalé par des lecteurs"),
    "first_comment": _("premier commentaire"),
    "pre_moderation": _("modération avant publication"),
}


def held_by_policy(*, policy: str, identity: Identity) -> str | None:
    """The policy's reason to hold a comment that no signal holds, if any."""
    if identity.trust in (Trust.TRUSTED, Trust.STAFF):
        return None
    if policy == SitePolicy.PRE:
        return "pre_moderation"
    if policy == SitePolicy.FIRST_HELD and identity.approved_count == 0:
        return "first_comment"
    return None
