"""`make bench-web`: the dashboard's pages against a million-finding PostgreSQL database
(seeded by `manage.py seed_bench` on first use), timed in-process through Django's test
client: server time and SQL time per request, p50/p95, against the targets.

Targets: every page p95 under 150 ms; explorer filters (the findings list with a query)
under 100 ms. The time is the server's (middleware, view, queries, template), no network.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import time
import warnings
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import PurePosixPath
from urllib.parse import urlencode

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/reviewer_bench"
PAGE_TARGET_MS = 150
FILTER_TARGET_MS = 100
# Never benchmarked: they change state (logout) or are not the dashboard (admin, login).
SKIP = {"login", "logout"}
ROUTE_ARGUMENT = re.compile(r"([\w-]+)/<(?:\w+:)?(\w+)>")


def configure_environment() -> None:
    """What dashboard.settings needs with DEBUG off, unless the caller set it."""
    # Its own variable, never DATABASE_URL: the bench seeds a million rows and must not
    # land in the database a developer or CI points the project at.
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    for name, value in {"DJANGO_SETTINGS_MODULE": "dashboard.settings", "SECRET_KEY": "bench",
                        "ALLOWED_HOSTS": "testserver", "DEBUG": "false"}.items():
        os.environ.setdefault(name, value)


def ensure_database(url: str) -> None:
    """Create the database if it does not exist, through the server's `postgres` database."""
    import environ
    import psycopg
    from psycopg import sql

    config = environ.Env.db_url_config(url)
    if "postgresql" not in config["ENGINE"]:
        raise SystemExit(f"bench.web measures PostgreSQL; BENCH_DATABASE_URL is {url}")
    with psycopg.connect(host=config["HOST"], port=config["PORT"] or 5432,
                         user=config["USER"], password=config["PASSWORD"] or None,
                         dbname="postgres", autocommit=True) as server:
        exists = server.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                [config["NAME"]]).fetchone()
        if not exists:
            print(f"Creating database {config['NAME']}")
            server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))


@dataclass
class Fixtures:
    """Real values to put in URLs, picked from the data: the largest repository, a fixed
    finding in it (its page has a history) and the commit that introduced it, the most
    common rule, author and service."""

    rows: dict  # model -> the instance its URLs show
    repository_id: int | None
    rule_id: str
    author: str
    service: str
    path_fragment: str

    @classmethod
    def pick(cls) -> Fixtures:
        from django.db.models import Sum

        from dashboard.models import Commit, Finding, OpenFindingCount, Repository

        def most_open(dimension: str):
            return (OpenFindingCount.objects.values(dimension).annotate(n=Sum("open"))
                    .order_by("-n").values_list(dimension, flat=True).first())

        repository = Repository.objects.filter(pk=most_open("repository_id")).first()
        finding = (Finding.objects.filter(repository=repository, status="fixed")
                   .select_related("introduced_in").order_by("-pk").first())
        rows = {Repository: repository, Finding: finding,
                Commit: finding and finding.introduced_in}
        return cls(rows=rows, repository_id=repository and repository.pk,
                   rule_id=most_open("rule_id") or "sql-injection",
                   author=most_open("author_email") or "", service=most_open("service") or "",
                   path_fragment=PurePosixPath(finding.path).name if finding else "api")

    def row(self, model):
        """The instance of `model` to show: a fixture, else the newest in the repository."""
        if model not in self.rows:
            rows = model.objects.order_by("-pk")
            in_repository = None
            if any(f.name == "repository" for f in model._meta.get_fields()):
                in_repository = rows.filter(repository_id=self.repository_id).first()
            self.rows[model] = in_repository or rows.first()
        return self.rows[model]

    def value(self, collection: str, arg: str):
        """What to put for <arg> after "<collection>/" in a route, or None if unknown."""
        from django.apps import apps

        if collection == "rules":
            return self.rule_id
        if collection == "services":
            return self.service
        # "pull-requests" -> PullRequest, "repositories" -> Repository
        singular = collection[:-3] + "y" if collection.endswith("ies") else collection[:-1]
        try:
            model = apps.get_model("dashboard", singular.replace("-", ""))
        except LookupError:
            return None
        instance = self.row(model)
        return getattr(instance, "pk" if arg in ("pk", "id") else arg, None)


def explorer_filters(fx: Fixtures) -> list[dict]:
    from django.utils import timezone

    since = (timezone.now() - timedelta(days=90)).date().isoformat()
    return [{"severity": "critical"}, {"severity": "high", "service": fx.service},
            {"rule": fx.rule_id}, {"author": fx.author}, {"q": fx.path_fragment},
            {"from": since}, {"status": "fixed"}, {"sort": "newest"}, {"page": 50}]


def discover(fx: Fixtures) -> tuple[list[str], list[str]]:
    """(URLs of the GET pages, notes on the URL names left out), from the resolver, so a
    page added later is measured without touching this file. Each argument is filled in
    from the collection it follows: <pk> in "repositories/<int:pk>/" is a repository."""
    from django.urls import URLPattern, get_resolver, reverse

    urls, notes = [], []
    for pattern in get_resolver().url_patterns:
        if not isinstance(pattern, URLPattern) or pattern.name in SKIP:
            continue  # includes (the admin) and pages that are not the dashboard
        kwargs = {arg: fx.value(collection, arg)
                  for collection, arg in ROUTE_ARGUMENT.findall(str(pattern.pattern))}
        if None in kwargs.values() or len(kwargs) != len(pattern.pattern.converters):
            notes.append(f"{pattern.name}: no data for {str(pattern.pattern)!r}")
            continue
        urls.append(reverse(pattern.name, kwargs=kwargs))
        if pattern.name == "finding-list":
            urls += [f"{urls[-1]}?{urlencode(query)}" for query in explorer_filters(fx)]
    return urls, notes


class SqlClock:
    """An execute_wrapper summing the time spent in the database driver."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.queries += 1


@dataclass
class Result:
    url: str
    status: int = 0
    total_ms: list[float] = field(default_factory=list)
    sql_ms: list[float] = field(default_factory=list)
    queries: int = 0

    @property
    def target(self) -> int:
        return FILTER_TARGET_MS if self.url.startswith("/findings/?") else PAGE_TARGET_MS

    @property
    def over(self) -> bool:
        return percentile(self.total_ms, 95) > self.target


def percentile(values: list[float], p: int) -> float:
    """Nearest rank: with 20 samples p95 is the 19th fastest."""
    ordered = sorted(values)
    return ordered[max(0, -(-p * len(ordered) // 100) - 1)]


def measure(client, url: str, requests: int, warmup: int) -> Result:
    from django.db import connection

    result = Result(url)
    for i in range(warmup + requests):
        clock = SqlClock()
        with connection.execute_wrapper(clock):
            started = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - started
        result.status = response.status_code
        if response.status_code == 405:
            return result  # POST only
        if i >= warmup:
            result.total_ms.append(elapsed * 1000)
            result.sql_ms.append(clock.seconds * 1000)
            result.queries = clock.queries
    return result


def explain_slowest(client, url: str, lines: int) -> None:
    """The slowest query of one request to `url`, and its EXPLAIN ANALYZE plan."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    slowest = max(captured.captured_queries, key=lambda q: float(q["time"]))
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
        plan = [row[0] for row in cursor.fetchall()]
    # The column list says nothing about the plan: keep FROM onwards.
    text = re.sub(r"^SELECT .+? FROM ", "SELECT ... FROM ", slowest["sql"], count=1, flags=re.S)
    print(f"\n== {url}: slowest query {float(slowest['time']) * 1000:.1f} ms of "
          f"{len(captured.captured_queries)}\n{text}")
    print("\n".join(plan[:lines]) + ("\n..." if len(plan) > lines else ""))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.web", description=__doc__)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--only", default="", help="Only URLs containing this text.")
    parser.add_argument("--plan-lines", type=int, default=40,
                        help="Lines of EXPLAIN ANALYZE shown per page over target.")
    for size, default in (("repositories", 50), ("commits", 100_000),
                          ("findings", 1_000_000)):
        parser.add_argument(f"--{size}", type=int, default=default,
                            help="Seeded when the database has no repositories.")
    args = parser.parse_args(argv)
    configure_environment()
    ensure_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client, override_settings

    from dashboard.models import Finding, Repository

    call_command("migrate", interactive=False, verbosity=0)
    if not Repository.objects.exists():
        call_command("seed_bench", repositories=args.repositories, commits=args.commits,
                     findings=args.findings)
    client = Client()
    client.force_login(get_user_model().objects.get(username="bench"))
    fx = Fixtures.pick()
    urls, notes = discover(fx)
    urls = [url for url in urls if args.only in url]
    print(f"\n{Repository.objects.count()} repositories, {Finding.objects.count()} findings; "
          f"{args.requests} requests per page after {args.warmup} warm-up; "
          f"target p95 {PAGE_TARGET_MS} ms (explorer filters {FILTER_TARGET_MS} ms)\n")
    # Without collectstatic there is no manifest; the {% static %} lookups cost the same.
    static = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
              "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    logging.getLogger("django.request").setLevel(logging.ERROR)  # 405s of POST-only views
    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise, no STATIC_ROOT
    width = max(map(len, urls), default=4)
    header = (f"{'page':<{width}} {'status':>6} {'p50 ms':>8} {'p95 ms':>8} {'SQL p50':>8} "
              f"{'SQL p95':>8} {'queries':>7}")
    print(header + "\n" + "-" * len(header))
    results = []
    with override_settings(STORAGES=static):
        for url in urls:
            result = measure(client, url, args.requests, args.warmup)
            if result.status == 405:
                notes.append(f"{url}: POST only")
                continue
            results.append(result)
            print(f"{url:<{width}} {result.status:>6} {percentile(result.total_ms, 50):>8.1f} "
                  f"{percentile(result.total_ms, 95):>8.1f} {percentile(result.sql_ms, 50):>8.1f} "
                  f"{percentile(result.sql_ms, 95):>8.1f} {result.queries:>7}"
                  f"{'  OVER ' + str(result.target) if result.over else ''}", flush=True)
        for note in notes:
            print(f"skipped {note}")
        over = [r for r in results if r.over]
        for result in over:
            explain_slowest(client, result.url, args.plan_lines)
    print(f"\n{len(over)} of {len(results)} pages over target." if over
          else f"\nAll {len(results)} pages within target.")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
