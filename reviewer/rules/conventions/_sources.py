"""Where commands live in non-Python files: shell scripts, Makefile recipes, Dockerfile
instructions, YAML command keys and Markdown/reST shell code blocks.

Each reader yields `Command`s: shell text (a `Source` that maps offsets back to lines) or
an exec-form argument vector (`argv`, a list of words over a `Source`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

from reviewer.rules.conventions._shell import Source, Word

HEREDOC = re.compile(r"(?<!<)<<-?\s*(['\"]?)([A-Za-z_][\w.-]*)\1")


@dataclass(slots=True)
class Command:
    source: Source
    argv: list[Word] | None = None  # set for exec form: the words, already split


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


# -- shell scripts ----------------------------------------------------------------------------

def shell_commands(lines: list[str]) -> Iterator[Command]:
    source = Source()
    terminator: tuple[str, bool] | None = None
    for number, line in enumerate(lines, start=1):
        if terminator is not None:
            word, strip_tabs = terminator
            if (line.lstrip("\t") if strip_tabs else line).rstrip() == word:
                terminator = None
            source.add("", number)
            continue
        source.add(line, number)
        heredoc = HEREDOC.search(line)
        if heredoc and not line.lstrip().startswith("#"):
            terminator = (heredoc.group(2), "<<-" in line[heredoc.start():heredoc.end()])
    yield Command(source)


# -- Makefiles --------------------------------------------------------------------------------

MAKE_RULE = re.compile(r"^(?![\t#\s])(?P<targets>[^:=#]+?)\s*::?(?!=)(?P<rest>.*)$")
MAKE_ASSIGNMENT = re.compile(r"^\s*(?:export\s+|override\s+)?[\w.-]+\s*(?:[:+?!]|::)?=")
MAKE_CONDITIONAL = re.compile(r"^\s*(ifeq|ifneq|ifdef|ifndef|else|endif|-?include|sinclude)\b")
MAKE_VARIABLE = re.compile(r"\$[({][^(){}$]*[)}]")


def _make_to_shell(text: str) -> str:
    text = text.replace("$$", "\0")
    text = MAKE_VARIABLE.sub("MAKEVAR", text)
    return text.replace("\0", "$")


def makefile_commands(lines: list[str]) -> Iterator[Command]:
    source = Source()
    in_rule = False
    in_define = False
    continuing = False  # the previous line ended with a backslash
    continuing_recipe = False
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if continuing:
            continuing = line.rstrip().endswith("\\")
            if continuing_recipe:
                source.add(_make_to_shell(line.lstrip("\t")), number)
            continue
        continuing_recipe = False
        if in_define:
            in_define = not stripped.startswith("endef")
            continue
        if line.startswith("\t"):
            continuing = line.rstrip().endswith("\\")
            if in_rule:
                continuing_recipe = True
                recipe = line.lstrip("\t").lstrip(" ").lstrip("@-+ ")
                source.add(_make_to_shell(recipe), number)
            continue
        if not stripped or stripped.startswith("#"):
            continue
        continuing = line.rstrip().endswith("\\")
        if stripped.startswith("define ") or stripped == "define":
            in_define = True
            continue
        if MAKE_CONDITIONAL.match(line):
            continue
        if MAKE_ASSIGNMENT.match(line):
            in_rule = False
            continue
        rule = MAKE_RULE.match(line)
        in_rule = rule is not None
        rest = rule.group("rest").split("#", 1)[0] if rule else ""
        if ";" in rest:
            recipe = rest.split(";", 1)[1]
            continuing_recipe = continuing
            source.add(_make_to_shell(recipe), number)
    yield Command(source)


# -- Dockerfiles ------------------------------------------------------------------------------

DOCKER_INSTRUCTION = re.compile(r"^\s*([A-Za-z]+)(?:\s+|$)(.*)$")
# The image installs into the system interpreter or puts a virtualenv first on PATH.
ENVIRONMENT_READY = re.compile(
    r"virtualenvs[.-]create\s+(?:false|0)\b|POETRY_VIRTUALENVS_CREATE[\s=]+[\"']?(?:false|0)\b"
    r"|^\s*ENV\s+(?:.*\s)?PATH[\s=]+[\"']?[^\s\"']*venv[^\s\"']*/bin|VIRTUAL_ENV[\s=]"
    r"|pipenv\s+install\s+.*--system",
    re.IGNORECASE,
)
RUN_FLAGS = re.compile(r"^(?:\s*--[\w-]+(?:=\S*)?\s+)+")


def _docker_instructions(lines: list[str]) -> list[tuple[str, list[tuple[str, int]], int]]:
    """(INSTRUCTION, [(piece, line)], index after the instruction) for each instruction."""
    found = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        match = DOCKER_INSTRUCTION.match(line)
        if match is None:
            i += 1
            continue
        pieces = [(match.group(2), i + 1)]
        i += 1
        while pieces[-1][0].rstrip().endswith("\\") and i < len(lines):
            nxt = lines[i]
            i += 1
            if nxt.strip().startswith("#"):
                continue
            pieces.append((nxt, i))
        found.append((match.group(1).upper(), pieces, i))
    return found


def _argv(source: Source) -> list[Word] | None:
    text = source.text
    if not text.lstrip().startswith("["):
        return None
    try:
        values = json.loads(text)
    except ValueError:
        return None
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        return None
    words, cursor = [], 0
    for value in values:
        encoded = json.dumps(value)
        at = text.find(encoded, cursor)
        if at < 0:
            at = text.find('"', cursor)
        at = max(at, cursor)
        words.append(Word(value, at, quoted=True, inner=at + 1))
        cursor = at + len(encoded)
    return words


def dockerfile_commands(lines: list[str]) -> Iterator[Command]:
    if any(ENVIRONMENT_READY.search(line) for line in lines):
        return  # tools are installed system-wide or the virtualenv is on PATH
    instructions = _docker_instructions(lines)
    stage_has_entrypoint: list[bool] = [False]
    for name, _, _ in instructions:
        if name == "FROM":
            stage_has_entrypoint.append(False)
        elif name == "ENTRYPOINT":
            stage_has_entrypoint[-1] = True
    stage = 0
    skip_until = 0
    for name, pieces, end in instructions:
        if pieces[0][1] <= skip_until:
            continue
        if name == "FROM":
            stage += 1
            continue
        if name not in ("RUN", "CMD", "ENTRYPOINT"):
            continue
        if name == "CMD" and stage_has_entrypoint[stage]:
            continue  # CMD only supplies arguments to the entrypoint
        first, first_line = pieces[0]
        if name == "RUN":
            first = RUN_FLAGS.sub("", first)
            heredoc = HEREDOC.search(first)
            if heredoc:
                body = Source()
                word, strip_tabs = heredoc.group(2), "<<-" in heredoc.group(0)
                for offset, line in enumerate(lines[end:], start=end + 1):
                    if (line.lstrip("\t") if strip_tabs else line).rstrip() == word:
                        skip_until = offset
                        break
                    body.add(line, offset)
                yield Command(body)
                continue
        joined = Source()
        for index, (piece, number) in enumerate([(first, first_line), *pieces[1:]]):
            text = piece.rstrip()
            joined.add(text[:-1] if text.endswith("\\") else text, number,
                       separator=" " if index else "\n")
        argv = _argv(joined)
        if argv is not None:
            yield Command(joined, argv)
            continue
        shell = Source()
        for piece, number in [(first, first_line), *pieces[1:]]:
            shell.add(piece, number)
        yield Command(shell)


# -- YAML -------------------------------------------------------------------------------------

YAML_KEY = re.compile(r"^(?P<lead>\s*(?:-\s+)*)(?P<key>[A-Za-z_][\w.-]*)\s*:(?:\s+(?P<value>.*))?$")
YAML_ITEM = re.compile(r"^(?P<lead>\s*-)(?:\s+(?P<value>.*))?$")
BLOCK_INDICATOR = re.compile(r"^(?P<style>[|>])[+-]?\d*[+-]?\s*(?:#.*)?$")
FLOW_ITEM = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^']|'')*'|[^,\[\]\s][^,\[\]]*")
# Keys whose value is shell text (or, as a list, a list of shell commands).
SCRIPT_KEYS = frozenset({"run", "script", "before_script", "after_script", "commands", "cmds",
                         "cmd", "entry", "pre_script", "post_script"})
# Keys whose list value is one command's argument vector (Compose, Kubernetes).
ARGV_KEYS = frozenset({"command", "entrypoint"})
NESTED_MAPPING = re.compile(r"^[A-Za-z_][\w.-]*\s*:(\s|$)")


def _yaml_unquote(text: str) -> tuple[str, int]:
    """A scalar's value and the offset of its content in `text`."""
    text = text.rstrip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return re.sub(r'\\(["\\/])', r"\1", text[1:-1]), 1
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'"), 1
    return text, 0


def _block_scalar(lines: list[str], start: int, parent_col: int, folded: bool
                  ) -> tuple[Source, int]:
    """The block scalar starting after line index `start - 1`; returns it and the next index."""
    source = Source()
    i = start
    content_col: int | None = None
    while i < len(lines):
        line = lines[i]
        if line.strip():
            col = _indent(line)
            if col <= parent_col:
                break
            if content_col is None:
                content_col = col
        source.add(line[content_col or 0:], i + 1, separator=" " if folded else "\n")
        i += 1
    return source, i


def _plain_scalar(lines: list[str], index: int, value: str, column: int, parent_col: int
                  ) -> tuple[Source, int]:
    """A plain or quoted scalar starting at `column` of line `index`, with its continuation."""
    source = Source()
    source.add(" " * column + value, index + 1)
    i = index + 1
    quote = value[:1] if value[:1] in "\"'" else ""
    closed = not quote or (len(value.rstrip()) > 1 and value.rstrip().endswith(quote))
    while i < len(lines):
        nxt = lines[i]
        if not nxt.strip() or nxt.lstrip().startswith("#") and closed:
            break
        if _indent(nxt) <= parent_col and closed:
            break
        if closed and (NESTED_MAPPING.match(nxt.strip()) or nxt.strip().startswith("- ")):
            break
        source.add(nxt, i + 1, separator=" ")
        if quote and nxt.rstrip().endswith(quote):
            closed = True
        i += 1
    return source, i


def _scalar_command(source: Source) -> Command:
    text = source.text
    stripped = text.lstrip()
    lead = len(text) - len(stripped)
    value, inner = _yaml_unquote(stripped)
    if not inner:
        return Command(source)
    if len(source.lines) == 1:
        content = " " * (lead + 1) + value
    else:  # blank out the quotes, keep every offset
        end = len(text.rstrip()) - 1
        content = f"{text[:lead]} {text[lead + 1:end]} {text[end + 1:]}"
    return Command(Source(parts=[content], offsets=list(source.offsets),
                          lines=list(source.lines), length=len(content)))


def _flow_items(source: Source) -> list[Word]:
    text = source.text
    start = text.index("[") + 1
    end = text.rfind("]")
    words = []
    for match in FLOW_ITEM.finditer(text, start, end if end > start else len(text)):
        raw = match.group(0).rstrip()
        value, inner = _yaml_unquote(raw)
        words.append(Word(value, match.start(), quoted=True, inner=match.start() + inner))
    return words


def yaml_commands(lines: list[str]) -> Iterator[Command]:
    i = 0
    while i < len(lines):
        line = lines[i]
        match = YAML_KEY.match(line)
        key = match.group("key") if match else ""
        if not match or (key not in SCRIPT_KEYS and key not in ARGV_KEYS):
            i += 1
            continue
        key_col = len(match.group("lead"))
        value = (match.group("value") or "").strip()
        if value.startswith("#"):
            value = ""
        argv_key = key in ARGV_KEYS
        block = BLOCK_INDICATOR.match(value)
        if block:
            source, i = _block_scalar(lines, i + 1, key_col, block.group("style") == ">")
            yield Command(source)
            continue
        if value.startswith("["):
            source, i = _plain_scalar(lines, i, value, match.start("value"), key_col)
            items = _flow_items(source)
            if argv_key:
                yield Command(source, items)
            else:
                for item in items:
                    yield from _flow_script_item(source, item)
            continue
        if value:
            source, i = _plain_scalar(lines, i, value, match.start("value"), key_col)
            yield _scalar_command(source)
            continue
        i += 1
        yield from _block_list(lines, i, key_col, argv_key)


def _flow_script_item(source: Source, item: Word) -> Iterator[Command]:
    line = source.line_at(item.start)
    padded = " " * item.inner + item.value if item.inner is not None else item.value
    sub = Source(parts=[padded], offsets=[0], lines=[line], length=len(padded))
    yield Command(sub)


def _block_list(lines: list[str], start: int, key_col: int, argv: bool) -> Iterator[Command]:
    """The items of a block sequence under a key at `key_col` (items may share its column)."""
    words_source = Source()
    words: list[Word] = []
    i = start
    while i < len(lines):
        line = lines[i]
        if not line.strip() or line.lstrip().startswith("#"):
            i += 1
            continue
        item = YAML_ITEM.match(line)
        if item is None or _indent(line) < key_col:
            break
        dash_col = len(item.group("lead")) - 1
        value = (item.group("value") or "").strip()
        if not value or NESTED_MAPPING.match(value):
            break
        block = BLOCK_INDICATOR.match(value)
        if block:
            source, i = _block_scalar(lines, i + 1, dash_col, block.group("style") == ">")
        else:
            source, i = _plain_scalar(lines, i, value, item.start("value"), dash_col)
        command = _scalar_command(source) if not block else Command(source)
        if argv:
            text = command.source.text
            offset = words_source.extend(command.source, separator=" ")
            words.append(Word(_yaml_unquote(text.strip())[0],
                              offset + len(text) - len(text.lstrip()), quoted=True))
        else:
            yield command
    if argv and words:
        yield Command(words_source, words)


# -- Markdown and reStructuredText ------------------------------------------------------------

FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})\s*\{?\.?(?P<lang>[\w+-]*)")
RST_DIRECTIVE = re.compile(r"^(?P<indent>\s*)\.\.\s+(?:code-block|code|sourcecode|prompt)::"
                           r"\s*(?P<lang>[\w+-]*)")
SHELL_LANGUAGES = frozenset({"", "sh", "bash", "shell", "console", "zsh", "shell-session",
                             "sh-session", "shellsession", "bash-session", "terminal", "term"})
SESSION_LANGUAGES = frozenset({"console", "shell-session", "sh-session", "shellsession",
                               "bash-session", "terminal", "term"})
PROMPT = re.compile(r"^\s*(?:\([\w.-]+\)\s*)?(?:[\w.-]+@[\w.-]+(?::[^\s$#]*)?\s*)?[$%]\s+")
NOT_SHELL = re.compile(r"^\s*(?:[\w.-]+\s*(?:==|>=|<=|~=|!=|\[)|import\s|from\s+\S+\s+import\s|"
                       r"def\s|class\s|>>>|[{}\[\]]\s*$|[\w.-]+\s*[:=]\s)")


def markdown_commands(lines: list[str]) -> Iterator[Command]:
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = FENCE.match(line)
        if fence:
            marker = fence.group("fence")
            body_start = i + 1
            j = body_start
            while j < len(lines):
                stripped = lines[j].strip()
                if stripped.startswith(marker[0] * len(marker)) and not stripped.strip(marker[0]):
                    break
                j += 1
            lang = fence.group("lang").lower()
            if lang in SHELL_LANGUAGES:
                yield from _code_block(lines, body_start, j, lang)
            i = j + 1
            continue
        directive = RST_DIRECTIVE.match(line)
        if directive:
            base = len(directive.group("indent"))
            j = i + 1
            while j < len(lines) and (not lines[j].strip() or _indent(lines[j]) > base):
                j += 1
            lang = directive.group("lang").lower()
            if lang in SHELL_LANGUAGES - {""}:
                body = [k for k in range(i + 1, j)
                        if not lines[k].strip().startswith(":") or not lines[k].strip()]
                if body:
                    yield from _code_block(lines, body[0], j, lang)
            i = j
            continue
        i += 1


def _code_block(lines: list[str], start: int, end: int, lang: str) -> Iterator[Command]:
    body = lines[start:end]
    prompted = any(PROMPT.match(line) for line in body)
    if lang == "" and not prompted and any(NOT_SHELL.match(line) for line in body):
        return  # an unlabelled block of Python, requirements or configuration
    source = Source()
    continuing = False
    for number, line in enumerate(body, start=start + 1):
        prompt = PROMPT.match(line)
        if prompt:
            source.add(" " * prompt.end() + line[prompt.end():], number)
        elif continuing or not (prompted or lang in SESSION_LANGUAGES):
            source.add(line, number)
        else:
            source.add("", number)  # command output
            continuing = False
            continue
        continuing = line.rstrip().endswith("\\")
    yield Command(source)
