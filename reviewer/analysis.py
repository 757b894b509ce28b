"""Analyze file contents (blobs) in batches: decode, parse once, run every rule, run ruff."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from reviewer.config import DEFAULT_CONFIG, ReviewConfig
from reviewer.files import FileKind, kind_of
from reviewer.model import FileAnalysis, Finding, Match
from reviewer.python.module import PythonModule
from reviewer.rules import all_rules, rule_by_id
from reviewer.rules.base import Rule
from reviewer.text import TextFile
from reviewer.tools.ruff import RuffBatch
from reviewer.treesitter import TREE_LANGUAGES, TreeModule

MAX_FILE_BYTES = 1_000_000
# Below this many files a batch is analyzed in-process: a worker round trip costs more.
PARALLEL_MIN_FILES = 48
MAX_LINE_CHARS = 20_000
SUPPRESSION = re.compile(r"(?:#|//|--)\s*reviewer:\s*ignore\[([\w\-, ]+)\]\s*(.*)")


@dataclass(slots=True)
class Prepared:
    """A decoded file ready for the rules, or the reason it cannot be analyzed."""

    kind: FileKind
    text: str | None = None
    skip_reason: str | None = None


def decode(data: bytes) -> tuple[str | None, str | None]:
    """(text, None) or (None, skip reason). Never raises."""
    if len(data) > MAX_FILE_BYTES:
        return None, f"file too large ({len(data):,} bytes, limit {MAX_FILE_BYTES:,})"
    if b"\0" in data[:8192]:
        return None, "binary file"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return None, f"not valid UTF-8 (byte {error.start})"
    if "\0" in text:
        return None, "binary file"
    head = text[:2000]
    if ("Code generated" in head and "DO NOT EDIT" in head) or "@generated" in head[:300]:
        return None, "generated file (marked \"DO NOT EDIT\"; skipped by default)"
    longest = max(map(len, text.splitlines()), default=0)
    if longest > MAX_LINE_CHARS:
        return None, (f"line of {longest:,} characters (limit {MAX_LINE_CHARS:,}): "
                      "minified or generated")
    return text, None


def active_rules(config: ReviewConfig) -> list[Rule]:
    return [rule for rule in all_rules() if rule.id not in config.disabled]


def ruff_codes_for(rules: list[Rule]) -> dict[str, Rule]:
    mapping: dict[str, Rule] = {}
    for rule in rules:
        for code in rule.ruff_codes:
            mapping[code] = rule
    return mapping


def analyze_batch(
    items: dict[str, tuple[str, bytes]], config: ReviewConfig = DEFAULT_CONFIG
) -> dict[str, FileAnalysis]:
    """Analyze many blobs at once. `items` maps a cache key to (path, bytes)."""
    rules = active_rules(config)
    prepared: dict[str, Prepared] = {}
    for key, (path, data) in items.items():
        text, reason = decode(data)
        prepared[key] = Prepared(kind=kind_of(path), text=text, skip_reason=reason)

    code_map = ruff_codes_for(rules)
    ruff_inputs = {
        key: (items[key][0], item.text)
        for key, item in prepared.items()
        if item.text is not None and item.kind.language == "python"
        and any(r.applies_to(item.kind) for r in code_map.values())
    }
    batch = RuffBatch(ruff_inputs, list(code_map))

    results = _analyze_all(prepared, config)

    for key, found in batch.results().items():
        analysis = results[key]
        if analysis.skip_reason:
            continue  # our parser could not read it: ruff's view is not reported alone
        kind = prepared[key].kind
        lines = prepared[key].text.splitlines()
        for result in found:
            rule = code_map.get(result.code) or code_map.get(result.code.rstrip("0123456789"))
            if rule is None or not rule.applies_to(kind):
                continue
            line_text = lines[result.line - 1] if 0 < result.line <= len(lines) else ""
            analysis.matches.append(Match(
                rule_id=rule.id, line=result.line, end_line=result.end_line,
                message=f"{result.message} [ruff {result.code}]",
                code=" ".join(line_text.split()), scope=f"ruff:{result.code}",
            ))
    for key, analysis in results.items():
        text = prepared[key].text
        if text is not None and analysis.matches:
            analysis.matches = _dedupe(_suppress(analysis.matches, text.splitlines()))
    return results


def analyze_content(path: str, data: bytes, config: ReviewConfig = DEFAULT_CONFIG) -> FileAnalysis:
    """One file; the batch path with a batch of one."""
    return analyze_batch({"file": (path, data)}, config)["file"]


_pool: ProcessPoolExecutor | None = None


def _workers() -> int:
    if multiprocessing.current_process().daemon:
        return 1  # e.g. inside a Celery prefork child: daemons may not have children
    return max(1, min(len(os.sched_getaffinity(0)), 8))


def _get_pool() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["reviewer.analysis"])
        _pool = ProcessPoolExecutor(max_workers=_workers(), mp_context=context)
    return _pool


def _parallel(function, items: list, size, *extra) -> dict:
    """`function(chunk, *extra) -> dict` over `items`, on every core when there are many.

    Big and small items are interleaved so the chunks cost about the same; a broken pool
    (or a process that may not have children) falls back to this process.
    """
    global _pool
    workers = _workers()
    if len(items) < PARALLEL_MIN_FILES or workers < 2:
        return function(items, *extra)
    ordered = sorted(items, key=size, reverse=True)
    chunks = [ordered[i::workers * 2] for i in range(workers * 2)]
    try:
        results: dict = {}
        for part in _get_pool().map(function, chunks, *([arg] * len(chunks) for arg in extra)):
            results.update(part)
        return results
    except (BrokenProcessPool, OSError, RuntimeError):
        _pool = None
        return function(items, *extra)


def _analyze_all(prepared: dict[str, Prepared], config: ReviewConfig) -> dict[str, FileAnalysis]:
    """Our own rules over every prepared file."""
    return _parallel(_analyze_chunk, list(prepared.items()),
                     lambda item: len(item[1].text or ""), config)


def extract_surfaces(items: list[tuple[str, str, str]]) -> dict[str, object]:
    """API surfaces of many files: (key, path, text) -> surface or None (unreadable)."""
    return _parallel(_surface_chunk, items, lambda item: len(item[2]))


def _surface_chunk(items: list[tuple[str, str, str]]) -> dict[str, object]:
    from reviewer.api import try_extract_surface

    return {key: try_extract_surface(path, text) for key, path, text in items}


def _analyze_chunk(
    items: list[tuple[str, Prepared]], config: ReviewConfig
) -> dict[str, FileAnalysis]:
    rules = active_rules(config)
    return {key: _analyze(item, rules, config) for key, item in items}


def _analyze(item: Prepared, rules: list[Rule], config: ReviewConfig) -> FileAnalysis:
    if item.text is None:
        return FileAnalysis(skip_reason=item.skip_reason)
    kind = item.kind
    applicable = [rule for rule in rules if rule.applies_to(kind)]
    matches: list[Match] = []
    errors: list[str] = []
    if kind.language == "python":
        try:
            module = PythonModule.parse(item.text, kind=kind, config=config)
        except SyntaxError as error:
            hint = " (Python 2 syntax?)" if _looks_like_python2(item.text) else ""
            return FileAnalysis(skip_reason=f"does not parse as Python: {error.msg} "
                                            f"(line {error.lineno}){hint}")
        except (RecursionError, MemoryError):
            return FileAnalysis(skip_reason="does not parse as Python: nesting too deep")
        except ValueError as error:
            return FileAnalysis(skip_reason=f"does not parse as Python: {error}")
        for rule in applicable:
            if "python" in rule.languages and type(rule).check_python is not Rule.check_python:
                _run(rule.id, lambda rule=rule: rule.check_python(module), matches, errors)
    elif kind.language in TREE_LANGUAGES:
        try:
            tree = TreeModule.parse(item.text, kind, config)
            problem = tree.parse_problem()
        except (ValueError, RecursionError, MemoryError) as error:
            problem = f"does not parse: {error}"
        if problem:
            return FileAnalysis(skip_reason=problem)
        for rule in applicable:
            if rule.wants_tree(kind):
                _run(rule.id, lambda rule=rule: rule.check_tree(tree), matches, errors)
    text_rules = [rule for rule in applicable if rule.wants_text(kind)]
    if text_rules:
        text_file = TextFile(kind=kind, text=item.text, config=config)
        for rule in text_rules:
            _run(rule.id, lambda rule=rule: rule.check_text(text_file), matches, errors)
    return FileAnalysis(matches=matches, errors=errors)


def _looks_like_python2(text: str) -> bool:
    return bool(re.search(r"^\s*print\s+[\"'\w]|^\s*exec\s+[\"']|except\s+\w+\s*,\s*\w+\s*:",
                          text, re.MULTILINE))


def _run(rule_id: str, check, matches: list[Match], errors: list[str]) -> None:
    """One rule's bug must not cost the file its other findings, nor the review its commit."""
    try:
        matches.extend(check())
    except Exception as error:  # noqa: BLE001 - isolation boundary for rule code
        errors.append(f"rule {rule_id} failed: {type(error).__name__}: {error}")


def _suppress(matches: list[Match], lines: list[str]) -> list[Match]:
    """Honour `# reviewer: ignore[RULE-ID, ...] reason` on the flagged line or the line above."""
    out = []
    for match in matches:
        reason = None
        for number in (match.line, match.line - 1):
            if 0 < number <= len(lines):
                found = SUPPRESSION.search(lines[number - 1])
                if found and (number == match.line or lines[number - 1].lstrip().startswith(
                        ("#", "//", "--"))):
                    ids = {i.strip() for i in found.group(1).split(",")}
                    if match.rule_id in ids or "*" in ids:
                        reason = found.group(2).strip() or "no reason given"
                        break
        out.append(match if reason is None else _replace(match, suppressed=reason))
    return out


def _replace(match: Match, **changes) -> Match:
    values = {name: getattr(match, name) for name in Match.__slots__}
    values.update(changes)
    return Match(**values)


def _dedupe(matches: list[Match]) -> list[Match]:
    seen: set[tuple[str, int]] = set()
    unique = []
    # Our own rules before ruff's for the same line: ours carry the better message.
    for match in sorted(matches, key=lambda m: (m.line, m.rule_id, m.scope.startswith("ruff:"))):
        if (match.rule_id, match.line) not in seen:
            seen.add((match.rule_id, match.line))
            unique.append(match)
    return unique


def findings_for(path: str, analysis: FileAnalysis,
                 config: ReviewConfig = DEFAULT_CONFIG) -> list[Finding]:
    """Turn a blob's matches into findings at `path`, with line-independent fingerprints.

    The fingerprint hashes rule, path, scope and the normalized flagged code, plus an
    occurrence index that tells identical statements in one scope apart.
    """
    occurrences: Counter[tuple[str, str, str]] = Counter()
    findings = []
    for match in analysis.matches:
        if match.rule_id in config.disabled:
            continue
        key = (match.rule_id, match.scope, match.code)
        index = occurrences[key]
        occurrences[key] += 1
        digest = hashlib.sha256(
            "\0".join([match.rule_id, path, match.scope, match.code, str(index)]).encode()
        ).hexdigest()[:32]
        rule = rule_by_id(match.rule_id)
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
                severity=config.severity_overrides.get(match.rule_id,
                                                       str(rule.severity) if rule else "medium"),
                suppressed=match.suppressed,
            )
        )
    return findings
