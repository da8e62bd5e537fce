"""Whether an article takes comments, and whether a new comment is published at once
or held: the site's and the section's policy, and the signals that hold a comment."""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from manchette.core.http import rate_limit_hit
from manchette.discussions import conf
from manchette.discussions.models import (
    ArticleDiscussion,
    Comment,
    DiscussionSettings,
    Identity,
    ModerationRule,
    RuleKind,
    SitePolicy,
    Trust,
)
from manchette.discussions.rendering import link_count
from manchette.newsroom.models import ArticlePage, CommentPolicy, SectionPage

RULES_CACHE_KEY = "discussions:rules"


class CommentRefused(Exception):
    """A reader's action that cannot be done, with a French message to show them."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def site_settings() -> DiscussionSettings:
    return DiscussionSettings.load()


POLICIES_CACHE_KEY = "discussions:policies"


def _policies() -> dict:
    """The site's policy and every section's own, read together and kept in the
    shared cache: the article page asks at every render (dropped when the site's
    settings or a section change, see apps.py)."""
    policies = cache.get(POLICIES_CACHE_KEY)
    if policies is None:
        site = site_settings()
        policies = {
            "site": (site.policy, site.comments_close_after_days),
            "sections": {
                path: (policy, days)
                for path, policy, days in SectionPage.objects.values_list(
                    "path", "comment_policy", "comments_close_after_days"
                )
            },
        }
        cache.set(POLICIES_CACHE_KEY, policies, timeout=3600)
    return policies


def policies_changed() -> None:
    cache.delete(POLICIES_CACHE_KEY)


def article_policy(article: ArticlePage) -> tuple[str, int | None]:
    """(moderation policy, close after days) for this article: its section's
    choices where it has some, else the site's."""
    policies = _policies()
    policy, days = policies["site"]
    own = policies["sections"].get(article.path[: -ArticlePage.steplen])
    if own is not None:
        section_policy, section_days = own
        if section_policy != CommentPolicy.INHERIT:
            policy = section_policy
        if section_days is not None:
            days = section_days
    return policy, days


def article_is_open(
    article: ArticlePage, *, close_after_days: int | None, closed: bool | None = None
) -> bool:
    """`closed`: the discussion row's flag when the caller has already read it."""
    if not article.live or article.comments_closed:
        return False
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


def article_check_open(article: ArticlePage) -> str:
    """The article's moderation policy; refuses when it takes no comment."""
    policy, days = article_policy(article)
    if not article_is_open(article, close_after_days=days):
        raise CommentRefused(_("Les commentaires sont fermés pour cet article."))
    return policy


def rate_limits_check(*, ip: str, email_hash: str, article_id: int) -> None:
    checks = [
        ("ip", ip, conf.get("RATE_IP")),
        ("article", str(article_id), conf.get("RATE_ARTICLE")),
    ]
    if email_hash:
        checks.append(("email", email_hash, conf.get("RATE_EMAIL")))
    for scope, key, (limit, window) in checks:
        if rate_limit_hit(
            scope=f"discussions:{scope}", key=key, limit=limit, window_seconds=window
        ):
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
    rules = cache.get(RULES_CACHE_KEY)
    if rules is None:
        rules = {kind: [] for kind in RuleKind.values}
        for kind, value in ModerationRule.objects.values_list("kind", "value"):
            rules[kind].append(value.strip().lower())
        cache.set(RULES_CACHE_KEY, rules, timeout=300)
    return rules


def rules_changed() -> None:
    cache.delete(RULES_CACHE_KEY)


def banned_words_found(text: str, words: list[str]) -> list[str]:
    if not words:
        return []
    folded = _fold(text)
    pattern = r"(?<!\w)(" + "|".join(re.escape(_fold(w)) for w in words) + r")(?!\w)"
    return sorted(set(re.findall(pattern, folded)))


def signals_for(
    *,
    article: ArticlePage,
    identity: Identity,
    email: str,
    ip: str,
    body: str,
    honeypot: str,
    form_age_seconds: float | None,
) -> list[str]:
    """The reasons, if any, to hold this comment for a moderator."""
    signals = []
    rules = rules_by_kind()
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
    since = timezone.now() - timedelta(minutes=conf.get("DUPLICATE_MINUTES"))
    if Comment.objects.filter(
        article=article, created_at__gte=since, body_raw=body
    ).exists():
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
