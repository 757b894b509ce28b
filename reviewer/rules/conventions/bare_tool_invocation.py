from __future__ import annotations

from collections.abc import Iterable, Iterator

from reviewer.model import Category, Confidence, Match, Severity
from reviewer.rules.base import Example, Rule
from reviewer.rules.conventions._shell import (
    KNOWN_RUNNERS,
    Invocation,
    argv_invocations,
    invocations,
)
from reviewer.rules.conventions._sources import (
    Command,
    dockerfile_commands,
    makefile_commands,
    markdown_commands,
    shell_commands,
    yaml_commands,
)
from reviewer.text import TextFile

READERS = {
    "shell": shell_commands,
    "makefile": makefile_commands,
    "dockerfile": dockerfile_commands,
    "yaml": yaml_commands,
    "markdown": markdown_commands,
}


class BareToolInvocation(Rule):
    id = "bare-tool-invocation"
    title = "Project tool run without the project's runner"
    severity = Severity.LOW
    confidence = Confidence.MEDIUM
    category = Category.CONVENTIONS
    languages = ("shell", "makefile", "dockerfile", "yaml", "markdown")
    rationale = (
        "The project runs its tools through a runner (by default `poetry run`) so they use "
        "the locked environment. A bare `pytest`, `alembic` or `uvicorn`, or `python -m` of "
        "one, picks whatever is first on PATH: another version, or none at all in CI."
    )
    fix = "Prefix the command with the project's runner, e.g. `poetry run pytest`."
    example = Example(
        before="alembic upgrade head",
        after="poetry run alembic upgrade head",
    )
    references = ("https://python-poetry.org/docs/cli/#run",)
    settings = {"runner": "poetry run", "tools": ["alembic", "pytest", "uvicorn"]}

    def check_text(self, text: TextFile) -> Iterable[Match]:
        reader = READERS.get(text.kind.language)
        if reader is None:
            return
        options = text.settings(self.id, self.settings)
        runner = _runner_words(options.get("runner"))
        tools = frozenset(str(tool) for tool in options.get("tools") or ())
        if not tools:
            return
        runners = tuple(r for r in (*runner, *KNOWN_RUNNERS) if r)
        shown = " ".join(runner[0]) if runner else "the project's runner"
        seen: set[int] = set()
        for command in reader(text.lines):
            for found in _found(command, tools, runners):
                line = command.source.line_at(found.offset)
                if line in seen or not 0 < line <= len(text.lines):
                    continue
                seen.add(line)
                how = f"`python -m {found.tool}`" if found.via_python else f"`{found.tool}`"
                yield Match(
                    rule_id=self.id,
                    line=line,
                    end_line=line,
                    message=f"{how} runs outside the project's environment; "
                    f"use `{shown} {found.tool}`.",
                    code=" ".join(text.lines[line - 1].split()),
                )


def _runner_words(value) -> tuple[tuple[str, ...], ...]:
    if isinstance(value, str):
        values = [value]
    elif isinstance(value, list | tuple):
        values = [str(v) for v in value]
    else:
        values = []
    return tuple(tuple(v.split()) for v in values if v.split())


def _found(command: Command, tools: frozenset[str], runners) -> Iterator[Invocation]:
    if command.argv is not None:
        yield from argv_invocations(command.argv, tools, runners)
    else:
        yield from invocations(command.source.text, tools, runners)
