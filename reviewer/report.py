"""Output formats: text for people, json/jsonl for scripts, SARIF 2.1.0 for code scanning."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from reviewer import __version__
from reviewer.model import Finding, Skip
from reviewer.rules import all_rules, rule_by_id

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
# GitHub code scanning reads this property to rank security results.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}


@dataclass(frozen=True, slots=True)
class Event:
    """A finding as reported: in a commit (introduced/fixed) or in a scan (open)."""

    finding: Finding
    status: str  # introduced, fixed, open
    commit: str | None = None


@dataclass(frozen=True, slots=True)
class SkipEvent:
    skip: Skip
    commit: str | None = None


def finding_dict(event: Event) -> dict:
    finding = event.finding
    rule = rule_by_id(finding.rule_id)
    data = {
        "commit": event.commit,
        "path": finding.path,
        "line": finding.line,
        "end_line": finding.end_line,
        "rule": finding.rule_id,
        "title": rule.title if rule else finding.rule_id,
        "severity": finding.severity or (str(rule.severity) if rule else "medium"),
        "category": str(rule.category) if rule else None,
        "cwe": f"CWE-{rule.cwe}" if rule and rule.cwe else None,
        "status": event.status,
        "fingerprint": finding.fingerprint,
        "message": finding.message,
        "suppressed": finding.suppressed is not None,
        "suppression_reason": finding.suppressed,
    }
    if event.commit is None:
        del data["commit"]
    return data


def skip_dict(event: SkipEvent) -> dict:
    data = {"commit": event.commit, "path": event.skip.path, "status": "skipped",
            "reason": event.skip.reason}
    if event.commit is None:
        del data["commit"]
    return data


def render_text(events: Iterable[Event], skips: Iterable[SkipEvent]) -> str:
    lines = []
    for event in events:
        f = event.finding
        prefix = f"{event.commit[:10]} {event.status:10} " if event.commit else ""
        suppressed = f" (suppressed: {f.suppressed})" if f.suppressed else ""
        lines.append(f"{prefix}{f.path}:{f.line}: {f.severity} [{f.rule_id}] "
                     f"{f.message}{suppressed}")
    for event in skips:
        prefix = f"{event.commit[:10]} skipped    " if event.commit else "skipped: "
        lines.append(f"{prefix}{event.skip.path}: {event.skip.reason}")
    return "\n".join(lines) + ("\n" if lines else "")


def render_jsonl(events: Iterable[Event], skips: Iterable[SkipEvent]) -> str:
    rows = [json.dumps(finding_dict(e)) for e in events]
    rows += [json.dumps(skip_dict(s)) for s in skips]
    return "\n".join(rows) + ("\n" if rows else "")


def render_json(events: Iterable[Event], skips: Iterable[SkipEvent], **summary) -> str:
    events, skips = list(events), list(skips)
    return json.dumps({
        "version": __version__,
        "summary": {**summary, "findings": len(events), "skipped": len(skips)},
        "findings": [finding_dict(e) for e in events],
        "skipped": [skip_dict(s) for s in skips],
    }, indent=2) + "\n"


def sarif_rules() -> list[dict]:
    rules = []
    for rule in all_rules():
        tags = [str(rule.category)]
        if rule.cwe:
            tags.append(f"CWE-{rule.cwe}")
        if "security" not in tags and rule.cwe:
            tags.append("security")
        example = ""
        if rule.example:
            example = (f"\n\nBefore:\n\n    {rule.example.before}\n\n"
                       f"After:\n\n    {rule.example.after}")
        entry = {
            "id": rule.id,
            "name": "".join(part.title() for part in rule.id.split("-")),
            "shortDescription": {"text": rule.title},
            "fullDescription": {"text": rule.rationale},
            "help": {
                "text": f"{rule.fix}{example}",
                "markdown": f"**{rule.title}**\n\n{rule.rationale}\n\n**Fix:** {rule.fix}"
                + (f"\n\n```\n# before\n{rule.example.before}\n# after\n"
                   f"{rule.example.after}\n```" if rule.example else ""),
            },
            "defaultConfiguration": {"level": LEVELS[str(rule.severity)]},
            "properties": {
                "tags": tags,
                "precision": {"high": "high", "medium": "medium", "low": "low"}[
                    str(rule.confidence)],
                "problem.severity": LEVELS[str(rule.severity)].replace("note", "recommendation"),
                "security-severity": SECURITY_SEVERITY[str(rule.severity)],
                "languages": list(rule.languages),
            },
        }
        if rule.references:
            entry["helpUri"] = rule.references[0]
        rules.append(entry)
    return rules


def render_sarif(events: Iterable[Event], skips: Iterable[SkipEvent],
                 config_error: str | None = None) -> str:
    rules = sarif_rules()
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results = []
    for event in events:
        f = event.finding
        result = {
            "ruleId": f.rule_id,
            "ruleIndex": index[f.rule_id],
            "level": LEVELS.get(f.severity, "warning"),
            "message": {"text": f.message},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": f.path, "uriBaseId": "SRCROOT"},
                    "region": {"startLine": f.line, "endLine": max(f.end_line, f.line)},
                }
            }],
            "partialFingerprints": {"reviewer/v1": f.fingerprint},
            "properties": {"severity": f.severity, "status": event.status},
        }
        if event.commit:
            result["properties"]["commit"] = event.commit
        if f.suppressed is not None:
            result["suppressions"] = [{"kind": "inSource", "justification": f.suppressed}]
        results.append(result)
    notifications = [{
        "level": "warning",
        "message": {"text": f"skipped: {s.skip.reason}"
                            + (f" (commit {s.commit})" if s.commit else "")},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": s.skip.path,
                                                                  "uriBaseId": "SRCROOT"}}}],
    } for s in skips]
    invocation = {"executionSuccessful": True, "toolExecutionNotifications": notifications}
    if config_error:
        invocation["toolConfigurationNotifications"] = [
            {"level": "error", "message": {"text": config_error}}]
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "reviewer",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": rules,
            }},
            "invocations": [invocation],
            "results": results,
        }],
    }
    return json.dumps(document, indent=2) + "\n"
