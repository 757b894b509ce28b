"""Syntax highlighting of diff lines with Pygments, line by line, always escaped.

The code shown is untrusted: Pygments escapes every token it emits, and any line it
cannot lex comes back escaped as plain text, so the result is safe to mark safe.
"""

from __future__ import annotations

from functools import lru_cache

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_for_filename
from pygments.lexers.special import TextLexer
from pygments.util import ClassNotFound

FORMATTER = HtmlFormatter(nowrap=True, classprefix="hl-")
MAX_CHARS = 200_000


@lru_cache(maxsize=256)
def _lexer_for(path: str):
    try:
        return get_lexer_for_filename(path, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return TextLexer(stripnl=False, ensurenl=False)


def highlight_lines(path: str, lines: list[str]) -> list[SafeString]:
    """Each line as highlighted HTML; the lines are lexed together so that strings and
    comments spanning lines are coloured right."""
    text = "\n".join(lines)
    if not lines or len(text) > MAX_CHARS:
        return [mark_safe(escape(line)) for line in lines]  # noqa: S308 - escaped
    html = highlight(text, _lexer_for(path), FORMATTER).split("\n")
    if len(html) < len(lines):  # a lexer that swallowed a line break: stay plain
        return [mark_safe(escape(line)) for line in lines]  # noqa: S308 - escaped
    return [mark_safe(part) for part in html[: len(lines)]]  # noqa: S308 - Pygments escapes


def stylesheet() -> str:
    return FORMATTER.get_style_defs(".code")
