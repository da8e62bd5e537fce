from __future__ import annotations

from itertools import count

from django.db.models import F
from django.utils import timezone

from manchette.discussions import services
from manchette.discussions.models import Comment, Identity

_sequence = count(1)


def make_identity(name: str = "Camille", email: str = "", **fields) -> Identity:
    identity = services.identity_create(
        name=name, email=email or f"lecteur{next(_sequence)}@example.org"
    )
    for key, value in fields.items():
        setattr(identity, key, value)
    if fields:
        identity.save()
    return identity


def make_comment(
    article,
    *,
    parent: Comment | None = None,
    identity: Identity | None = None,
    body: str = "",
    status: str = "approved",
    **fields,
) -> Comment:
    """A comment as the import makes it (no rate limit, no policy): for thread setups."""
    n = next(_sequence)
    comment = services.comment_import(
        article=article,
        parent=parent,
        author_name=identity.name if identity else f"Lecteur {n}",
        author_email=identity.email if identity else "",
        author_url="",
        ip="203.0.113.9",
        created_at=fields.pop("created_at", None) or timezone.now(),
        status=status,
        body_raw=body or f"Commentaire numéro {n}.",
        external_id=f"test-{n}",
    )
    if identity is not None or fields:
        Comment.objects.filter(pk=comment.pk).update(identity=identity, **fields)
        comment.refresh_from_db()
    if identity is not None and status == "approved":
        Identity.objects.filter(pk=identity.pk).update(
            approved_count=F("approved_count") + 1
        )
    return comment
