"""What the review engine found, through time: repositories, commits, findings."""

from django.conf import settings
from django.db import models
from django.db.models import Case, Q, Value, When

from dashboard.crypto import EncryptedTextField


class Severity(models.TextChoices):
    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


SEVERITY_ORDER = [choice.value for choice in Severity]
def split_patterns(text: str) -> list[str]:
    """Branch glob patterns as typed: separated by commas or spaces."""
    return text.replace(",", " ").split()


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


class CommitIdentity(models.Model):
    """An e-mail address a user commits with: what "my findings" means for them."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="commit_identities")
    email = models.CharField(max_length=255)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "email"], name="uniq_commit_identity")
        ]

    def __str__(self) -> str:
        return self.email


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
    # Branches reviewed besides the default one: glob patterns separated by commas or
    # spaces, e.g. "release/*, develop".
    branch_patterns = models.CharField(max_length=500, blank=True)
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
    def tracked_patterns(self) -> list[str]:
        return split_patterns(self.branch_patterns)

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
    # Position on the default branch's first-parent history (1 = oldest); None for commits
    # only on other branches or pull requests, or dropped from the default branch by a
    # force-push. Finding lifecycles (open, fixed, reopened) follow this order.
    mainline_seq = models.PositiveIntegerField(null=True, blank=True)
    # Set when no branch or pull request can reach the commit any more (rewritten history).
    # The row and everything it found stay; it just stops counting.
    unreachable_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["repository", "sha"], name="uniq_commit_sha")
        ]
        indexes = [
            models.Index(fields=["repository", "-committed_at"]),
            models.Index(fields=["-committed_at"], name="commit_newest"),
            models.Index(fields=["repository", "mainline_seq"]),
        ]

    def __str__(self) -> str:
        return self.sha[:10]

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0]

    @property
    def is_reachable(self) -> bool:
        return self.unreachable_at is None


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
        """Where the finding stands on the default branch."""

        OPEN = "open", "Open"
        FIXED = "fixed", "Fixed"
        # Seen only on other branches or pull requests so far.
        BRANCH = "branch", "Not on the default branch"
        # Seen only in commits that no branch or pull request reaches any more.
        UNREACHABLE = "unreachable", "Only in rewritten history"

    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="findings")
    fingerprint = models.CharField(max_length=64)
    rule_id = models.CharField(max_length=100)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    # 0 for critical to 3 for low: "most severe first" as an indexable column.
    severity_rank = models.GeneratedField(
        expression=Case(*[When(severity=s, then=Value(i)) for i, s in enumerate(SEVERITY_ORDER)],
                        default=Value(len(SEVERITY_ORDER))),
        output_field=models.SmallIntegerField(), db_persist=True)
    category = models.CharField(max_length=20)
    cwe = models.PositiveIntegerField(null=True, blank=True)
    path = models.CharField(max_length=1000)
    line = models.PositiveIntegerField()
    end_line = models.PositiveIntegerField()
    message = models.TextField()
    code = models.TextField(blank=True)
    # From .reviewer.toml's service map or the monorepo layout, else the repository's name.
    service = models.CharField(max_length=200, blank=True)
    # Owners from CODEOWNERS at review time, e.g. "@org/billing".
    owners = models.JSONField(default=list, blank=True)
    # The reason given in a `# reviewer: ignore[rule] reason` comment, when suppressed in code.
    suppressed_reason = models.TextField(blank=True)
    is_suppressed = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    introduced_in = models.ForeignKey(Commit, on_delete=models.PROTECT, related_name="+")
    # Copied from introduced_in, so filtering and sorting a million findings by author and
    # date needs no join.
    author_email = models.CharField(max_length=255, blank=True)
    introduced_at = models.DateTimeField(null=True, blank=True)
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
                condition=Q(status__in=["open", "branch", "unreachable"], fixed_in__isnull=True)
                | Q(status="fixed", fixed_in__isnull=False),
                name="finding_fixed_in_matches_status",
            ),
        ]
        # The explorer's sorts, walked in order so a page of 50 reads about 50 rows: most
        # severe first (the default) and newest first, alone or after one filter. The
        # copies of severity, triage and suppression let date ranges count per severity
        # from the index alone (PostgreSQL; other databases ignore `include`).
        # PostgreSQL also gets trigram indexes for the free-text search (migration 0013).
        indexes = [
            models.Index(fields=["status", "severity_rank", "-introduced_at", "-id"],
                         name="finding_status_rank"),
            models.Index(fields=["status", "-introduced_at", "-id"], name="finding_status_newest",
                         include=["severity", "triage", "is_suppressed", "repository"]),
            models.Index(fields=["repository", "status", "severity_rank", "-introduced_at",
                                 "-id"], name="finding_repository_rank"),
            models.Index(fields=["service", "status", "severity_rank", "-introduced_at", "-id"],
                         name="finding_service_rank"),
            models.Index(fields=["rule_id", "status", "severity_rank", "-introduced_at", "-id"],
                         name="finding_rule_rank"),
            models.Index(fields=["author_email", "status", "-introduced_at", "-id"],
                         name="finding_author_newest"),
            models.Index(fields=["rule_id", "triage"]),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.path}:{self.line}"

    @property
    def is_hidden(self) -> bool:
        """Left out of counts and charts unless asked: false positives, suppressed in code."""
        return self.triage == "false_positive" or self.is_suppressed


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
        MERGED = "merged", "Reached the default branch"

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="events")
    commit = models.ForeignKey(Commit, on_delete=models.CASCADE, related_name="finding_events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # Events on the default branch's commits are the lifecycle; on other commits they say
    # what that commit did on its branch or pull request.
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


class Branch(models.Model):
    """A branch of the repository as last fetched; tracked ones have their own open findings."""

    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="branches")
    name = models.CharField(max_length=255)
    head_sha = models.CharField(max_length=40)
    is_default = models.BooleanField(default=False)
    is_tracked = models.BooleanField(default=False)
    # The heads (this branch's and the default branch's) whose difference BranchFinding
    # holds; tracked branches only.
    reviewed_head = models.CharField(max_length=40, blank=True)
    reviewed_base = models.CharField(max_length=40, blank=True)
    # Set when the branch disappeared from the remote; the row stays for its history.
    deleted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["repository", "name"], name="uniq_branch_name")
        ]
        ordering = ["-is_default", "name"]

    def __str__(self) -> str:
        return self.name


class Change(models.TextChoices):
    INTRODUCED = "introduced", "Introduced"
    FIXED = "fixed", "Fixed"


class BranchFinding(models.Model):
    """How a tracked branch differs from the default branch: the findings it has that the
    default branch does not (introduced) and those it no longer has (fixed)."""

    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="differences")
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="+")
    change = models.CharField(max_length=10, choices=Change.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["branch", "finding"], name="uniq_branch_finding")
        ]

    def __str__(self) -> str:
        return f"{self.change} on {self.branch_id}"


class HistoryRewrite(models.Model):
    """A branch moved to a head that does not contain its previous head (a force-push)."""

    repository = models.ForeignKey(Repository, on_delete=models.CASCADE,
                                   related_name="history_rewrites")
    branch = models.CharField(max_length=255)
    old_head = models.CharField(max_length=40)
    # Empty when the branch was deleted.
    new_head = models.CharField(max_length=40, blank=True)
    dropped_commits = models.PositiveIntegerField(default=0)
    detected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-detected_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.branch}: {self.old_head[:10]} -> {self.new_head[:10] or 'deleted'}"


class PullRequest(models.Model):
    """A pull (merge) request: the change base..head, where base is where it left the
    default branch. Its findings are what head has that base had not, and what it fixed."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        MERGED = "merged", "Merged"
        CLOSED = "closed", "Closed"

    repository = models.ForeignKey(Repository, on_delete=models.CASCADE,
                                   related_name="pull_requests")
    # "#12" (GitHub), "!7" (GitLab), "branch:feature-x" when only a branch told us.
    key = models.CharField(max_length=300)
    number = models.PositiveIntegerField(null=True, blank=True)
    title = models.CharField(max_length=500)
    source_branch = models.CharField(max_length=255, blank=True)
    target_branch = models.CharField(max_length=255, blank=True)
    author_name = models.CharField(max_length=255, blank=True)
    author_email = models.CharField(max_length=255, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    base_sha = models.CharField(max_length=40)
    head_sha = models.CharField(max_length=40)
    merge_commit = models.ForeignKey(Commit, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    url = models.URLField(max_length=500, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    merged_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The head (and base) whose findings PullRequestFinding holds.
    reviewed_head = models.CharField(max_length=40, blank=True)
    reviewed_base = models.CharField(max_length=40, blank=True)
    findings_introduced = models.PositiveIntegerField(default=0)
    findings_fixed = models.PositiveIntegerField(default=0)
    introduced_by_severity = models.JSONField(default=dict)
    fixed_by_severity = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["repository", "key"], name="uniq_pull_request_key")
        ]
        indexes = [models.Index(fields=["repository", "state"])]

    def __str__(self) -> str:
        return f"{self.key} {self.title}"

    @property
    def label(self) -> str:
        return self.key.removeprefix("branch:")


class PullRequestFinding(models.Model):
    pull_request = models.ForeignKey(PullRequest, on_delete=models.CASCADE,
                                     related_name="changes")
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE,
                                related_name="pull_request_changes")
    change = models.CharField(max_length=10, choices=Change.choices)
    # The pull request's own commit that introduced it, when its commits were reviewed.
    commit = models.ForeignKey(Commit, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pull_request", "finding"],
                                    name="uniq_pull_request_finding")
        ]

    def __str__(self) -> str:
        return f"{self.change} in {self.pull_request_id}"


class FindingActivity(models.Model):
    """Rollup at the finest grain: findings that became open (new, merged, reopened) and
    that were fixed on the default branch, per day x repository x service x rule x
    severity x author. Kept up to date by ingestion and triage, so trends never scan the
    findings table; RuleActivity and ServiceActivity are coarser copies for the pages."""

    day = models.DateField()
    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="+")
    service = models.CharField(max_length=200)
    rule_id = models.CharField(max_length=100)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    author_email = models.CharField(max_length=255)
    # False positives and suppressed findings, shown only with the "include" toggle.
    hidden = models.BooleanField(default=False)
    new = models.IntegerField(default=0)
    fixed = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "repository", "service", "rule_id", "severity", "author_email",
                        "hidden"], name="uniq_finding_activity"),
        ]
        # Covering: an engineer's trend is read from the index alone (PostgreSQL).
        indexes = [models.Index(fields=["author_email", "day"], name="activity_author_day",
                                include=["repository", "hidden", "new", "fixed"]),
                   models.Index(fields=["repository", "day"], name="activity_repository_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.rule_id}: +{self.new} -{self.fixed}"


class RuleActivity(models.Model):
    """Rollup: FindingActivity per week (its Monday) and without the author, for the rule
    pages' trends."""

    week = models.DateField()
    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="+")
    service = models.CharField(max_length=200)
    rule_id = models.CharField(max_length=100)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    hidden = models.BooleanField(default=False)
    new = models.IntegerField(default=0)
    fixed = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["week", "repository", "service", "rule_id", "severity", "hidden"],
                name="uniq_rule_activity"),
        ]
        indexes = [models.Index(fields=["rule_id", "week"], name="rule_activity_rule_week")]

    def __str__(self) -> str:
        return f"{self.week} {self.rule_id}: +{self.new} -{self.fixed}"


class ServiceActivity(models.Model):
    """Rollup: FindingActivity per week and without the rule or the author, for the trends
    that do not filter by rule (overview, services, repositories)."""

    week = models.DateField()
    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="+")
    service = models.CharField(max_length=200)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    hidden = models.BooleanField(default=False)
    new = models.IntegerField(default=0)
    fixed = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["week", "repository", "service", "severity", "hidden"],
                name="uniq_weekly_service_activity"),
        ]
        indexes = [models.Index(fields=["week", "repository"], name="service_activity_week"),
                   models.Index(fields=["service", "week"], name="service_activity_service")]

    def __str__(self) -> str:
        return f"{self.week} {self.service}: +{self.new} -{self.fixed}"


class FindingCount(models.Model):
    """Rollup: findings per repository x service x rule x severity x status x triage, so
    the explorer counts any status and triage state without scanning the findings."""

    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="+")
    service = models.CharField(max_length=200)
    rule_id = models.CharField(max_length=100)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    status = models.CharField(max_length=12)
    triage = models.CharField(max_length=16, blank=True)
    hidden = models.BooleanField(default=False)
    findings = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["repository", "service", "rule_id", "severity", "status", "triage",
                        "hidden"], name="uniq_finding_count"),
        ]
        indexes = [models.Index(fields=["status", "repository"]),
                   models.Index(fields=["service", "status"]),
                   models.Index(fields=["rule_id", "status"])]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.severity} {self.status}: {self.findings}"


class OpenFindingCount(models.Model):
    """Rollup: findings open on the default branch now, per repository x service x rule x
    severity x author (the author pages and filters; FindingCount answers the rest)."""

    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="+")
    service = models.CharField(max_length=200)
    rule_id = models.CharField(max_length=100)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    author_email = models.CharField(max_length=255)
    hidden = models.BooleanField(default=False)
    open = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["repository", "service", "rule_id", "severity", "author_email",
                        "hidden"], name="uniq_open_finding_count"),
        ]
        indexes = [models.Index(fields=["author_email"]), models.Index(fields=["rule_id"]),
                   models.Index(fields=["service"])]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.severity}: {self.open}"
