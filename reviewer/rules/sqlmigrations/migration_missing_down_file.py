from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from reviewer.model import Category, Confidence, Severity
from reviewer.rules.base import ChangedFile, CommitMatch, Example, Rule

if TYPE_CHECKING:
    from reviewer.config import ReviewConfig

# golang-migrate / sqlx pairs: `000002_add_plan.up.sql` + `000002_add_plan.down.sql`;
# diesel: `<version>_add_plan/up.sql` + `<version>_add_plan/down.sql`.
PRESENT = frozenset({"A", "M", "R", "C", "T"})


class MigrationMissingDownFile(Rule):
    id = "migration-missing-down-file"
    title = "Up migration added without its down migration"
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    category = Category.DATA
    languages = ("sql",)
    rationale = (
        "Tools that keep each direction in its own file (golang-migrate, sqlx, diesel) roll a "
        "migration back by running its `.down.sql`. A commit that adds `X.up.sql` without "
        "`X.down.sql` makes `migrate down` fail or skip it, so a bad release cannot be rolled "
        "back cleanly and the schema stays ahead of the code you return to."
    )
    fix = (
        "Add the matching down file in the same commit, with the statements that undo the up "
        "file in reverse order; if it truly cannot be undone, say so in the down file."
    )
    example = Example(
        before="commit: A db/migrations/000002_add_plan.up.sql",
        after=("commit: A db/migrations/000002_add_plan.up.sql, "
               "A db/migrations/000002_add_plan.down.sql"),
    )
    references = (
        "https://github.com/golang-migrate/migrate/blob/master/MIGRATIONS.md",
        "https://diesel.rs/guides/getting-started#creating-a-migration",
    )

    def check_commit(self, files: list[ChangedFile], config: ReviewConfig
                     ) -> Iterable[CommitMatch]:
        present = {f.path.lower() for f in files if f.status[:1] in PRESENT}
        for changed in files:
            if changed.status[:1] != "A" or changed.kind.role != "migration":
                continue
            down = down_path(changed.path)
            if down is None or down.lower() in present:
                continue
            yield CommitMatch(
                rule_id=self.id,
                path=changed.path,
                line=changed.first_added_line or 1,
                message=(f"{PurePosixPath(changed.path).name} is added without "
                         f"{PurePosixPath(down).name}: this migration cannot be rolled back "
                         "with the tool's down command."),
            )


def down_path(path: str) -> str | None:
    """The down file that pairs with an up migration file, or None if `path` is not one."""
    pure = PurePosixPath(path)
    name = pure.name
    lowered = name.lower()
    if lowered == "up.sql":
        down = name[:-6] + ("DOWN" if name[:2] == "UP" else "down") + ".sql"
    elif lowered.endswith(".up.sql") and len(name) > len(".up.sql"):
        down = name[:-7] + (".DOWN" if name[-6:-4] == "UP" else ".down") + ".sql"
    else:
        return None
    return str(pure.with_name(down))
