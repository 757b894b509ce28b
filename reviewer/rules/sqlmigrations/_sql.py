"""SQL migrations as statements: comments and literals blanked, the up and down parts of
goose, sql-migrate and dbmate files, and the DDL the migration rules look for.

Used for `.sql` migration files and for the SQL strings JavaScript/TypeScript migrations
pass to `queryRunner.query(...)`, `knex.raw(...)` and friends. Regular expressions over
whitespace-normalized statements; string literal contents and dollar-quoted bodies are
blanked first, so nothing inside them is ever read as a statement.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from reviewer.files import kind_of

IDENT = r'(?:"(?:[^"]|"")+"|`[^`]+`|\[[^\]]+\]|[A-Za-z_][\w$]*)'
QNAME = rf"{IDENT}(?:\s*\.\s*{IDENT}){{0,2}}"
_FLAGS = re.IGNORECASE
# What a `${...}` substitution in a JavaScript SQL template becomes.
PLACEHOLDER = "__sub__"

MARKER = re.compile(r"^[ \t]*--[ \t]*(?:\+goose[ \t]+|\+migrate[ \t]+|migrate:)(up|down)\b",
                    _FLAGS | re.MULTILINE)
# Formats whose files only ever run forward: Prisma writes a `-- CreateTable` /
# `-- AlterTable` / ... comment above every statement; Liquibase formatted SQL keeps its
# rollback in `--rollback` comments.
FORWARD_ONLY = re.compile(
    r"^--[ \t]*(?:Create|Alter|Drop|Rename|Add|Redefine)[A-Z]\w*[ \t]*$|"
    r"^--[ \t]*liquibase\s+formatted\s+sql|^--[ \t]*changeset\s", re.MULTILINE)
DUMP = re.compile(r"^--[ \t]*(?:PostgreSQL database dump|MySQL dump|Dumped from database)",
                  re.MULTILINE)
IRREVERSIBLE = re.compile(r"irreversible|not\s+reversible|cannot\s+be\s+(?:undone|reverted|"
                          r"reversed|rolled\s+back)|can't\s+be\s+(?:undone|reverted|reversed|"
                          r"rolled\s+back)|one[- ]way|no\s+(?:way\s+)?back", _FLAGS)
NOT_POSTGRES = re.compile(
    r"`|\bENGINE\s*=|\bAUTO_INCREMENT\b|\bAUTOINCREMENT\b|\bUNSIGNED\b|\bCHARSET\b|"
    r"\bPRAGMA\b|\bWITHOUT\s+ROWID\b|\bDATETIME\b|\bTINYINT\b|\bMEDIUMTEXT\b|\bLONGTEXT\b|"
    r"\bNVARCHAR\b|\bVARCHAR2\b|\[dbo\]|\bsp_rename\b|^\s*GO\s*$",
    _FLAGS | re.MULTILINE,
)
_DOLLAR = re.compile(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$")
_ROUTINE = re.compile(r"^CREATE\s+(?:OR\s+REPLACE\s+)?(?:DEFINER\s*=\s*\S+\s+)?"
                      r"(?:PROCEDURE|FUNCTION|TRIGGER|EVENT)\b.*\bBEGIN\b", _FLAGS)
_ROUTINE_END = re.compile(r"\bEND\s*(?://|\$\$)?$", _FLAGS)

# Whether the engine tells `x.down.sql` from `x.up.sql` (FileKind.variant): without it a
# plain file made only of DROP statements is taken for the down half of a pair.
DOWN_VARIANTS = frozenset({"down"})
UP_VARIANTS = frozenset({"up"})
VARIANTS_KNOWN = kind_of("migrations/000001_init.down.sql").variant in DOWN_VARIANTS


@dataclass(frozen=True, slots=True)
class Statement:
    sql: str  # whitespace-normalized, comments and literal contents blanked
    code: str  # whitespace-normalized, comments blanked, literals kept
    line: int
    end_line: int
    section: str  # "up", "down", "before" (above the first marker), "" (no markers)


@dataclass(frozen=True, slots=True)
class Change:
    """One DDL effect of a statement the rules care about."""

    kind: str  # drop-column, drop-table, rename-column, rename-table, add-column, index,
    # create-table
    table: str  # display name, e.g. public.users
    column: str = ""
    name: str = ""  # index: the index name
    new: str = ""
    definition: str = ""  # add-column: the column definition after the name
    concurrently: bool = False  # index
    only: bool = False  # index: ON ONLY (partitioned parent, cannot be concurrent)

    @property
    def key(self) -> str:
        return table_key(self.table)


def blank(text: str, backslash_escapes: bool = False) -> tuple[str, str]:
    """(analysis, display): comments blanked in both, literal contents and dollar-quoted
    bodies blanked in `analysis` only. Same length as `text`; newlines are kept."""
    spans: list[tuple[int, int, bool]] = []  # (start, end, blank in display too)
    n = len(text)
    i = 0
    while (match := _TOKEN.search(text, i)) is not None:
        lexeme, start = match.group(0), match.start()
        if lexeme == "--":
            end = text.find("\n", start)
            end = n if end < 0 else end
            spans.append((start, end, True))
            i = end
        elif lexeme == "/*":
            depth, j = 1, start + 2
            while depth and (inner := _COMMENT_EDGE.search(text, j)) is not None:
                depth += 1 if inner.group(0) == "/*" else -1
                j = inner.end()
            end = j if depth == 0 else n
            spans.append((start, end, True))
            i = end
        elif lexeme.endswith("'"):
            quote = start + len(lexeme) - 1
            escapes = backslash_escapes or (
                len(lexeme) == 2 and (start == 0 or not _word(text[start - 1])))
            body = (_ESCAPED_BODY if escapes else _PLAIN_BODY).match(text, quote + 1)
            end = body.end() if body else n
            spans.append((quote + 1, end, False))
            i = min(end + 1, n) if end < n else n
        elif lexeme in ("\"", "`"):
            end = text.find(lexeme, start + 1)
            i = n if end < 0 else end + 1
        elif start > 0 and _word(text[start - 1]):
            i = start + 1  # `a$b$`: part of a name, not a dollar quote
        else:
            end = text.find(lexeme, match.end())
            end = n if end < 0 else end
            spans.append((match.end(), end, False))
            i = min(end + len(lexeme), n)
    analysis, display = [], []
    position = 0
    for begin, end, both in spans:
        analysis.append(text[position:begin])
        display.append(text[position:begin])
        wiped = _NOT_NEWLINE.sub(" ", text[begin:end])
        analysis.append(wiped)
        display.append(wiped if both else text[begin:end])
        position = end
    analysis.append(text[position:])
    display.append(text[position:])
    return "".join(analysis), "".join(display)


_TOKEN = re.compile(r"--|/\*|[eE]?'|\"|`|\$(?:[A-Za-z_][A-Za-z_0-9]*)?\$")
_COMMENT_EDGE = re.compile(r"/\*|\*/")
_PLAIN_BODY = re.compile(r"(?:[^']|'')*(?=')")
_ESCAPED_BODY = re.compile(r"(?:[^'\\]|\\.|'')*(?=')", re.DOTALL)
_NOT_NEWLINE = re.compile(r"[^\n]")


def _word(char: str) -> bool:
    return char.isalnum() or char == "_"


_CACHE: list[tuple[str, list[Statement]]] = []


def statements(text: str, first_line: int = 1, markers: bool = True) -> list[Statement]:
    """The statements of `text` in order, each with its lines and its up/down section."""
    if first_line == 1 and markers:
        # The rules run one after another on the same file: split it once.
        if _CACHE and _CACHE[0][0] is text:
            return _CACHE[0][1]
        found = _statements(text, 1, True)
        _CACHE[:] = [(text, found)]
        return found
    return _statements(text, first_line, markers)


def _statements(text: str, first_line: int, markers: bool) -> list[Statement]:
    analysis, display = blank(text, backslash_escapes="`" in text)
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    marks = [(bisect_right(starts, m.start()), m.group(1).lower())
             for m in MARKER.finditer(text)] if markers else []
    found: list[Statement] = []
    position = 0
    in_routine = False
    for end in [m.start() for m in re.finditer(";", analysis)] + [len(analysis)]:
        segment = analysis[position:end]
        stripped = segment.strip()
        if stripped:
            begin = position + (len(segment) - len(segment.lstrip()))
            last = position + len(segment.rstrip()) - 1
            line = bisect_right(starts, begin)
            sql = " ".join(stripped.split())
            section = ""
            if marks:
                before = [kind for mark_line, kind in marks if mark_line < line]
                section = before[-1] if before else "before"
            if in_routine:  # inside a BEGIN ... END routine body (MySQL style, no $$)
                in_routine = not _ROUTINE_END.search(sql)
                position = end + 1
                continue
            if _ROUTINE.search(sql) and not _ROUTINE_END.search(sql):
                in_routine = True
            found.append(Statement(
                sql=sql, code=" ".join(display[position:end].split()),
                line=line + first_line - 1, end_line=bisect_right(starts, last) + first_line - 1,
                section=section,
            ))
        position = end + 1
    return found


def has_markers(text: str) -> bool:
    return MARKER.search(text) is not None


def marker_lines(text: str) -> list[tuple[int, str]]:
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    return [(bisect_right(starts, m.start()), m.group(1).lower()) for m in MARKER.finditer(text)]


def is_dump(text: str) -> bool:
    return DUMP.search(text[:3000]) is not None


def postgres_compatible(text: str) -> bool:
    """False when the SQL is clearly MySQL, SQLite, SQL Server or Oracle."""
    return NOT_POSTGRES.search(text) is None


def up_statements(text: str, variant: str) -> list[Statement]:
    """The statements that run when the migration is applied: the up section of a file with
    goose/sql-migrate/dbmate markers, else the whole file unless it is a down file."""
    if is_dump(text):
        return []
    found = statements(text)
    if has_markers(text):
        return [s for s in found if s.section == "up"]
    if variant in DOWN_VARIANTS:
        return []
    if variant in UP_VARIANTS or VARIANTS_KNOWN or FORWARD_ONLY.search(text):
        return found
    return [] if reversal_only(found) else found


# --- statements ----------------------------------------------------------------------------

CREATE_TABLE = re.compile(
    rf"^CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:GLOBAL|LOCAL)\s+)?(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?"
    rf"(?:TABLE|MATERIALIZED\s+VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?({QNAME})", _FLAGS)
DROP_TABLE = re.compile(r"^DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(.+?)(?:\s+(?:CASCADE|RESTRICT))?$",
                        _FLAGS)
ALTER_TABLE = re.compile(
    rf"^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?({QNAME})\s*\*?\s+(.+)$", _FLAGS)
RENAME_TABLE = re.compile(r"^RENAME\s+TABLE\s+(.+)$", _FLAGS)
CREATE_INDEX = re.compile(
    rf"^CREATE\s+(?:UNIQUE\s+)?INDEX\s+(CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?"
    rf"(?:({QNAME})\s+)?ON\s+(ONLY\s+)?({QNAME})", _FLAGS)

_RENAME_TO = re.compile(rf"^RENAME\s+(?:TO|AS)\s+({QNAME})$", _FLAGS)
_RENAME_COLUMN = re.compile(rf"^RENAME\s+(COLUMN\s+)?({IDENT})\s+TO\s+({IDENT})$", _FLAGS)
_DROP = re.compile(
    rf"^DROP\s+(COLUMN\s+)?(?:IF\s+EXISTS\s+)?({IDENT})(?:\s+(?:CASCADE|RESTRICT))?$", _FLAGS)
_ADD = re.compile(rf"^ADD\s+(COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?({IDENT})\s+(.+)$", _FLAGS)
_CHANGE = re.compile(rf"^CHANGE\s+(?:COLUMN\s+)?({IDENT})\s+({IDENT})\s", _FLAGS)
_PAIR = re.compile(rf"^({QNAME})\s+TO\s+({QNAME})$", _FLAGS)
NOT_COLUMNS = frozenset({
    "constraint", "index", "key", "primary", "foreign", "check", "partition", "default",
    "identity", "expression", "not", "trigger", "period", "system", "fulltext", "spatial",
    "unique", "column", "exclude", "constraints",
})
_NEUTRAL = re.compile(r"^(?:BEGIN|COMMIT|END|START\s+TRANSACTION|SET\b|SELECT\b)", _FLAGS)
_REVERSAL = re.compile(r"^(?:DROP\s|DELETE\s+FROM\b|TRUNCATE\b)", _FLAGS)


def unquote(name: str) -> str:
    name = name.strip()
    if len(name) >= 2 and name[0] + name[-1] in ('""', "``", "[]"):
        return name[1:-1].replace('""', '"')
    return name


def display_name(qname: str) -> str:
    name = ".".join(unquote(part) for part in _split_qualified(qname))
    return "?" if PLACEHOLDER in name else name


def table_key(name: str) -> str:
    """Comparable table name: the unqualified, unquoted name, lowercased."""
    parts = _split_qualified(name)
    return unquote(parts[-1]).lower() if parts else ""


def _split_qualified(qname: str) -> list[str]:
    return [m.group(0) for m in re.finditer(IDENT, qname)]


def split_top_level(text: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts, depth, current = [], 0, []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    parts.append("".join(current).strip())
    return [p for p in parts if p]


def changes(sql: str) -> list[Change]:
    """What a normalized statement does to tables and columns."""
    match = CREATE_INDEX.match(sql)
    if match:
        return [Change("index", display_name(match.group(4)),
                       name=display_name(match.group(2) or ""),
                       concurrently=bool(match.group(1)), only=bool(match.group(3)))]
    match = DROP_TABLE.match(sql)
    if match:
        return [Change("drop-table", display_name(name))
                for name in split_top_level(match.group(1)) if re.fullmatch(QNAME, name)]
    match = RENAME_TABLE.match(sql)
    if match:
        found = []
        for pair in split_top_level(match.group(1)):
            names = _PAIR.match(pair)
            if names:
                found.append(Change("rename-table", display_name(names.group(1)),
                                    new=display_name(names.group(2))))
        return found
    match = ALTER_TABLE.match(sql)
    if match:
        table = display_name(match.group(1))
        return [c for action in split_top_level(match.group(2))
                if (c := _action(table, action)) is not None]
    return []


def _action(table: str, action: str) -> Change | None:
    match = _RENAME_TO.match(action)
    if match:
        return Change("rename-table", table, new=display_name(match.group(1)))
    match = _RENAME_COLUMN.match(action)
    if match and (match.group(1) or unquote(match.group(2)).lower() not in NOT_COLUMNS):
        return Change("rename-column", table, column=unquote(match.group(2)),
                      new=unquote(match.group(3)))
    match = _DROP.match(action)
    if match and (match.group(1) or unquote(match.group(2)).lower() not in NOT_COLUMNS):
        return Change("drop-column", table, column=unquote(match.group(2)))
    match = _ADD.match(action)
    if match and (match.group(1) or unquote(match.group(2)).lower() not in NOT_COLUMNS):
        return Change("add-column", table, column=unquote(match.group(2)),
                      definition=match.group(3))
    match = _CHANGE.match(action)
    if match and unquote(match.group(1)).lower() != unquote(match.group(2)).lower():
        return Change("rename-column", table, column=unquote(match.group(1)),
                      new=unquote(match.group(2)))
    return None


def created_tables(found: list[Statement] | list[str]) -> set[str]:
    """Tables (and materialized views) the statements create, or rename another table to:
    the migration builds them itself, so nothing is running against them yet."""
    tables = set()
    for statement in found:
        sql = statement if isinstance(statement, str) else statement.sql
        match = CREATE_TABLE.match(sql)
        if match:
            tables.add(table_key(match.group(1)))
        for change in changes(sql):
            if change.kind == "rename-table":
                tables.add(table_key(change.new))
    return tables


def reversal_only(found: list[Statement]) -> bool:
    """Only DROP/DELETE statements (and ALTER TABLE ... DROP ...): the shape of the down half
    of a migration pair (`DROP TABLE IF EXISTS users;`)."""
    dropped = False
    for statement in found:
        sql = statement.sql
        if _NEUTRAL.match(sql):
            continue
        if _REVERSAL.match(sql):
            dropped = True
            continue
        match = ALTER_TABLE.match(sql)
        if match and all(re.match(r"DROP\s", a, _FLAGS)
                         for a in split_top_level(match.group(2))):
            dropped = True
            continue
        return False
    return dropped


_NOT_NULL = re.compile(r"(?<!IS )\bNOT\s+NULL\b", _FLAGS)
_DEFAULT = re.compile(r"\bDEFAULT\b(?!\s+NULL\b)", _FLAGS)
_GENERATED = re.compile(r"\bGENERATED\b|\bIDENTITY\b|\bAUTO_?INCREMENT\b|\bPRIMARY\s+KEY\b|"
                        r"\bAS\s*\(", _FLAGS)
_SERIAL = re.compile(r"^(?:SMALL|BIG)?SERIAL\d?\b", _FLAGS)


def needs_default(definition: str) -> bool:
    """A column definition that is NOT NULL with nothing to fill existing rows."""
    if not _NOT_NULL.search(definition) or _DEFAULT.search(definition):
        return False
    return not (_GENERATED.search(definition) or _SERIAL.match(definition))


def column_type(definition: str) -> str:
    match = re.match(r"[\w\s]+?(?:\([^)]*\))?(?=\s+(?:NOT|NULL|DEFAULT|REFERENCES|CHECK|"
                     r"CONSTRAINT|COLLATE|UNIQUE|PRIMARY)\b|$)", definition, _FLAGS)
    return " ".join((match.group(0) if match else definition.split(" ")[0]).split())


def is_temporary(table: str) -> bool:
    name = table_key(table)
    return bool(re.search(r"^(?:tmp|temp|backup|bak)_|_(?:tmp|temp|bak|backup|old)$", name))


def does_something(found: list[Statement]) -> bool:
    return any(not _NEUTRAL.match(s.sql) for s in found)
