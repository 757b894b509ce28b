"""Branches, pull requests and rewritten history, on real repositories built here."""

import pytest

from dashboard.models import (
    Branch,
    BranchFinding,
    Commit,
    Finding,
    HistoryRewrite,
    PullRequest,
    Repository,
)
from dashboard.selectors import counted
from dashboard.services.reviews import review_repository
from reviewer.git import run_git, write_commit
from tests.factories import RepositoryFactory

BEA = ("Bea Castro", "bea@example.com")
SAFE_A = 'def find_a(cur, uid):\n    cur.execute("SELECT * FROM t WHERE id = %s", (uid,))\n'
TEST_FILE = "def test_it():\n    assert True\n"


def sqli(name: str) -> str:
    # Each its own statement: the same statement elsewhere in the same change is a move.
    return f'def {name}(cur, uid):\n    cur.execute(f"SELECT * FROM {name} WHERE id = {{uid}}")\n'


def git(repo, *args: str) -> str:
    return run_git(repo, *args, author=("Merger", "merger@example.com"))


def review(repository: Repository) -> Repository:
    assert review_repository(repository.pk) == "ready"
    return Repository.objects.get(pk=repository.pk)


def sqli_at(repository: Repository, path: str) -> Finding:
    return repository.findings.get(rule_id="sql-injection", path=path)


def changes(pull: PullRequest) -> set[tuple[str, str, str]]:
    return {(c.change, c.finding.rule_id, c.finding.path)
            for c in pull.changes.select_related("finding")}


@pytest.mark.django_db(transaction=True)
def test_a_feature_branch_merged_by_a_merge_commit_is_a_pull_request_with_its_own_findings(
    team, tmp_path
):
    repo = tmp_path / "svc"
    base = write_commit(repo, {"app/a.py": sqli("find_a")}, "add a")
    git(repo, "checkout", "-q", "-b", "feature-x")
    wrote_b = write_commit(repo, {"app/b.py": sqli("find_b"), "tests/test_b.py": TEST_FILE},
                           "add b", author=BEA)
    write_commit(repo, {"app/a.py": SAFE_A, "app/c.py": sqli("find_c"),
                        "tests/test_a.py": TEST_FILE}, "fix a, try c", author=BEA)
    head = write_commit(repo, {"app/c.py": None}, "drop c", author=BEA)
    git(repo, "checkout", "-q", "main")
    write_commit(repo, {"app/d.py": sqli("find_d"), "tests/test_d.py": TEST_FILE}, "add d")
    git(repo, "merge", "--no-ff", "-q", "feature-x",
        "-m", "Merge pull request #7 from acme/feature-x\n\nLook up refunds safely")
    merge = git(repo, "rev-parse", "HEAD")

    repository = review(RepositoryFactory(team=team, url=str(repo), status="queued"))

    pull = repository.pull_requests.get()
    assert (pull.key, pull.number, pull.title, pull.source_branch, pull.state) == (
        "#7", 7, "Look up refunds safely", "feature-x", "merged")
    assert (pull.author_name, pull.base_sha, pull.head_sha) == ("Bea Castro", base, head)
    assert pull.merge_commit.sha == merge and pull.merged_at is not None
    assert changes(pull) == {("introduced", "sql-injection", "app/b.py"),
                             ("fixed", "sql-injection", "app/a.py")}
    assert pull.introduced_by_severity == {"critical": 1}
    assert pull.fixed_by_severity == {"critical": 1}
    assert pull.changes.get(change="introduced").commit.sha == wrote_b

    b = sqli_at(repository, "app/b.py")
    # Credited to the feature commit that wrote it, open since the merge.
    assert (b.status, b.introduced_in.sha) == ("open", wrote_b)
    kinds = set(b.events.values_list("kind", "commit__sha"))
    assert kinds == {("introduced", wrote_b), ("merged", merge)}
    a = sqli_at(repository, "app/a.py")
    assert (a.status, a.fixed_in.sha) == ("fixed", merge)
    c = sqli_at(repository, "app/c.py")
    assert c.status == "branch"  # written and removed on the branch: never on main
    assert sqli_at(repository, "app/d.py").status == "open"
    assert not Commit.objects.get(sha=wrote_b).mainline_seq
    assert Commit.objects.get(sha=merge).mainline_seq


@pytest.mark.django_db(transaction=True)
def test_an_open_pull_request_ref_follows_its_force_pushes_and_nothing_is_deleted(
    team, tmp_path
):
    repo = tmp_path / "svc"
    base = write_commit(repo, {"app/a.py": sqli("find_a")}, "add a")
    git(repo, "checkout", "-q", "-b", "topic")
    first = write_commit(repo, {"app/t.py": sqli("find_t"), "tests/test_t.py": TEST_FILE},
                         "add t", author=BEA)
    git(repo, "update-ref", "refs/pull/9/head", first)
    git(repo, "checkout", "-q", "main")
    repository = review(RepositoryFactory(team=team, url=str(repo), status="queued"))

    pull = repository.pull_requests.get()
    assert (pull.key, pull.state, pull.source_branch, pull.base_sha, pull.head_sha) == (
        "#9", "open", "topic", base, first)
    assert pull.title == "add t" and pull.author_email == "bea@example.com"
    assert changes(pull) == {("introduced", "sql-injection", "app/t.py")}
    t = sqli_at(repository, "app/t.py")
    assert t.status == "branch"
    assert set(counted(repository.findings.filter(status="open", rule_id="sql-injection"))
               .values_list("path", flat=True)) == {"app/a.py"}

    # Force-push: the branch and the pull request ref now hold different work.
    git(repo, "checkout", "-q", "topic")
    git(repo, "reset", "-q", "--hard", base)
    second = write_commit(repo, {"app/u.py": sqli("find_u"), "tests/test_u.py": TEST_FILE},
                          "add u instead", author=BEA)
    git(repo, "update-ref", "refs/pull/9/head", second)
    git(repo, "checkout", "-q", "main")
    repository = review(repository)

    pull.refresh_from_db()
    assert pull.head_sha == second and pull.state == "open"
    assert changes(pull) == {("introduced", "sql-injection", "app/u.py")}
    rewrite = HistoryRewrite.objects.get(repository=repository)
    assert (rewrite.branch, rewrite.old_head, rewrite.new_head, rewrite.dropped_commits) == (
        "topic", first, second, 1)
    dropped = Commit.objects.get(sha=first)
    assert dropped.unreachable_at is not None and not dropped.is_reachable
    t.refresh_from_db()
    assert t.status == "unreachable"
    assert t.events.filter(commit=dropped, kind="introduced").exists()  # history kept
    assert Commit.objects.get(sha=second).is_reachable


@pytest.mark.django_db(transaction=True)
def test_a_force_pushed_default_branch_rewinds_the_lifecycle(team, tmp_path):
    repo = tmp_path / "svc"
    first = write_commit(repo, {"app/a.py": sqli("find_a")}, "add a")
    dropped = write_commit(repo, {"app/a.py": SAFE_A, "app/b.py": sqli("find_b")},
                           "fix a, add b")
    repository = review(RepositoryFactory(team=team, url=str(repo), status="queued"))
    a = sqli_at(repository, "app/a.py")
    assert (a.status, a.fixed_in.sha) == ("fixed", dropped)

    git(repo, "reset", "-q", "--hard", first)
    rewritten = write_commit(repo, {"app/e.py": sqli("find_e")}, "add e instead")
    repository = review(repository)

    a.refresh_from_db()
    assert (a.status, a.fixed_in, a.is_regression) == ("open", None, False)
    b = sqli_at(repository, "app/b.py")
    assert (b.status, b.introduced_in.sha) == ("unreachable", dropped)
    e = sqli_at(repository, "app/e.py")
    assert (e.status, e.introduced_in.sha) == ("open", rewritten)
    old = Commit.objects.get(sha=dropped)
    assert old.unreachable_at is not None and old.mainline_seq is None
    assert list(Commit.objects.filter(repository=repository, mainline_seq__isnull=False)
                .order_by("mainline_seq").values_list("sha", flat=True)) == [first, rewritten]
    assert HistoryRewrite.objects.get(repository=repository).branch == "main"
    assert repository.reviewed_head == rewritten
    assert set(counted(repository.findings.filter(status="open", rule_id="sql-injection"))
               .values_list("path", flat=True)) == {"app/a.py", "app/e.py"}


@pytest.mark.django_db(transaction=True)
def test_tracked_branches_hold_their_own_difference_from_the_default_branch(team, tmp_path):
    repo = tmp_path / "svc"
    base = write_commit(repo, {"app/a.py": sqli("find_a")}, "add a")
    git(repo, "checkout", "-q", "-b", "release/1.0")
    release = write_commit(repo, {"app/a.py": SAFE_A, "app/r.py": sqli("find_r")},
                           "release fix a, add r")
    git(repo, "checkout", "-q", "-b", "experiment", base)
    write_commit(repo, {"app/x.py": sqli("find_x")}, "untracked work")
    git(repo, "checkout", "-q", "main")
    repository = review(RepositoryFactory(team=team, url=str(repo), status="queued",
                                          branch_patterns="release/*"))

    branches = {b.name: (b.is_default, b.is_tracked) for b in repository.branches.all()}
    assert branches == {"main": (True, True), "release/1.0": (False, True),
                        "experiment": (False, False)}
    tracked = Branch.objects.get(repository=repository, name="release/1.0")
    difference = {(d.change, d.finding.path) for d in
                  BranchFinding.objects.filter(branch=tracked).select_related("finding")}
    assert difference == {("introduced", "app/r.py"), ("fixed", "app/a.py")}
    assert Commit.objects.get(sha=release).reviewed_at is not None
    # An untracked branch is still an open pull request of its own.
    assert repository.pull_requests.get(source_branch="experiment").state == "open"

    git(repo, "branch", "-q", "-f", "release/1.0", base)
    repository = review(repository)
    assert not BranchFinding.objects.filter(branch=tracked).exists()
    assert Commit.objects.get(sha=release).unreachable_at is not None
    assert sqli_at(repository, "app/r.py").status == "unreachable"


@pytest.mark.django_db(transaction=True)
def test_a_deleted_unmerged_branch_closes_its_pull_request(team, tmp_path):
    repo = tmp_path / "svc"
    write_commit(repo, {"app/a.py": "x = 1\n"}, "start")
    git(repo, "checkout", "-q", "-b", "spike")
    write_commit(repo, {"app/s.py": sqli("find_s")}, "spike")
    git(repo, "checkout", "-q", "main")
    repository = review(RepositoryFactory(team=team, url=str(repo), status="queued"))
    pull = repository.pull_requests.get()
    assert (pull.key, pull.state, pull.title) == ("branch:spike", "open", "spike")

    git(repo, "branch", "-q", "-D", "spike")
    repository = review(repository)
    pull.refresh_from_db()
    assert pull.state == "closed" and pull.closed_at is not None
    assert repository.branches.get(name="spike").deleted_at is not None
    assert sqli_at(repository, "app/s.py").status == "unreachable"


@pytest.mark.django_db(transaction=True)
def test_a_gitlab_merge_and_a_plain_git_merge_are_pull_requests_too(team, tmp_path):
    repo = tmp_path / "svc"
    write_commit(repo, {"app/a.py": "x = 1\n"}, "start")
    for branch, message in [
        ("fix-login", "Merge branch 'fix-login' into 'main'\n\nFix the login redirect\n\n"
                      "See merge request acme/api!42"),
        ("cleanup", "Merge branch 'cleanup'"),
    ]:
        git(repo, "checkout", "-q", "-b", branch)
        write_commit(repo, {f"app/{branch}.py": sqli("find_" + branch.replace("-", "_"))},
                     f"work on {branch}", author=BEA)
        git(repo, "checkout", "-q", "main")
        git(repo, "merge", "--no-ff", "-q", branch, "-m", message)
    repository = review(RepositoryFactory(team=team, url=str(repo), status="queued"))
    pulls = {p.key: (p.number, p.title, p.state, p.source_branch)
             for p in repository.pull_requests.all()}
    assert pulls == {
        "!42": (42, "Fix the login redirect", "merged", "fix-login"),
        "branch:cleanup": (None, "work on cleanup", "merged", "cleanup"),
    }


@pytest.mark.django_db(transaction=True)
def test_a_squash_merged_pull_request_is_merged_not_left_open(team, tmp_path):
    repo = tmp_path / "svc"
    base = write_commit(repo, {"app/a.py": "x = 1\n"}, "start")
    git(repo, "checkout", "-q", "-b", "refunds")
    write_commit(repo, {"app/r.py": sqli("find_r")}, "wip", author=BEA)
    head = write_commit(repo, {"app/r.py": sqli("find_r") + "\nLIMIT = 5\n"}, "more wip",
                        author=BEA)
    git(repo, "update-ref", "refs/pull/21/head", head)
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "--squash", "-q", "refunds")
    squash = write_commit(repo, {}, "Add refunds (#21)", author=BEA)
    repository = review(RepositoryFactory(team=team, url=str(repo), status="queued"))

    pull = repository.pull_requests.get()
    assert (pull.key, pull.state, pull.title, pull.merge_commit.sha) == (
        "#21", "merged", "Add refunds", squash)
    assert (pull.base_sha, pull.head_sha, pull.source_branch) == (base, head, "refunds")
    assert changes(pull) == {("introduced", "sql-injection", "app/r.py"),
                             ("introduced", "untested-change", "app/r.py")}
    assert sqli_at(repository, "app/r.py").status == "open"
