"""`manage.py seed_bench`: a large synthetic review history for measuring the pages at
production size (`make bench-web`): repositories, their default-branch commits, findings
with their introduced/fixed events, and the rollups derived from those events.

The shape is what a real organisation looks like, not uniform noise: a few rules and a few
authors account for most findings (weights 1/rank^1.1), a few repositories are much larger
than the rest, commits cluster on weekdays, and about 60% of findings get fixed.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from dashboard.models import (
    Change,
    Commit,
    Finding,
    FindingActivity,
    FindingCount,
    FindingEvent,
    Membership,
    OpenFindingCount,
    PullRequest,
    PullRequestFinding,
    Repository,
    RuleActivity,
    ServiceActivity,
    Team,
)
from dashboard.services import rollups
from reviewer.rules import all_rules

ZIPF = 1.1
# Findings that are never fixed: the old backlog every team carries. The others are fixed
# after an exponentially distributed number of commits, unless the history ends first;
# together about 60% end up fixed.
NEVER_FIXED = 0.31
FIX_RATE = 8  # fixes happen after n/FIX_RATE commits on average (n = the repo's commits)
FALSE_POSITIVE = 0.02
WONT_FIX = 0.005
SUPPRESSED = 0.004
REPOSITORY_LEVEL = 0.1  # findings outside services/, whose service is the repository

PRODUCTS = ["payments", "billing", "ledger", "checkout", "identity", "search", "catalog",
            "inventory", "shipping", "notifications", "reporting", "pricing", "orders",
            "accounts", "gateway", "analytics", "fraud", "loyalty", "media", "messaging"]
KINDS = ["api", "service", "worker", "web", "core", "jobs", "sdk"]
SERVICES = ["auth", "billing", "checkout", "search", "ledger", "notify", "reports", "gateway",
            "users", "catalog", "pricing", "orders", "payouts", "invoices", "webhooks",
            "scheduler", "exports", "imports", "admin", "profiles"]
MODULES = ["api", "handlers", "models", "db", "tasks", "clients", "auth", "jobs", "utils",
           "views", "storage", "events"]
STEMS = ["routes", "service", "repository", "schema", "client", "worker", "settings",
         "helpers", "queries", "payments", "sessions", "tokens", "upload", "export", "cache"]
FIRST = ["Ana", "Ben", "Chen", "Dara", "Eli", "Fatima", "Goran", "Hana", "Ivan", "Jin",
         "Kofi", "Lena", "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tara",
         "Uma", "Viktor", "Wen", "Ximena", "Yusuf", "Zoe", "Aiko", "Bruno", "Carla", "Dmitri"]
LAST = ["Silva", "Novak", "Okafor", "Schmidt", "Tanaka", "Kowalski", "Haddad", "Larsen",
        "Moreau", "Petrov", "Reyes", "Singh", "Weber", "Yilmaz", "Costa", "Dubois", "Nguyen",
        "Ivanova", "Fischer", "Rossi", "Kim", "Osei", "Lindqvist", "Mendes", "Horvat"]
VERBS = ["Add", "Fix", "Refactor", "Update", "Remove", "Handle", "Speed up", "Validate",
         "Log", "Retry", "Cache", "Split"]
EXTENSIONS = {"python": ".py", "javascript": ".ts", "go": ".go", "shell": ".sh", "sql": ".sql"}


def zipf_weights(n: int) -> list[float]:
    return list(accumulate(1 / rank**ZIPF for rank in range(1, n + 1)))


def share(total: int, weights: list[float], minimum: int) -> list[int]:
    """`total` split in proportion to `weights`, each part at least `minimum` (largest
    remainder, so the parts add up exactly)."""
    spare = total - minimum * len(weights)
    if spare < 0:
        raise CommandError(f"{total} is too few for {len(weights)} parts of {minimum}")
    exact = [spare * w / sum(weights) for w in weights]
    parts = [int(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: parts[i] - exact[i])
    for i in by_remainder[: spare - sum(parts)]:
        parts[i] += 1
    return [p + minimum for p in parts]


class Steps:
    """Wall time per named step, summed over repositories."""

    def __init__(self) -> None:
        self.seconds: Counter = Counter()

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - started


class Writer:
    """Inserts rows given as tuples of attribute names' values, with explicit ids: COPY on
    PostgreSQL (an order of magnitude faster than INSERT at a million rows), bulk_create
    elsewhere."""

    def __init__(self) -> None:
        self.copy = connection.vendor == "postgresql"

    def write(self, model: type[models.Model], columns: tuple[str, ...], rows: list) -> None:
        if not rows:
            return
        if not self.copy:
            model.objects.bulk_create(
                [model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=2000)
            return
        fields = [model._meta.get_field(name) for name in columns]
        as_json = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
        quote = connection.ops.quote_name
        sql = (f"COPY {quote(model._meta.db_table)} "
               f"({', '.join(quote(f.column) for f in fields)}) FROM STDIN")
        with connection.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                if as_json:
                    row = list(row)
                    for i in as_json:
                        row[i] = json.dumps(row[i])
                copy.write_row(row)


COMMIT_COLUMNS = ("id", "repository_id", "sha", "parent_shas", "author_name", "author_email",
                  "authored_at", "committed_at", "message", "findings_introduced",
                  "findings_fixed", "introduced_by_severity", "fixed_by_severity",
                  "reviewed_at", "mainline_seq")
FINDING_COLUMNS = ("id", "repository_id", "fingerprint", "rule_id", "severity", "category",
                   "cwe", "path", "line", "end_line", "message", "code", "service", "owners",
                   "suppressed_reason", "is_suppressed", "status", "introduced_in_id",
                   "author_email", "introduced_at", "fixed_in_id", "is_regression", "triage",
                   "triage_note", "created_at", "updated_at")
EVENT_COLUMNS = ("id", "finding_id", "commit_id", "kind", "detail")


@dataclass
class Ids:
    """The next free primary key per table: rows are written with explicit ids so that
    findings can point at commits and events at findings without reading ids back."""

    commit: int
    finding: int
    event: int

    @classmethod
    def after_existing(cls) -> Ids:
        def next_id(model):
            return (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1
        return cls(next_id(Commit), next_id(Finding), next_id(FindingEvent))


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def add_arguments(self, parser):
        parser.add_argument("--repositories", type=int, default=50)
        parser.add_argument("--commits", type=int, default=100_000)
        parser.add_argument("--findings", type=int, default=1_000_000)
        parser.add_argument("--years", type=float, default=2)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--force", action="store_true",
                            help="Add to a database that already has repositories.")
        parser.add_argument("--pull-requests-only", action="store_true",
                            help="Only add the pull requests, to a database seeded before.")

    def handle(self, *args, repositories, commits, findings, years, seed, force,
               pull_requests_only=False, **options):
        if pull_requests_only:
            steps = Steps()
            with steps("pull requests"), transaction.atomic():
                created = seed_pull_requests(Repository.objects.all())
            self.report(Counter({"pull requests": created}), steps)
            return
        if Repository.objects.exists() and not force:
            raise CommandError("The database already has repositories; seed_bench adds a "
                               "million rows to it only with --force.")
        self.stdout.write(f"Seeding {repositories} repositories, {commits} commits, "
                          f"{findings} findings over {years:g} years (seed {seed}) on "
                          f"{connection.vendor}.")
        steps = Steps()
        # Not for secrets: a seeded generator gives the same dataset on every run.
        seeder = Seeder(random.Random(seed), years, steps)  # noqa: S311
        with transaction.atomic():
            with steps("users, teams, repositories"):
                repos = seeder.repositories(repositories)
            commit_counts = share(commits, seeder.size_weights(len(repos)), minimum=2)
            finding_counts = share(findings, [float(n) for n in commit_counts], minimum=0)
            ids = Ids.after_existing()
            for repository, n_commits, n_findings in zip(repos, commit_counts, finding_counts,
                                                         strict=True):
                seeder.history(repository, n_commits, n_findings, ids)
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(
                        no_style(), [Commit, Finding, FindingEvent]):
                    cursor.execute(sql)
            with steps("pull requests"):
                seeder.created["pull requests"] = seed_pull_requests(repos)
        with steps("rollups (rollups.rebuild per repository)"):
            for repository in repos:
                rollups.rebuild(repository.pk)
        if connection.vendor == "postgresql":
            # VACUUM as well as ANALYZE: the visibility map that autovacuum would have set on
            # a long-lived database, without which index-only scans read the heap anyway.
            with steps("VACUUM ANALYZE"), connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        self.report(seeder.created, steps)

    def report(self, created: Counter, steps: Steps) -> None:
        created["rollup rows (counts)"] = FindingCount.objects.count()
        created["rollup rows (open counts by author)"] = OpenFindingCount.objects.count()
        created["rollup rows (daily activity)"] = FindingActivity.objects.count()
        created["rollup rows (weekly activity by rule)"] = RuleActivity.objects.count()
        created["rollup rows (weekly activity by service)"] = ServiceActivity.objects.count()
        for name, n in created.items():
            self.stdout.write(f"  {name:<40} {n:>10}")
        for name, seconds in steps.seconds.items():
            self.stdout.write(f"  {name:<40} {seconds:>9.1f}s")
        self.stdout.write(f"  {'total':<40} {sum(steps.seconds.values()):>9.1f}s")
        self.stdout.write(self.style.SUCCESS("Log in as bench / bench to see everything."))


PULL_REQUEST_EVERY = 8  # default-branch commits per merged pull request
OPEN_PULL_REQUESTS = 3  # per repository, on its latest commits


def seed_pull_requests(repositories) -> int:
    """Pull requests over the seeded histories: every PULL_REQUEST_EVERY default-branch
    commits are one merged pull request (its findings: those its commits introduced and
    fixed), and the newest commits make a few open ones. Returns how many."""
    created = 0
    for repository in repositories:
        commits = list(repository.commits.filter(mainline_seq__isnull=False)
                       .order_by("mainline_seq"))
        windows = [commits[i:i + PULL_REQUEST_EVERY]
                   for i in range(1, len(commits), PULL_REQUEST_EVERY)]
        pulls = []
        for number, window in enumerate(windows, start=1):
            is_open = number > len(windows) - OPEN_PULL_REQUESTS
            head, base = window[-1], commits[commits.index(window[0]) - 1]
            pulls.append(PullRequest(
                repository=repository, key=f"#{number}", number=number,
                title=window[0].message.splitlines()[0][:500],
                source_branch=f"feature/{number}", target_branch="main",
                author_name=window[0].author_name, author_email=window[0].author_email,
                state=PullRequest.State.OPEN if is_open else PullRequest.State.MERGED,
                base_sha=base.sha, head_sha=head.sha,
                merge_commit=None if is_open else head, opened_at=window[0].committed_at,
                merged_at=None if is_open else head.committed_at,
                reviewed_head=head.sha, reviewed_base=base.sha))
        PullRequest.objects.bulk_create(pulls, batch_size=2000)
        pulls = {p.number: p for p in repository.pull_requests.all()}
        of_commit = {c.pk: pulls[n] for n, window in enumerate(windows, start=1)
                     for c in window}
        changes: dict[tuple[int, int], tuple] = {}
        for change, field in ((Change.INTRODUCED, "introduced_in_id"),
                              (Change.FIXED, "fixed_in_id")):
            for finding_id, commit_id, severity in (
                    repository.findings.filter(**{f"{field}__in": list(of_commit)})
                    .values_list("pk", field, "severity").iterator()):
                key = (of_commit[commit_id].number, finding_id)
                if key in changes:  # came and went inside the pull request: not in its report
                    del changes[key]
                else:
                    changes[key] = (change, commit_id, severity)
        rows = []
        for (number, finding_id), (change, commit_id, severity) in changes.items():
            pull = pulls[number]
            rows.append(PullRequestFinding(pull_request=pull, finding_id=finding_id,
                                           change=change, commit_id=commit_id))
            counts = (pull.introduced_by_severity if change == Change.INTRODUCED
                      else pull.fixed_by_severity)
            counts[severity] = counts.get(severity, 0) + 1
        PullRequestFinding.objects.bulk_create(rows, batch_size=5000)
        for pull in pulls.values():
            pull.findings_introduced = sum(pull.introduced_by_severity.values())
            pull.findings_fixed = sum(pull.fixed_by_severity.values())
        PullRequest.objects.bulk_update(
            pulls.values(), ["findings_introduced", "findings_fixed", "introduced_by_severity",
                             "fixed_by_severity"], batch_size=2000)
        created += len(pulls)
    return created


class Seeder:
    """Generates one repository's history at a time (commits, then findings and events
    that point at them) and writes it, so memory stays bounded at any size."""

    def __init__(self, rng: random.Random, years: float, steps: Steps) -> None:
        self.rng = rng
        self.steps = steps
        self.writer = Writer()
        self.created: Counter = Counter(dict.fromkeys(
            ["repositories", "commits", "findings", "  of which fixed",
             "  of which false positives", "  of which suppressed in code", "finding events"],
            0))
        self.end = timezone.now().replace(microsecond=0)
        self.start = self.end - timedelta(days=365 * years)
        self.rules = list(all_rules())
        rng.shuffle(self.rules)  # which rules are the common ones is up to the seed
        self.rule_weights = zipf_weights(len(self.rules))
        names = [(f, f_last) for f in FIRST for f_last in LAST]
        self.authors = [(f"{first} {last}", f"{first}.{last}@example.com".lower())
                        for first, last in rng.sample(names, 300)]
        self.author_weights = zipf_weights(len(self.authors))

    def size_weights(self, n: int) -> list[float]:
        # A few large repositories (monorepos) and a long tail of small ones.
        return [1 / rank**0.7 for rank in range(1, n + 1)]

    def repositories(self, n: int) -> list[Repository]:
        user, _ = get_user_model().objects.get_or_create(username="bench")
        user.set_password("bench")
        # The most prolific author's address: "My findings" then shows its heaviest case.
        user.email = self.authors[0][1]
        user.save()
        team, _ = Team.objects.get_or_create(name="Bench")
        other, _ = Team.objects.get_or_create(name="Bench (no repositories)")
        Membership.objects.get_or_create(user=user, team=team,
                                         defaults={"role": Membership.Role.LEAD})
        Membership.objects.get_or_create(user=user, team=other)
        taken = set(Repository.objects.values_list("name", flat=True))
        names = [f"{p}-{k}" for p in PRODUCTS for k in KINDS]
        self.rng.shuffle(names)
        names += [f"{name}-{i}" for i in range(2, n // len(names) + 3) for name in names]
        fresh = [name for name in names if name not in taken][:n]
        repos = [Repository.objects.create(
            team=team, name=name, url=f"https://git.example.com/acme/{name}.git",
            default_branch="main", status=Repository.Status.READY, added_by=user)
            for name in fresh]
        self.created["repositories"] += len(repos)
        return repos

    def history(self, repository: Repository, n_commits: int, n_findings: int,
                ids: Ids) -> None:
        with self.steps("generate (Python)"):
            commits, when = self.commits(repository, n_commits, ids)
            findings, events = self.findings(repository, commits, when, n_findings, ids)
        with self.steps("write commits"):
            self.writer.write(Commit, COMMIT_COLUMNS, commits)
        with self.steps("write findings"):
            self.writer.write(Finding, FINDING_COLUMNS, findings)
        with self.steps("write finding events"):
            self.writer.write(FindingEvent, EVENT_COLUMNS, events)
        last = commits[-1]
        Repository.objects.filter(pk=repository.pk).update(
            commits_total=n_commits, commits_reviewed=n_commits, reviewed_head=last[2],
            last_reviewed_at=self.end)
        self.created["commits"] += len(commits)
        self.created["findings"] += len(findings)
        self.created["finding events"] += len(events)

    def commit_times(self, n: int) -> list[datetime]:
        span = (self.end - self.start).total_seconds()
        times: list[datetime] = []
        while len(times) < n:
            moment = self.start + timedelta(seconds=self.rng.random() * span)
            if moment.weekday() >= 5 and self.rng.random() < 0.8:
                continue  # weekends are quiet
            times.append(moment.replace(microsecond=0))
        times.sort()
        # Strictly increasing, so date order and mainline order agree.
        for i in range(1, n):
            if times[i] <= times[i - 1]:
                times[i] = times[i - 1] + timedelta(seconds=1)
        return times

    def commits(self, repository: Repository, n: int, ids: Ids) -> tuple[list[list], list]:
        rng = self.rng
        rows, parent = [], []
        times = self.commit_times(n)
        authors = rng.choices(self.authors, cum_weights=self.author_weights, k=n)
        for seq, (committed, (name, email)) in enumerate(zip(times, authors, strict=True), 1):
            sha = f"{rng.getrandbits(160):040x}"
            subject = f"{rng.choice(VERBS)} {rng.choice(STEMS)} in {rng.choice(MODULES)}"
            message = subject if rng.random() < 0.6 else (
                f"{subject}\n\nFollow-up to the {rng.choice(SERVICES)} change; see the ticket.")
            rows.append([ids.commit, repository.pk, sha, parent, name, email,
                         committed - timedelta(minutes=rng.randint(0, 240)), committed, message,
                         0, 0, {}, {}, committed + timedelta(minutes=rng.randint(1, 30)), seq])
            parent = [sha]
            ids.commit += 1
        return rows, times

    def findings(self, repository: Repository, commits: list[list], when: list[datetime],
                 n: int, ids: Ids) -> tuple[list[tuple], list[tuple]]:
        rng = self.rng
        n_commits = len(commits)
        services = rng.sample(SERVICES, rng.randint(3, 7))
        service_weights = list(accumulate(1 / rank for rank in range(1, len(services) + 1)))
        # Most commits introduce nothing much, a few introduce a lot (a vendored file, a
        # big feature): a capped Pareto weight per commit.
        commit_weights = list(accumulate(min(rng.paretovariate(1.5), 40)
                                         for _ in range(n_commits)))
        introduced_at = rng.choices(range(n_commits), cum_weights=commit_weights, k=n)
        rules = rng.choices(self.rules, cum_weights=self.rule_weights, k=n)
        findings, events = [], []
        for index, rule in zip(introduced_at, rules, strict=True):
            commit = commits[index]
            severity = str(rule.severity)
            service, path = self.place(repository, rule, services, service_weights)
            fixed_index = None
            if rng.random() > NEVER_FIXED:
                later = index + 1 + int(rng.expovariate(FIX_RATE / n_commits))
                fixed_index = later if later < n_commits else None
            fixed = commits[fixed_index] if fixed_index is not None else None
            triage, note = "", ""
            draw = rng.random()
            if draw < FALSE_POSITIVE:
                triage, note = "false_positive", "Test fixture; never reachable in production."
            elif draw < FALSE_POSITIVE + WONT_FIX:
                triage, note = "wont_fix", "Service is being retired this quarter."
            suppressed = rng.random() < SUPPRESSED
            line = rng.randint(1, 900)
            example = rule.example.before.strip().splitlines()[0] if rule.example else ""
            created = when[index] + timedelta(minutes=5)
            findings.append((
                ids.finding, repository.pk, f"{rng.getrandbits(256):064x}", rule.id, severity,
                str(rule.category), rule.cwe, path, line, line + rng.choice((0, 0, 1, 3, 8)),
                rule.title, example, service,
                [f"@acme/{service}"] if service != repository.name else [],
                "Legacy endpoint, removed with v3." if suppressed else "", suppressed,
                "fixed" if fixed else "open", commit[0], commit[5], when[index],
                fixed[0] if fixed else None, False, triage, note, created,
                when[fixed_index] + timedelta(minutes=5) if fixed else created,
            ))
            events.append((ids.event, ids.finding, commit[0], "introduced", {}))
            ids.event += 1
            commit[9] += 1
            commit[11][severity] = commit[11].get(severity, 0) + 1
            if fixed:
                events.append((ids.event, ids.finding, fixed[0], "fixed", {}))
                ids.event += 1
                fixed[10] += 1
                fixed[12][severity] = fixed[12].get(severity, 0) + 1
                self.created["  of which fixed"] += 1
            self.created["  of which false positives"] += triage == "false_positive"
            self.created["  of which suppressed in code"] += suppressed
            ids.finding += 1
        return findings, events

    def place(self, repository: Repository, rule, services: list[str],
              service_weights: list[float]) -> tuple[str, str]:
        """(service, path) of a finding, with a file name the rule's language would flag."""
        rng = self.rng
        language = rule.languages[0]
        stem = rng.choice(STEMS)
        if language == "dotenv":
            name = ".env.production"
        elif language == "sql":
            name = f"{rng.randint(1, 400):06d}_{stem}.up.sql"
        else:
            name = f"{stem}{EXTENSIONS.get(language, '.py')}"
        if rng.random() < REPOSITORY_LEVEL:
            folder = rng.choice(("scripts", "lib", "tools"))
            return repository.name, f"{folder}/{name}"
        service = rng.choices(services, cum_weights=service_weights)[0]
        return service, f"services/{service}/{rng.choice(MODULES)}/{name}"
