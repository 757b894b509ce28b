"""Route paths in one spelling: parameters as `{name}`, one leading slash, no trailing slash."""

from __future__ import annotations

import re
from functools import lru_cache

# Flask/Django `<int:id>`, `<id>`; Django regex groups `(?P<id>...)`.
_ANGLE = re.compile(r"<(?:[^<>:]+:)?([A-Za-z_]\w*)>")
_REGEX_GROUP = re.compile(r"\(\?P<([A-Za-z_]\w*)>(?:[^()]|\([^()]*\))*\)")
# Express/gin/echo `:id`, `:id?`, `:id(\\d+)`; Express 5 / gin `*name` wildcards.
_COLON = re.compile(r"(?<![\w}]):([A-Za-z_][\w]*)(?:\((?:[^()]|\([^()]*\))*\))?[?+*]?")
_STAR = re.compile(r"(?<=/)\*([A-Za-z_]\w*)")
# `{id}`, `{id:int}` (Starlette convertors), `{id:[0-9]+}` (chi/gorilla), `{rest...}` (Go 1.22).
_BRACE = re.compile(r"\{([A-Za-z_][\w-]*)(?:\.\.\.)?(?::(?:[^{}]|\{[^{}]*\})*)?\}")
# Next.js `[id]`, `[...slug]`, `[[...slug]]`.
_BRACKET = re.compile(r"\[\[?(?:\.\.\.)?([A-Za-z_][\w-]*)\]?\]")


@lru_cache(maxsize=4096)
def normalize_path(path: str) -> str:
    path = path.strip()
    path = _REGEX_GROUP.sub(r"{\1}", path)
    path = _ANGLE.sub(r"{\1}", path)
    path = _BRACE.sub(r"{\1}", path)
    path = _COLON.sub(r"{\1}", path)
    path = _STAR.sub(r"{\1}", path)
    path = path.replace("{$}", "")
    path = re.sub(r"/{2,}", "/", "/" + path.lstrip("/"))
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    return path


def normalize_regex_path(pattern: str) -> str:
    """Django `re_path(r"^users/(?P<pk>[0-9]+)/$")`: anchors and escapes dropped."""
    pattern = pattern.strip()
    pattern = pattern.removeprefix("^")
    pattern = re.sub(r"\\?/?\$$", "", pattern) if pattern.endswith("$") else pattern
    pattern = _REGEX_GROUP.sub(r"{\1}", pattern)
    pattern = pattern.replace("\\", "")
    return normalize_path(pattern)


def nextjs_segments(segments: list[str]) -> str:
    """App/pages router folders: route groups `(x)`, slots `@x` and private `_x` vanish."""
    kept = [s for s in segments if s and not (s.startswith("(") and s.endswith(")"))
            and not s.startswith("@") and not s.startswith("_")]
    return normalize_path(_BRACKET.sub(r"{\1}", "/".join(kept)))


def join(*parts: str) -> str:
    return normalize_path("/".join(p.strip("/") for p in parts if p and p != "/"))
