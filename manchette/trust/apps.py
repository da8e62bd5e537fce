from django.apps import AppConfig


class TrustConfig(AppConfig):
    name = "manchette.trust"
    label = "trust"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from manchette.newsroom.selectors import json_ld_extenders
        from manchette.trust import selectors
        from manchette.trust.models import LegalIdentity

        if selectors.article_json_ld_extend not in json_ld_extenders:
            json_ld_extenders.append(selectors.article_json_ld_extend)
        # Infrastructure only: the generated legal pages follow the setting.
        post_save.connect(
            _legal_pages_refresh,
            sender=LegalIdentity,
            dispatch_uid="trust-legal-pages",
        )


def _legal_pages_refresh(**kwargs: object) -> None:
    from manchette.core.pagecache import tags_invalidate
    from manchette.newsroom.cache import frontend_purge

    tags_invalidate(["trust:legal"])
    frontend_purge(urls=["/mentions-legales/", "/politique-de-confidentialite/"])
