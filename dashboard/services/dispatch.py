"""Hand work to Celery: to the broker in production, to a thread on the embedded setup."""

import threading

from django.conf import settings
from django.db import connections


def enqueue_review(repository_id: int) -> None:
    from dashboard.tasks import review_repository

    if settings.CELERY_TASK_ALWAYS_EAGER and settings.REVIEW_IN_BACKGROUND:
        thread = threading.Thread(
            target=_run_in_thread, args=(review_repository, repository_id), daemon=True
        )
        thread.start()
    else:
        review_repository.delay(repository_id)


def _run_in_thread(task, *args) -> None:
    try:
        task.apply(args=args)
    finally:
        connections.close_all()
