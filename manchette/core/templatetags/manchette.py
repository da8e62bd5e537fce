from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Any

from django import template
from django.templatetags.static import static
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from manchette.core.http import page_cache_tags_add
from manchette.core.parts import part_cached

register = template.Library()

NBSP = "\u00a0"
NNBSP = "\u202f"  # narrow no-break space, before ; ! ? in French typography


@register.filter
def date_long(value: datetime | None) -> str:
    """« vendredi 9 octobre 2020 à 14 h 05 » in French; the English equivalent otherwise."""
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    day = date_format(local, "l j F Y")
    if (get_language() or "fr").startswith("fr"):
        clock = f"{local.hour}{NBSP}h{NBSP}{local.minute:02d}"
    else:
        clock = date_format(local, "H:i")
    return _("%(day)s à %(clock)s") % {"day": day, "clock": clock}


@register.filter
def date_short(value: datetime | None) -> str:
    if value is None:
        return ""
    return date_format(
        timezone.localtime(value) if timezone.is_aware(value) else value, "j F Y"
    )


_BEFORE_DOUBLE = re.compile(r"[ \u00a0\u202f]*([;!?])")
_BEFORE_COLON = re.compile(r"(?<=\w)[ \u00a0\u202f]*(:)(?=\s)")
_OPEN_GUILLEMET = re.compile(r"«[ \u00a0\u202f]*")
_CLOSE_GUILLEMET = re.compile(r"[ \u00a0\u202f]*»")


def french_spacing(text: str) -> str:
    """Non-breaking spaces before ; : ! ? and inside « », as French typography wants."""
    text = _BEFORE_DOUBLE.sub(lambda m: NNBSP + m.group(1), text)
    text = _BEFORE_COLON.sub(lambda m: NBSP + m.group(1), text)
    text = _OPEN_GUILLEMET.sub("«" + NNBSP, text)
    return _CLOSE_GUILLEMET.sub(NNBSP + "»", text)


@register.filter(is_safe=True)
def typo(value: Any) -> SafeString:
    """Escape (unless already safe) and apply French spacing to text outside tags."""
    if not (get_language() or "fr").startswith("fr"):
        return mark_safe(conditional_escape(value))  # noqa: S308
    html = str(conditional_escape(value))
    # Tags and character references (&#x27;) are left whole: their ";" is not punctuation.
    parts = re.split(r"(<[^>]+>|&#?\w+;)", html)
    spaced = "".join(
        p if p.startswith(("<", "&")) else french_spacing(p) for p in parts
    )
    return mark_safe(spaced)  # noqa: S308 - escaped above; only spaces added


@register.simple_tag
def querystring_page(request: Any, number: int) -> str:
    params = request.GET.copy()
    params["page"] = number
    return "?" + params.urlencode()


@register.filter
def startswith(value: Any, prefix: Any) -> bool:
    return bool(prefix) and str(value).startswith(str(prefix))


@register.filter
def split(value: str) -> list[str]:
    return value.split()


ASSET_APPS_CSS = ("flashes", "live", "discussions", "reactions", "newsletter", "trust")
ASSET_APPS_JS = (
    "live",
    "flashes",
    "discussions",
    "reactions",
    "newsletter",
    "trust",
    "audience",
)


@register.simple_tag
def asset_tags(kind: str) -> SafeString:
    """The stylesheets ("css") or scripts ("js") of every page: their fingerprinted
    names change only with a new deployment, so they are looked up once per process."""
    return _asset_tags(kind)


@lru_cache(maxsize=2)
def _asset_tags(kind: str) -> SafeString:
    if kind == "css":
        tags = [
            f'<link rel="stylesheet" href="{static(path)}">'
            for path in ("css/manchette.css", *(f"{a}/{a}.css" for a in ASSET_APPS_CSS))
        ]
        tags.append(
            f'<link rel="icon" href="{static("favicon.svg")}" type="image/svg+xml">'
        )
    else:
        tags = [
            f'<script src="{static(path)}" defer></script>'
            for path in ("js/manchette.js", *(f"{a}/{a}.js" for a in ASSET_APPS_JS))
        ]
    return mark_safe("\n  ".join(tags))  # noqa: S308 - our own static paths


@register.filter
def nav_current(path: str, sections: Any) -> str:
    """The navigation entry a path is under ("/" for la Une, a section's address),
    or "": what the masthead's aria-current depends on, and nothing else of the path."""
    if path == "/":
        return "/"
    for section in sections or ():
        if path.startswith(section.href):
            return str(section.href)
    return ""


@register.simple_tag(takes_context=True)
def shows_article(context: template.Context, article: Any) -> str:
    """Names, for the page cache and the shared part being rendered, what a card or
    a block shows of an article: the article itself and its comment count."""
    request = context.get("request")
    if request is not None:
        page_cache_tags_add(request, f"page:{article.pk}", f"discussion:{article.pk}")
    return ""


@register.tag("sharedpart")
def do_sharedpart(parser: template.base.Parser, token: template.base.Token) -> Any:
    """{% sharedpart "name" vary… %}…{% endsharedpart %}: the same for every reader
    (and every ``vary`` value, today's date included), so rendered once and kept in
    the shared cache until a tag it names changes (``core.parts``)."""
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(f"{bits[0]} needs a name")
    nodelist = parser.parse(("endsharedpart",))
    parser.delete_first_token()
    return SharedPartNode(
        nodelist,
        parser.compile_filter(bits[1]),
        [parser.compile_filter(bit) for bit in bits[2:]],
    )


class SharedPartNode(template.Node):
    def __init__(
        self,
        nodelist: template.NodeList,
        name: template.base.FilterExpression,
        vary: list[template.base.FilterExpression],
    ) -> None:
        self.nodelist, self.name, self.vary = nodelist, name, vary

    def render(self, context: template.Context) -> SafeString:
        request = context.get("request")
        if request is None:
            return self.nodelist.render(context)
        # The date: a part may show it (the masthead), and must not outlive it.
        key = ":".join(
            [
                str(self.name.resolve(context)),
                *(str(v.resolve(context)) for v in self.vary),
                timezone.localdate().isoformat(),
            ]
        )
        return part_cached(request, key, lambda: self.nodelist.render(context))
