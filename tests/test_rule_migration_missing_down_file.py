"""migration-missing-down-file: a commit that adds X.up.sql without X.down.sql."""

from reviewer.engine import Reviewer
from reviewer.git import GitRepository
from reviewer.rules.sqlmigrations.migration_missing_down_file import down_path

RULE = "migration-missing-down-file"
UP = "ALTER TABLE users ADD COLUMN plan text;\n"
DOWN = "ALTER TABLE users DROP COLUMN plan;\n"
GOOSE = "-- +goose Up\nALTER TABLE users ADD COLUMN plan text;\n-- +goose Down\n" + DOWN


def findings(path):
    with GitRepository(path / ".git") as repository:
        reviews = list(Reviewer(repository).review_range("HEAD"))
    return {
        r.commit.message.strip(): [f for f in r.introduced if f.rule_id == RULE] for r in reviews
    }


def test_an_up_file_added_without_its_down_file_is_reported_on_the_up_file(make_repo):
    path = make_repo("svc", [
        ({"README.md": "# svc\n"}, "start"),
        ({"db/migrations/000002_add_plan.up.sql": UP}, "up only"),
    ])
    [finding] = findings(path)["up only"]
    assert (finding.path, finding.line, finding.severity) == (
        "db/migrations/000002_add_plan.up.sql", 1, "medium")
    assert "000002_add_plan.up.sql is added without 000002_add_plan.down.sql" in finding.message
    assert finding.scope.startswith("commit:")


def test_every_unpaired_up_file_of_the_commit_is_reported(make_repo):
    path = make_repo("svc", [
        ({"migrations/000003_a.up.sql": UP, "migrations/000004_b.up.sql": UP,
          "migrations/000004_b.down.sql": DOWN, "migrations/000005_c.up.sql": UP},
         "three migrations"),
    ])
    reported = sorted(f.path for f in findings(path)["three migrations"])
    assert reported == ["migrations/000003_a.up.sql", "migrations/000005_c.up.sql"]


def test_diesel_up_sql_without_down_sql_is_reported(make_repo):
    path = make_repo("svc", [
        ({"migrations/2024-01-01-000000_create_users/up.sql": UP}, "diesel up only"),
        ({"migrations/2024-02-01-000000_add_plan/up.sql": UP,
          "migrations/2024-02-01-000000_add_plan/down.sql": DOWN}, "diesel pair"),
    ])
    by_message = findings(path)
    [finding] = by_message["diesel up only"]
    assert finding.path == "migrations/2024-01-01-000000_create_users/up.sql"
    assert by_message["diesel pair"] == []


def test_pairs_edits_single_file_migrations_and_non_migrations_are_not_reported(make_repo):
    path = make_repo("svc", [
        ({"db/migrations/000002_add_plan.up.sql": UP,
          "db/migrations/000002_add_plan.down.sql": DOWN}, "pair"),
        ({"db/migrations/000002_add_plan.up.sql": UP + "UPDATE users SET plan = 'free';\n"},
         "edit up"),
        ({"db/migrations/20240101120000_add_plan.sql": GOOSE,
          "prisma/migrations/20240101_x/migration.sql": UP}, "single-file migrations"),
        ({"db/migrations/000002_add_plan.down.sql": None}, "delete down"),
        ({"docs/example.up.txt": "x\n", "notes/setup.sql": UP}, "not migrations"),
    ])
    by_message = findings(path)
    for message in ("pair", "edit up", "single-file migrations", "delete down",
                    "not migrations"):
        assert by_message[message] == [], message


def test_a_down_file_added_in_the_same_commit_under_another_case_still_pairs(make_repo):
    path = make_repo("svc", [
        ({"migrations/000006_X.UP.sql": UP, "migrations/000006_x.down.sql": DOWN}, "case"),
    ])
    assert findings(path)["case"] == []


def test_down_path():
    assert down_path("db/migrations/000002_add_plan.up.sql") == (
        "db/migrations/000002_add_plan.down.sql")
    assert down_path("migrations/2024-01-01-000000_x/up.sql") == (
        "migrations/2024-01-01-000000_x/down.sql")
    assert down_path("migrations/000002_add_plan.sql") is None
    assert down_path("migrations/.up.sql") is None
    assert down_path("migrations/backup.sql") is None
