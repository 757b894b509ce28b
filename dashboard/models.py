"""What the review engine found, through time: repositories, commits, findings."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from dashboard.crypto import EncryptedTextField


class Severity(models.TextChoices):
    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


SEVERITY_ORDER = [choice.value for choice in Severity]
TRIAGE_STATES = [("", "Untriaged"), ("false_positive", "False positive"),
                 ("wont_fix", "Won't fix"), ("accepted_risk", "Accepted risk")]


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="teams"
    )

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        LEAD = "lead", "Tech lead"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "team"], name="uniq_membership")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"


class Repository(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        FETCHING = "fetching", "Fetching"
        REVIEWING = "reviewing", "Reviewing"
        READY = "ready", "Up to date"
        EMPTY = "empty", "No commits"
        FAILED = "failed", "Failed"

    RUNNING = (Status.FETCHING, Status.REVIEWING)

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="repositories")
    name = models.CharField(max_length=200)
    # Shown to users; credentials never live here, they go to `credentials` encrypted.
    url = models.CharField(max_length=500)
    credentials = EncryptedTextField(blank=True, default="")
    default_branch = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    status_detail = models.TextField(blank=True)
    # Why the repository's .reviewer.toml was not used (the review ran on the defaults).
    config_error = models.TextField(blank=True)
    commits_total = models.PositiveIntegerField(default=0)
    commits_reviewed = models.PositiveIntegerField(default=0)
    reviewed_head = models.CharField(max_length=40, blank=True)
    # How often beat re-reviews this repository (REVIEW_INTERVAL_SECONDS is how often beat
    # looks; each repository is only queued once its own interval has passed).
    review_interval_minutes = models.PositiveIntegerField(default=15)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_reviewed_at = models.DateTimeField(null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "repositories"
        constraints = [
            models.UniqueConstraint(fields=["team", "url"], name="uniq_repository_url_per_team")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING or self.status == self.Status.QUEUED

    @property
    def progress_percent(self) -> int:
        if not self.commits_total:
            return 0
        return min(100, round(100 * self.commits_reviewed / self.commits_total))


class Commit(models.Model):
    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="commits")
    sha = models.CharField(max_length=40)
    parent_shas = models.JSONField(default=list)
    author_name = models.CharField(max_length=255)
    author_email = models.CharField(max_length=255)
    authored_at = models.DateTimeField()
    committed_at = models.DateTimeField()
    message = models.TextField()
    findings_introduced = models.PositiveIntegerField(default=0)
    findings_fixed = models.PositiveIntegerField(default=0)
    # {"critical": 1, "medium": 2}: what "new vs fixed per week by severity" sums.
    introduced_by_severity = models.JSONField(default=dict)
    fixed_by_severity = models.JSONField(default=dict)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["repository", "sha"], name="uniq_commit_sha")
        ]
        indexes = [models.Index(fields=["repository", "-committed_at"])]

    def __str__(self) -> str:
        return self.sha[:10]

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0]


class FileChange(models.Model):
    commit = models.ForeignKey(Commit, on_delete=models.CASCADE, related_name="file_changes")
    path = models.CharField(max_length=1000)
    old_path = models.CharField(max_length=1000, blank=True)
    status = models.CharField(max_length=1)
    additions = models.PositiveIntegerField(default=0)
    deletions = models.PositiveIntegerField(default=0)
    is_binary = models.BooleanField(default=False)
    patch = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["commit", "path"], name="uniq_file_change")
        ]

    def __str__(self) -> str:
        return f"{self.commit}:{self.path}"


class SkippedFile(models.Model):
    """A file the engine could not analyze in a commit, and why: skips are never silent."""

    commit = models.ForeignKey(Commit, on_delete=models.CASCADE, related_name="skipped_files")
    path = models.CharField(max_length=1000)
    reason = models.CharField(max_length=500)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["commit", "path"], name="uniq_skipped_file")
        ]

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class Finding(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        FIXED = "fixed", "Fixed"

    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="findings")
    fingerprint = models.CharField(max_length=64)
    rule_id = models.CharField(max_length=100)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    category = models.CharField(max_length=20)
    cwe = models.PositiveIntegerField(null=True, blank=True)
    path = models.CharField(max_length=1000)
    line = models.PositiveIntegerField()
    end_line = models.PositiveIntegerField()
    message = models.TextField()
    code = models.TextField(blank=True)
    # From .reviewer.toml's service map or the monorepo layout, else the repository's name.
    service = models.CharField(max_length=200, blank=True, db_index=True)
    # Owners from CODEOWNERS at review time, e.g. "@org/billing".
    owners = models.JSONField(default=list, blank=True)
    # The reason given in a `# reviewer: ignore[rule] reason` comment, when suppressed in code.
    suppressed_reason = models.TextField(blank=True)
    is_suppressed = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    introduced_in = models.ForeignKey(Commit, on_delete=models.PROTECT, related_name="+")
    fixed_in = models.ForeignKey(
        Commit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_regression = models.BooleanField(default=False)
    # Triage follows the row, i.e. the fingerprint, into every later commit.
    triage = models.CharField(max_length=16, blank=True, default="", choices=TRIAGE_STATES)
    triage_note = models.TextField(blank=True)
    triage_expires_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["repository", "fingerprint"], name="uniq_finding_fingerprint"
            ),
            models.CheckConstraint(
                condition=Q(status="open", fixed_in__isnull=True)
                | Q(status="fixed", fixed_in__isnull=False),
                name="finding_fixed_in_matches_status",
            ),
        ]
        indexes = [models.Index(fields=["repository", "status", "severity"])]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.path}:{self.line}"


class ApiChange(models.Model):
    """One change of the API contract in a commit (routes, request/response models)."""

    commit = models.ForeignKey(Commit, on_delete=models.CASCADE, related_name="api_changes")
    change = models.CharField(max_length=40)
    breaking = models.BooleanField()
    subject = models.CharField(max_length=500)
    path = models.CharField(max_length=1000)
    line = models.PositiveIntegerField()
    detail = models.TextField()
    migration_note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["commit", "change", "subject"],
                                    name="uniq_api_change")
        ]

    def __str__(self) -> str:
        return f"{self.change} {self.subject}"


class FindingEvent(models.Model):
    """What happened to a finding in a commit: its history, one row per event."""

    class Kind(models.TextChoices):
        INTRODUCED = "introduced", "Introduced"
        FIXED = "fixed", "Fixed"
        REOPENED = "reopened", "Reopened (regression)"
        MOVED = "moved", "Moved"

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="events")
    commit = models.ForeignKey(Commit, on_delete=models.CASCADE, related_name="finding_events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # For moves: {"from": "old/path.py:12", "to": "new/path.py:40"}.
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["finding", "commit", "kind"],
                                    name="uniq_finding_event")
        ]

    def __str__(self) -> str:
        return f"{self.kind} in {self.commit}"


class TriageEvent(models.Model):
    """The audit trail of a finding's triage: who changed it, when, from what to what."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="triage_events")
    # None when the system changed it (an accepted risk that expired).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL)
    from_state = models.CharField(max_length=16, blank=True, choices=TRIAGE_STATES)
    to_state = models.CharField(max_length=16, blank=True, choices=TRIAGE_STATES)
    note = models.TextField(blank=True)
    expires_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.from_state or 'untriaged'} -> {self.to_state or 'untriaged'}"
