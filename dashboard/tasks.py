"""Celery tasks: thin shells that take ids and call one service."""

from datetime import date, datetime

from celery import shared_task
from django.utils import timezone

from dashboard.services import reviews
from dashboard.services.dispatch import enqueue_review


@shared_task(name="dashboard.tasks.review_repository")
def review_repository(repository_id: int) -> str:
    return reviews.review_repository(repository_id)


@shared_task(name="dashboard.tasks.review_all_repositories")
def review_all_repositories(now: str | None = None) -> int:
    """Fan out one review task per repository that is due; each task claims its own lease.
    `now` (ISO) makes the schedule repeatable in tests and backfills."""
    from dashboard.services.reviews import repositories_due

    moment = datetime.fromisoformat(now) if now else timezone.now()
    ids = repositories_due(moment)
    for repository_id in ids:
        enqueue_review(repository_id)
    return len(ids)


@shared_task(name="dashboard.tasks.reopen_expired_risks")
def reopen_expired_risks(today: str | None = None) -> int:
    """Daily: accepted risks past their expiry date reopen. `today` (ISO) for backfills."""
    from dashboard.services import triage

    return triage.reopen_expired_risks(date.fromisoformat(today) if today else date.today())
