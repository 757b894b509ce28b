from __future__ import annotations

import ast
from collections.abc import Iterable

from reviewer.model import Category, Match, Severity
from reviewer.python.module import PythonModule
from reviewer.rules.base import Example, Rule
from reviewer.rules.migrations._helpers import in_migration, is_alembic, top_level_functions


class MigrationMissingDowngrade(Rule):
    id = "migration-missing-downgrade"
    title = "Migration cannot be rolled back"
    severity = Severity.MEDIUM
    category = Category.DATA
    languages = ("python",)
    rationale = (
        "A revision without a working `downgrade()` cannot be rolled back: when the release "
        "goes wrong, `alembic downgrade` silently does nothing (or fails) and the schema stays "
        "ahead of the code you roll back to."
    )
    fix = (
        "Write a `downgrade()` that undoes `upgrade()` step by step in reverse order; if the "
        "change truly cannot be undone, raise an exception that says so instead of `pass`."
    )
    example = Example(
        before=(
            "def upgrade():\n"
            "    op.add_column('users', sa.Column('age', sa.Integer()))\n\n"
            "def downgrade():\n"
            "    pass"
        ),
        after=(
            "def upgrade():\n"
            "    op.add_column('users', sa.Column('age', sa.Integer()))\n\n"
            "def downgrade():\n"
            "    op.drop_column('users', 'age')"
        ),
    )
    references = (
        "https://alembic.sqlalchemy.org/en/latest/tutorial.html#downgrading",
        "https://alembic.sqlalchemy.org/en/latest/tutorial.html#create-a-migration-script",
    )

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        if not in_migration(module) or not is_alembic(module):
            return
        functions = top_level_functions(module)
        called = {call.name for f in functions.values() for call in f.calls}
        multi_db = any(name.startswith("downgrade_") for name in functions)
        for name, upgrade in functions.items():
            if name != "upgrade" and not (
                    # multidb template: upgrade_<engine>() pairs with downgrade_<engine>()
                    name.startswith("upgrade_") and multi_db and name not in called):
                continue
            suffix = name.removeprefix("upgrade")
            downgrade = functions.get("downgrade" + suffix)
            if not _does_something(upgrade.node):
                continue
            if downgrade is None:
                node = upgrade.node
                message = (f"`{name}()` has no matching `downgrade{suffix}()`: this revision "
                           "cannot be rolled back.")
            elif not _does_something(downgrade.node):
                node = downgrade.node
                message = (f"`downgrade{suffix}()` is empty while `{name}()` changes the "
                           "database: rolling back leaves the schema as upgraded.")
            else:
                continue
            yield Match(
                rule_id=self.id,
                line=node.lineno,
                end_line=node.end_lineno or node.lineno,
                message=message,
                code=" ".join(module.line_text(node.lineno).split()),
                scope=node.name,
            )


def _does_something(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for statement in node.body:
        if isinstance(statement, ast.Pass):
            continue
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue  # docstring or `...`
        if isinstance(statement, ast.Return) and (
                statement.value is None
                or isinstance(statement.value, ast.Constant) and statement.value.value is None):
            continue
        return True
    return False
