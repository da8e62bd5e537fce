from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    name = "manchette.discussions"
    label = "discussions"
    verbose_name = "Discussions"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from manchette.core.scheduling import periodic_job_register
        from manchette.discussions import services, tasks
        from manchette.discussions.models import DiscussionSettings, ModerationRule
        from manchette.discussions.policy import moderation_settings_changed
        from manchette.discussions.selectors import article_comment_counts_annotate
        from manchette.newsroom.models import SectionPage
        from manchette.newsroom.selectors import card_annotators

        if article_comment_counts_annotate not in card_annotators:
            card_annotators.append(article_comment_counts_annotate)
        services.approval_listeners[:] = [tasks.comment_notifications_enqueue]
        services.removal_listeners[:] = [tasks.removal_statement_task.enqueue]
        # Hourly: each daily subscription is due 24 hours after its last digest.
        periodic_job_register(
            name="discussions : résumés quotidiens",
            every_seconds=3600,
            run=tasks.daily_digests_task.enqueue,
        )
        # The policies and rules are cached for the hot path (one value, see
        # policy.moderation_settings); an edit in the admin drops the copy.
        for signal in (post_save, post_delete):
            for model in (ModerationRule, DiscussionSettings, SectionPage):
                signal.connect(
                    lambda **kwargs: moderation_settings_changed(),
                    sender=model,
                    weak=False,
                    dispatch_uid=f"discussions-moderation-{model.__name__}-{signal is post_save}",
                )
