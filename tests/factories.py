import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from dashboard.models import Commit, Finding, FindingEvent, Membership, Repository, Team
from dashboard.services import rollups


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)


class RepositoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Repository

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"service-{n}")
    url = factory.LazyAttribute(lambda o: f"https://git.example.com/org/{o.name}.git")
    status = Repository.Status.READY


class CommitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commit

    repository = factory.SubFactory(RepositoryFactory)
    sha = factory.Sequence(lambda n: f"{n:040x}")
    author_name = "Dev"
    author_email = "dev@example.com"
    authored_at = factory.LazyFunction(timezone.now)
    committed_at = factory.LazyFunction(timezone.now)
    message = "Change things"
    reviewed_at = factory.LazyFunction(timezone.now)
    mainline_seq = factory.Sequence(lambda n: n + 1)


class FindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Finding

    repository = factory.SubFactory(RepositoryFactory)
    fingerprint = factory.Sequence(lambda n: f"fp{n:030d}")
    rule_id = "sql-injection"
    severity = "critical"
    category = "security"
    cwe = 89
    path = "app/db.py"
    line = 3
    end_line = 3
    message = "SQL passed to `execute()` is built from run-time values; use bound parameters."
    introduced_in = factory.SubFactory(
        CommitFactory, repository=factory.SelfAttribute("..repository")
    )
    author_email = factory.SelfAttribute("introduced_in.author_email")
    introduced_at = factory.SelfAttribute("introduced_in.committed_at")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Like ingestion: the introducing (and fixing) events, and the rollups kept exact."""
        with rollups.track([]) as tracked:
            finding = super()._create(model_class, *args, **kwargs)
            FindingEvent.objects.create(finding=finding, commit=finding.introduced_in,
                                        kind=FindingEvent.Kind.INTRODUCED)
            if finding.fixed_in_id:
                FindingEvent.objects.create(finding=finding, commit=finding.fixed_in,
                                            kind=FindingEvent.Kind.FIXED)
            tracked.add(finding.pk)
        return finding
