"""A small, forgiving reader of shell command text: where each simple command starts.

It is not a shell parser. It splits text on the control operators a reviewer cares about
(`&&`, `||`, `;`, `|`, `&`, newlines, `(`, `)`, `$(`), keeps quoted strings whole, drops
comments, and maps every word back to the source line it came from.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\+?=")
PLAIN = re.compile(r"[^ \t\r\n\\'\"`$;&|()]+")
PYTHON = re.compile(r"^python(?:\d+(?:\.\d+)*)?$")
SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ash", "ksh"})
# Words that may come before the command itself without changing what runs.
KEYWORDS = frozenset({"if", "then", "else", "elif", "do", "while", "until", "!", "{", "}",
                      "exec", "nohup", "builtin"})
# Other ways of running a tool inside the project's environment: not "bare".
ACTIVATORS = frozenset({"source", ".", "poetry", "pipenv"})
KNOWN_RUNNERS = (("poetry", "run"), ("uv", "run"), ("pipenv", "run"), ("pdm", "run"),
                 ("hatch", "run"), ("rye", "run"), ("pixi", "run"), ("uvx",), ("pipx", "run"))


@dataclass(slots=True)
class Word:
    value: str
    start: int  # offset in the scanned text of the word's first character
    quoted: bool = False
    inner: int | None = None  # offset of the content when the word is one quoted string


@dataclass(slots=True)
class Source:
    """Text assembled from pieces of a file, each piece remembering its source line."""

    parts: list[str] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    length: int = 0

    def add(self, text: str, line: int, separator: str = "\n") -> None:
        if self.parts:
            self.parts.append(separator)
            self.length += len(separator)
        self.offsets.append(self.length)
        self.lines.append(line)
        self.parts.append(text)
        self.length += len(text)

    def extend(self, other: Source, separator: str = "\n") -> int:
        """Append `other`'s pieces with their lines; returns the offset where it starts."""
        if self.parts:
            self.parts.append(separator)
            self.length += len(separator)
        base = self.length
        self.offsets.extend(base + offset for offset in other.offsets)
        self.lines.extend(other.lines)
        self.parts.extend(other.parts)
        self.length += other.length
        return base

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def line_at(self, offset: int) -> int:
        index = bisect.bisect_right(self.offsets, offset) - 1
        return self.lines[max(index, 0)]

    def __bool__(self) -> bool:
        return bool(self.parts)


@dataclass(frozen=True, slots=True)
class Invocation:
    tool: str
    offset: int
    via_python: bool  # `python -m tool`


def simple_commands(text: str) -> list[list[Word]]:
    """The words of each simple command in `text`, in order."""
    commands: list[list[Word]] = []
    current: list[Word] = []
    chars: list[str] = []
    start: int | None = None
    quoted = False
    inner: int | None = None
    pieces = 0
    n = len(text)
    i = 0

    def end_word() -> None:
        nonlocal chars, start, quoted, inner, pieces
        if start is not None:
            current.append(Word("".join(chars), start, quoted, inner if pieces == 1 else None))
        chars, start, quoted, inner, pieces = [], None, False, None, 0

    def end_command() -> None:
        nonlocal current
        end_word()
        if current:
            commands.append(current)
        current = []

    while i < n:
        c = text[i]
        if c in " \t\r":
            end_word()
            i += 1
        elif c == "\n":
            end_command()
            i += 1
        elif c == "\\":
            if i + 1 < n and text[i + 1] == "\n":
                end_word()
                i += 2
                continue
            if start is None:
                start = i
            pieces += 2
            if i + 1 < n:
                chars.append(text[i + 1])
            i += 2
        elif c == "#" and start is None:
            newline = text.find("\n", i)
            i = n if newline < 0 else newline
        elif c in "'\"":
            close = _closing_quote(text, i)
            if start is None:
                start = i
            chars.append(_unquote(text[i + 1:close], c))
            quoted = True
            inner = i + 1
            pieces += 1
            i = close + 1
        elif c == "`":
            close = text.find("`", i + 1)
            close = n - 1 if close < 0 else close
            if start is None:
                start = i
            chars.append(text[i:close + 1])
            pieces += 2
            i = close + 1
        elif c == "$" and i + 1 < n and text[i + 1] == "(" and not text.startswith("$((", i):
            end_command()
            i += 2
        elif c == "$" and i + 1 < n and text[i + 1] == "{":
            close = _closing_brace(text, i + 1)
            if start is None:
                start = i
            chars.append(text[i:close + 1])
            pieces += 2
            i = close + 1
        elif c in ";|()" or (c == "&" and not _redirect_amp(text, i)):
            end_command()
            i += 2 if text[i:i + 2] in ("&&", "||", ";;", "|&") else 1
        else:
            run = PLAIN.match(text, i)
            end = run.end() if run else i + 1
            if start is None:
                start = i
            chars.append(text[i:end])
            pieces += 2
            i = end
    end_command()
    return commands


def _closing_quote(text: str, i: int) -> int:
    quote = text[i]
    j = i + 1
    while j < len(text):
        if quote == '"' and text[j] == "\\":
            j += 2
            continue
        if text[j] == quote:
            return j
        j += 1
    return len(text) - 1


def _unquote(content: str, quote: str) -> str:
    if quote == "'":
        return content
    return re.sub(r'\\([\\"$`])', r"\1", content)


def _closing_brace(text: str, i: int) -> int:
    depth = 0
    for j in range(i, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return j
        elif text[j] == "\n":
            return j - 1
    return len(text) - 1


def _redirect_amp(text: str, i: int) -> bool:
    """`2>&1`, `>&2`, `&>file`: the ampersand belongs to a redirection."""
    before = text[i - 1] if i else ""
    after = text[i + 1] if i + 1 < len(text) else ""
    return before in "<>" and before != "" or after == ">"


def invocations(text: str, tools: frozenset[str], runners: tuple[tuple[str, ...], ...],
                depth: int = 0) -> Iterator[Invocation]:
    """Where `text` runs one of `tools` as a command, not through one of `runners`.

    Once the text activates a virtualenv (`source .venv/bin/activate`, `poetry shell`) the
    tools after it run inside the project's environment and are not reported.
    """
    for words in simple_commands(text):
        if _activates(words):
            return
        yield from argv_invocations(words, tools, runners, depth)


def _activates(words: list[Word]) -> bool:
    if words[0].value not in ACTIVATORS:
        return False
    values = [w.value for w in words]
    if len(values) >= 2 and values[0] in ("source", ".") and values[1].endswith("/activate"):
        return True
    return values[:2] in (["poetry", "shell"], ["pipenv", "shell"]) or (
        len(values) >= 3 and values[:3] == ["poetry", "env", "activate"])


def argv_invocations(words: list[Word], tools: frozenset[str],
                     runners: tuple[tuple[str, ...], ...], depth: int = 0
                     ) -> Iterator[Invocation]:
    """Check one command given as its words (a simple command or an exec-form argv)."""
    i = 0
    while i < len(words):
        value = words[i].value
        if (not words[i].quoted and value in KEYWORDS) or (
                ASSIGNMENT.match(value) and words[i].inner is None):
            i += 1  # `VAR="x" tool` assigns; a whole quoted "VAR=x" is a command name
        elif value == "time" and not words[i].quoted:
            i += 2 if i + 1 < len(words) and words[i + 1].value == "-p" else 1
        elif value == "env" and not words[i].quoted:
            i += 1
            while i < len(words) and (ASSIGNMENT.match(words[i].value)
                                      or words[i].value in ("-i", "-", "--")):
                i += 1
        else:
            break
    if i >= len(words):
        return
    command = words[i].value
    program = command.rsplit("/", 1)[-1]
    if not (command in tools or command == "py.test" or PYTHON.match(command)
            or program in SHELLS):
        return
    rest = words[i:]
    values = [w.value for w in rest]
    for runner in runners:
        if tuple(values[:len(runner)]) == runner:
            return
    if command in tools or (command == "py.test" and "pytest" in tools):
        yield Invocation(command, rest[0].start, via_python=False)
    elif PYTHON.match(command):  # `.venv/bin/python -m pytest` names its environment
        skip = False
        for position, value in enumerate(values[1:], start=1):
            if skip:
                skip = False
                continue
            if value in ("-W", "-X"):
                skip = True
                continue
            if value == "-m":
                if position + 1 < len(values):
                    module = values[position + 1].split(".", 1)[0]
                    if module in tools:
                        yield Invocation(module, rest[position + 1].start, via_python=True)
                return
            if not value.startswith("-") or value == "-c":
                return
    elif program in SHELLS and depth < 3:
        for position, value in enumerate(values[1:], start=1):
            if not value.startswith("-"):
                return
            if "c" in value[1:] and not value.startswith("--"):
                if position + 1 < len(rest):
                    script = rest[position + 1]
                    base = script.inner if script.inner is not None else script.start
                    for found in invocations(script.value, tools, runners, depth + 1):
                        yield Invocation(found.tool, base + found.offset, found.via_python)
                return
