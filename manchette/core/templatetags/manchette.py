from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

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
