"""Triage: false positive, won't fix, accepted risk (with a note and an optional expiry)."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from dashboard.models import Finding, TriageEvent
from dashboard.services import rollups

STATES = {"": "Untriaged", "false_positive": "False positive", "wont_fix": "Won't fix",
          "accepted_risk": "Accepted risk"}


class TriageError(ValueError):
    pass


def triage_finding(finding: Finding, user: AbstractBaseUser | None, state: str, note: str = "",
                   expires_on: date | None = None, today: date | None = None) -> TriageEvent:
    if state not in STATES:
        raise TriageError(f"Unknown triage state {state!r}.")
    note = note.strip()
    if state == "accepted_risk" and not note:
        raise TriageError("Accepting a risk needs a note saying why.")
    if expires_on is not None:
        if state != "accepted_risk":
            raise TriageError("Only an accepted risk can expire.")
        if expires_on <= (today or date.today()):
            raise TriageError("The expiry date must be in the future.")
    with transaction.atomic():
        locked = Finding.objects.select_for_update().get(pk=finding.pk)
        event = TriageEvent.objects.create(
            finding=locked, user=user, from_state=locked.triage, to_state=state, note=note,
            expires_on=expires_on,
        )
        # A false positive leaves the counts (and comes back to them): the rollups follow.
        with rollups.track([locked.pk]):
            Finding.objects.filter(pk=locked.pk).update(
                triage=state, triage_note=note, triage_expires_on=expires_on)
    finding.refresh_from_db()
    return event


def reopen_expired_risks(today: date) -> int:
    """Accepted risks whose expiry date has passed go back to untriaged, on the record."""
    expired = Finding.objects.filter(triage="accepted_risk", triage_expires_on__lt=today)
    count = 0
    for finding in expired:
        with transaction.atomic(), rollups.track([finding.pk]):
            updated = Finding.objects.filter(pk=finding.pk, triage="accepted_risk",
                                             triage_expires_on__lt=today).update(
                triage="", triage_note="", triage_expires_on=None)
            if updated:
                TriageEvent.objects.create(
                    finding=finding, user=None, from_state="accepted_risk", to_state="",
                    note=f"Accepted risk expired on {finding.triage_expires_on}.")
                count += 1
    return count
