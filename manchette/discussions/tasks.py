from django_tasks import task

from manchette.discussions import notifications


@task()
def comment_notifications_task(comment_id: int) -> int:
    return notifications.comment_notifications_send(comment_id)


def comment_notifications_enqueue(comment_id: int) -> None:
    """After a comment is published: the task, when someone may be told of it."""
    if notifications.comment_may_notify(comment_id):
        comment_notifications_task.enqueue(comment_id)


@task()
def removal_statement_task(comment_id: int) -> bool:
    return notifications.removal_statement_send(comment_id)


@task()
def daily_digests_task() -> int:
    return notifications.daily_digests_send()
