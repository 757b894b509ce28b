"""Which commit e-mail addresses are a user's own."""

from django.contrib.auth.models import AbstractBaseUser

from dashboard.models import CommitIdentity


def add_identity(user: AbstractBaseUser, email: str) -> None:
    CommitIdentity.objects.get_or_create(user=user, email=email.strip())


def remove_identity(user: AbstractBaseUser, email: str) -> None:
    CommitIdentity.objects.filter(user=user, email=email).delete()
