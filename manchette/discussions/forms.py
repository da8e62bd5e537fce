from __future__ import annotations

import time

from django import forms
from django.core import signing
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from manchette.discussions import conf
from manchette.discussions.models import Frequency, ReportReason

FORM_SALT = "discussions.form"


def form_started_token() -> str:
    """When the form was shown, signed: a form sent back faster was not typed by hand.
    (In a cached page it is the page's time, earlier than the reader's: never too fast.)"""
    return signing.dumps(int(time.time()), salt=FORM_SALT)


def form_age_seconds(token: str) -> float | None:
    try:
        return time.time() - float(signing.loads(token, salt=FORM_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return None


class TypedTextField(forms.CharField):
    """Text kept as typed: a NUL byte is not an error for the reader (it is replaced
    when stored, see rendering.text_normalize)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.validators = [
            v
            for v in self.validators
            if not isinstance(v, ProhibitNullCharactersValidator)
        ]


class CommentForm(forms.Form):
    nom = TypedTextField(
        label=_("Nom affiché"),
        max_length=conf.get("NAME_MAX_LENGTH"),
        required=False,
        error_messages={"max_length": _("Ce nom est trop long.")},
    )
    courriel = forms.EmailField(
        label=_("Courriel (jamais affiché)"),
        required=False,
        error_messages={"invalid": _("Cette adresse de courriel n’est pas valide.")},
    )
    consentement = forms.BooleanField(required=False)
    texte = TypedTextField(
        label=_("Votre commentaire"),
        strip=False,
        required=False,
        max_length=conf.get("MAX_LENGTH"),
        widget=forms.Textarea,
        error_messages={
            "max_length": _(
                "Votre commentaire est trop long (%(limit_value)d caractères au plus)."
            )
        },
    )
    site_web = forms.CharField(required=False)  # honeypot: hidden from people
    debut = forms.CharField(required=False)
    cle = forms.CharField(required=False, max_length=64)
    parent = forms.IntegerField(required=False)
    notifier_suivi = forms.BooleanField(required=False)
    notifier_reponses = forms.BooleanField(required=False)
    frequence = forms.ChoiceField(
        required=False, choices=Frequency.choices, initial=Frequency.INSTANT
    )

    def __init__(self, *args, guest: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.guest = guest

    def clean(self):
        data = super().clean() or {}
        if self.guest:
            if not (data.get("nom") or "").strip() and "nom" not in self.errors:
                self.add_error(
                    "nom", _("Indiquez le nom sous lequel publier votre commentaire.")
                )
            if not data.get("consentement"):
                self.add_error(
                    "consentement",
                    _(
                        "Cochez la case pour accepter que votre nom et votre courriel soient conservés."
                    ),
                )
        if not (data.get("texte") or "").strip() and "texte" not in self.errors:
            self.add_error("texte", _("Écrivez votre commentaire avant de l’envoyer."))
        wants_mail = data.get("notifier_suivi") or data.get("notifier_reponses")
        if (
            wants_mail
            and self.guest
            and not data.get("courriel")
            and "courriel" not in self.errors
        ):
            self.add_error("courriel", _("Indiquez votre courriel pour être prévenu."))
        return data


class EditForm(forms.Form):
    texte = TypedTextField(
        label=_("Votre commentaire"),
        strip=False,
        max_length=conf.get("MAX_LENGTH"),
        widget=forms.Textarea,
        error_messages={"required": _("Écrivez votre commentaire avant de l’envoyer.")},
    )


class ReportForm(forms.Form):
    raison = forms.ChoiceField(
        label=_("Pourquoi signalez-vous ce commentaire ?"),
        choices=ReportReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez un motif.")},
    )
