"""Recompute the rollup tables (counts, daily and weekly new and fixed) from the findings."""

from django.core.management.base import BaseCommand

from dashboard.models import Repository
from dashboard.services import rollups


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("repository_ids", nargs="*", type=int,
                            help="Only these repositories (default: all).")

    def handle(self, *args, repository_ids, **options):
        ids = repository_ids or list(Repository.objects.values_list("pk", flat=True))
        for repository_id in ids:
            rollups.rebuild(repository_id)
        self.stdout.write(f"Rebuilt the rollups of {len(ids)} repositories.")
