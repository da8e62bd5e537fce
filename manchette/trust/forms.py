from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from manchette.trust.models import CorrectionKind


def _required(message: Any) -> dict[str, Any]:
    return {"required": message}


class ErrorReportForm(forms.Form):
    passage = forms.CharField(
        label=_("Le passage concerné"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            **_required(_("Copiez ou résumez le passage où se trouve l’erreur.")),
            "max_length": _("Le passage est trop long (1 000 caractères au plus)."),
        },
    )
    problem = forms.CharField(
        label=_("Ce qui est inexact, et ce qui serait juste"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            **_required(_("Dites-nous ce qui est inexact.")),
            "max_length": _("Votre message est trop long (2 000 caractères au plus)."),
        },
    )
    email = forms.EmailField(
        label=_("Votre courriel (facultatif, pour être prévenu de la correction)"),
        required=False,
        error_messages={"invalid": _("Cette adresse de courriel n’est pas valide.")},
    )
    # Left empty by people; filled by the robots that fill every field.
    website = forms.CharField(required=False, widget=forms.HiddenInput)


class ReplyRequestForm(forms.Form):
    name = forms.CharField(
        label=_("Nom et prénom, ou dénomination"),
        max_length=200,
        error_messages=_required(_("Indiquez votre nom ou celui de l’organisme.")),
    )
    capacity = forms.CharField(
        label=_("À quel titre êtes-vous mis en cause dans l’article ?"),
        max_length=300,
        error_messages=_required(_("Indiquez à quel titre vous êtes mis en cause.")),
    )
    email = forms.EmailField(
        label=_("Courriel"),
        error_messages={
            **_required(_("Indiquez un courriel pour recevoir notre réponse.")),
            "invalid": _("Cette adresse de courriel n’est pas valide."),
        },
    )
    postal_address = forms.CharField(
        label=_("Adresse postale (domicile ou siège)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=_required(_("La loi demande votre adresse.")),
    )
    contested_passage = forms.CharField(
        label=_("Les passages que vous contestez"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=_required(_("Citez les passages que vous contestez.")),
    )
    reply_text = forms.CharField(
        label=_("Le texte de votre réponse"),
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages=_required(_("Écrivez le texte de votre réponse.")),
    )
    idempotency_key = forms.CharField(
        widget=forms.HiddenInput, max_length=64, min_length=16
    )

    @staticmethod
    def new_key() -> str:
        return secrets.token_urlsafe(24)


class CorrectionFromReportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Type"),
        choices=CorrectionKind.choices,
        initial=CorrectionKind.CORRECTION,
    )
    text = forms.CharField(
        label=_("Texte affiché aux lecteurs"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ReplyDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("publish", _("Accepter et publier")), ("refuse", _("Refuser"))]
    )
    reason = forms.CharField(
        label=_("Motif (obligatoire pour un refus)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
