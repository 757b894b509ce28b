"""Create the demo login, team and repository, then review the demo history."""

import secrets
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from dashboard.demo.history import HISTORY, PULL_REQUESTS, DemoPullRequest, commit_dates
from dashboard.models import Finding, Membership, Repository, Team
from dashboard.services import reviews
from dashboard.services.repositories import RepositoryURLError, parse_repository_url
from reviewer.git import run_git, write_commit


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--path", type=Path, default=settings.BASE_DIR / "var" / "demo"
                            / "payments-service")
        parser.add_argument("--username", default="demo")
        parser.add_argument("--url", default="http://127.0.0.1:8000/",
                            help="Where the dashboard will be served, to print it.")

    def handle(self, *args, path: Path, username: str, url: str, **options):
        path = path.resolve()
        if not (path / ".git").exists():
            now = timezone.now()
            for commit, when in zip(HISTORY, commit_dates(now), strict=True):
                write_commit(path, commit.files, commit.message, author=commit.author, when=when)
            for pull in PULL_REQUESTS:
                _write_pull_request(path, pull, now)
            self.stdout.write(f"Built demo repository with {len(HISTORY)} commits and "
                              f"{len(PULL_REQUESTS)} pull requests at {path}")
        try:
            parsed = parse_repository_url(str(path))
        except RepositoryURLError as error:
            raise CommandError(f"{error} (set LOCAL_REPOSITORY_ROOTS={path.parent})") from error

        password = secrets.token_urlsafe(12)
        with transaction.atomic():
            user, _ = get_user_model().objects.get_or_create(username=username)
            user.set_password(password)
            user.save()
            team, _ = Team.objects.get_or_create(name="Payments")
            Membership.objects.get_or_create(
                user=user, team=team, defaults={"role": Membership.Role.LEAD}
            )
            repository, _ = Repository.objects.get_or_create(
                team=team, url=parsed.url, defaults={"name": parsed.name, "added_by": user}
            )
        status = reviews.review_repository(repository.pk)
        repository.refresh_from_db()
        open_findings = Finding.objects.filter(
            repository=repository, status=Finding.Status.OPEN
        ).count()
        self.stdout.write(
            f"Reviewed {repository.commits_reviewed} commits of {repository.name}: "
            f"status {status}, {open_findings} open findings."
        )
        self.stdout.write(self.style.SUCCESS(
            f"\n  Dashboard: {url}\n  Login:     {username} / {password}\n"
        ))


def _write_pull_request(path: Path, pull: DemoPullRequest, now) -> None:
    run_git(path, "checkout", "-q", "-b", pull.branch, "main")
    for commit in pull.commits:
        write_commit(path, commit.files, commit.message, author=commit.author,
                     when=now - timedelta(days=commit.days_ago))
    head = run_git(path, "rev-parse", "HEAD")
    run_git(path, "checkout", "-q", "main")
    if pull.merged_days_ago is None:
        run_git(path, "update-ref", f"refs/pull/{pull.number}/head", head)
        return
    run_git(path, "merge", "--no-ff", "-q", pull.branch, "-m",
            f"Merge pull request #{pull.number} from payments/{pull.branch}\n\n{pull.title}",
            author=HISTORY[0].author, when=now - timedelta(days=pull.merged_days_ago))
