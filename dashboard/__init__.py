"""The Django side: stores what the review engine finds and shows it."""

from dashboard.celery import app as celery_app

__all__ = ["celery_app"]
