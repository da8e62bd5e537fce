from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    name = "manchette.discussions"
    label = "discussions"
    verbose_name = "Discussions"

    def ready(self) -> None:
        from manchette.discussions.selectors import article_comment_counts_annotate
        from manchette.newsroom.selectors import card_annotators

        if article_comment_counts_annotate not in card_annotators:
            card_annotators.append(article_comment_counts_annotate)
