from __future__ import annotations

from collections.abc import Iterable

from reviewer.model import Category, Match, Severity
from reviewer.python.module import PythonModule
from reviewer.rules.base import Example, Rule
from reviewer.rules.migrations._helpers import (
    argument,
    django_op,
    has_star_kwargs,
    in_migration,
    is_none,
    make_match,
)

# operation -> (position and keyword of the forward code, of the reverse code)
OPERATIONS = {
    "RunPython": (("code", 0), ("reverse_code", 1)),
    "RunSQL": (("sql", 0), ("reverse_sql", 1)),
}


class RunPythonWithoutReverse(Rule):
    id = "runpython-without-reverse"
    title = "Django RunPython/RunSQL without a reverse operation"
    severity = Severity.MEDIUM
    category = Category.DATA
    languages = ("python",)
    rationale = (
        "Without `reverse_code`/`reverse_sql` Django marks the operation irreversible: "
        "`migrate` back past this migration fails with IrreversibleError, so a bad release "
        "cannot be rolled back and every later migration on the app is stuck behind it."
    )
    fix = (
        "Pass a reverse function (`reverse_code=`) or reverse SQL (`reverse_sql=`); when there "
        "is nothing to undo, pass `migrations.RunPython.noop` / `migrations.RunSQL.noop`."
    )
    example = Example(
        before="migrations.RunPython(fill_slugs)",
        after="migrations.RunPython(fill_slugs, migrations.RunPython.noop)",
    )
    references = (
        "https://docs.djangoproject.com/en/stable/ref/migration-operations/#runpython",
        "https://docs.djangoproject.com/en/stable/ref/migration-operations/#runsql",
    )

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        if not in_migration(module):
            return
        for call in module.calls:
            operation = django_op(call)
            if operation not in OPERATIONS or has_star_kwargs(call.node):
                continue
            (_, _), (reverse_name, reverse_at) = OPERATIONS[operation]
            reverse = argument(call.node, reverse_at, reverse_name)
            if reverse is not None and not is_none(reverse):
                continue
            target = _forward_name(call.node, operation)
            message = (
                f"`migrations.{operation}({target})` has no `{reverse_name}`: Django cannot "
                "reverse this migration; pass a reverse or "
                f"`migrations.{operation}.noop`."
            )
            yield make_match(self.id, module, call.node, message, call.scope)


def _forward_name(node, operation: str) -> str:
    forward = argument(node, 0, OPERATIONS[operation][0][0])
    if operation == "RunPython" and forward is not None:
        name = getattr(forward, "id", None) or getattr(forward, "attr", None)
        if name:
            return name
    return "..."
