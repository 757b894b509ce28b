"""Analyze one file content (a blob): decode it, parse it once, run every rule over it."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import PurePosixPath

from reviewer.model import FileAnalysis, Finding, Match
from reviewer.python.module import PythonModule
from reviewer.rules import all_rules
from reviewer.text import TextFile

MAX_FILE_BYTES = 1_000_000
MAX_LINE_CHARS = 20_000

LANGUAGES = {".py": "python", ".pyi": "python"}


def language_of(path: str) -> str:
    return LANGUAGES.get(PurePosixPath(path).suffix.lower(), "text")


def analyze_content(path: str, data: bytes) -> FileAnalysis:
    """Never raises on bad input: a file that cannot be analyzed comes back with a skip reason."""
    if len(data) > MAX_FILE_BYTES:
        return FileAnalysis(skip_reason=f"file too large ({len(data):,} bytes, limit "
                                        f"{MAX_FILE_BYTES:,})")
    if b"\0" in data[:8192]:
        return FileAnalysis(skip_reason="binary file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return FileAnalysis(skip_reason=f"not valid UTF-8 (byte {error.start})")
    longest = max((len(line) for line in text.splitlines()), default=0)
    if longest > MAX_LINE_CHARS:
        return FileAnalysis(skip_reason=f"line of {longest:,} characters (limit "
                                        f"{MAX_LINE_CHARS:,}): minified or generated")

    language = language_of(path)
    matches: list[Match] = []
    errors: list[str] = []
    rules = all_rules()
    if language == "python":
        try:
            module = PythonModule.parse(text)
        except SyntaxError as error:
            return FileAnalysis(skip_reason=f"does not parse as Python: {error.msg} "
                                            f"(line {error.lineno})")
        except (RecursionError, MemoryError):
            return FileAnalysis(skip_reason="does not parse as Python: nesting too deep")
        for rule in rules:
            if "python" in rule.languages:
                _run(rule.id, lambda rule=rule: rule.check_python(module), matches, errors)
    text_file = TextFile(path_suffix=PurePosixPath(path).suffix, text=text)
    for rule in rules:
        if "text" in rule.languages:
            _run(rule.id, lambda rule=rule: rule.check_text(text_file), matches, errors)
    return FileAnalysis(matches=_dedupe(matches), errors=errors)


def _run(rule_id: str, check, matches: list[Match], errors: list[str]) -> None:
    """One rule's bug must not cost the file its other findings, nor the review its commit."""
    try:
        matches.extend(check())
    except Exception as error:  # noqa: BLE001 - isolation boundary for rule code
        errors.append(f"rule {rule_id} failed: {type(error).__name__}: {error}")


def _dedupe(matches: list[Match]) -> list[Match]:
    seen: set[tuple[str, int]] = set()
    unique = []
    for match in sorted(matches, key=lambda m: (m.line, m.rule_id)):
        if (match.rule_id, match.line) not in seen:
            seen.add((match.rule_id, match.line))
            unique.append(match)
    return unique


def findings_for(path: str, analysis: FileAnalysis) -> list[Finding]:
    """Turn a blob's matches into findings at `path`, with line-independent fingerprints.

    The fingerprint hashes rule, path, scope and the normalized flagged code, plus an
    occurrence index that tells identical statements in one scope apart.
    """
    occurrences: Counter[tuple[str, str, str]] = Counter()
    findings = []
    for match in analysis.matches:
        key = (match.rule_id, match.scope, match.code)
        index = occurrences[key]
        occurrences[key] += 1
        digest = hashlib.sha256(
            "\0".join([match.rule_id, path, match.scope, match.code, str(index)]).encode()
        ).hexdigest()[:32]
        findings.append(
            Finding(
                rule_id=match.rule_id,
                path=path,
                line=match.line,
                end_line=match.end_line,
                message=match.message,
                fingerprint=digest,
                code=match.code,
                scope=match.scope,
            )
        )
    return findings
