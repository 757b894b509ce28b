"""`reviewer`: review files (`scan`), a history commit by commit (`review`), or list `rules`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from reviewer.cache import BlobCache, default_cache_dir
from reviewer.config import CONFIG_FILE, DEFAULT_CONFIG, ConfigError, ReviewConfig
from reviewer.engine import Reviewer
from reviewer.git import GitError, GitRepository
from reviewer.report import (
    Event,
    SkipEvent,
    render_json,
    render_jsonl,
    render_sarif,
    render_text,
)
from reviewer.rules import all_rules
from reviewer.scan import scan

FORMATS = ["text", "json", "jsonl", "sarif"]
SEVERITIES = ["critical", "high", "medium", "low"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="reviewer", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    rules = commands.add_parser("rules", help="list the rule catalogue")
    rules.add_argument("--format", choices=["text", "json"], default="text")

    for name, help_text in (("scan", "review files as they are"),
                            ("review", "review a git history commit by commit")):
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("path", type=Path, metavar="PATH" if name == "scan" else "REPO")
        sub.add_argument("--format", choices=FORMATS, default="text")
        sub.add_argument("--output", "-o", type=Path, help="write here instead of stdout")
        sub.add_argument("--config", type=Path, help=f"configuration (default: {CONFIG_FILE} "
                                                     "at the root)")
        sub.add_argument("--cache-dir", type=Path, default=None,
                         help=f"blob cache directory (default: {default_cache_dir()})")
        sub.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
        sub.add_argument("--fail-on", choices=SEVERITIES,
                         help="exit 1 if an unsuppressed finding of this severity or worse "
                              "is reported")
        if name == "review":
            sub.add_argument("--rev-range", default="HEAD",
                             help="commits to review, e.g. main..feature (default: the whole "
                                  "first-parent history of the current branch)")
    delta = commands.add_parser("api-delta", help="API contract changes of a commit range")
    delta.add_argument("repo", type=Path, metavar="REPO")
    delta.add_argument("--rev-range", required=True,
                       help="BASE..HEAD, e.g. main..feature (a pull request) or sha~1..sha")
    delta.add_argument("--format", choices=["text", "json"], default="text")
    delta.add_argument("--fail-on-breaking", action="store_true",
                       help="exit 1 when a breaking change is found")
    args = parser.parse_args(argv)

    try:
        if args.command == "rules":
            return _rules(args)
        if args.command == "api-delta":
            return _api_delta(args)
        return _review_or_scan(args)
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0


def _rules(args: argparse.Namespace) -> int:
    catalogue = [rule.metadata() for rule in all_rules()]
    if args.format == "json":
        print(json.dumps(catalogue, indent=2))
        return 0
    print(f"{'RULE':34} {'SEVERITY':9} {'CATEGORY':13} {'CWE':8} {'LANGUAGES':18} TITLE")
    for rule in catalogue:
        cwe = f"CWE-{rule['cwe']}" if rule["cwe"] else "-"
        print(f"{rule['id']:34} {rule['severity']:9} {rule['category']:13} {cwe:8} "
              f"{','.join(rule['languages']):18} {rule['title']}")
    print(f"\n{len(catalogue)} rules. `reviewer rules --format json` shows rationale, fix "
          "and examples.")
    return 0


def _api_delta(args: argparse.Namespace) -> int:
    base, _, head = args.rev_range.partition("..")
    if not base or not head:
        print("reviewer: --rev-range must be BASE..HEAD", file=sys.stderr)
        return 2
    try:
        with GitRepository(args.repo) as repository:
            base_sha, head_sha = repository.resolve(base), repository.resolve(head)
            changes = Reviewer(repository).range_api_delta(base_sha, head_sha)
    except GitError as error:
        print(f"reviewer: {error}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps({
            "base": base_sha, "head": head_sha,
            "breaking": sum(c.breaking for c in changes),
            "changes": [c.as_dict() for c in changes],
        }, indent=2))
    else:
        for change in changes:
            flag = "BREAKING" if change.breaking else "ok      "
            print(f"{flag} {change.change:24} {change.subject}  ({change.path}:{change.line})")
            if change.breaking:
                print(f"         {change.detail} {change.migration_note}")
        print(f"{len(changes)} API change(s), {sum(c.breaking for c in changes)} breaking.")
    if args.fail_on_breaking and any(c.breaking for c in changes):
        return 1
    return 0


def _load_config(text: str | None) -> tuple[ReviewConfig, str | None]:
    if text is None:
        return DEFAULT_CONFIG, None
    try:
        return ReviewConfig.parse(text, known_rules={r.id for r in all_rules()}), None
    except ConfigError as error:
        return DEFAULT_CONFIG, f"{error} (using the defaults)"


def _cache(args: argparse.Namespace, config: ReviewConfig) -> BlobCache:
    if args.no_cache:
        return BlobCache()
    return BlobCache(args.cache_dir or default_cache_dir(), namespace=config.analysis_key)


def _review_or_scan(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    events: list[Event] = []
    skips: list[SkipEvent] = []
    summary: dict = {}
    if args.command == "scan":
        if not args.path.exists():
            print(f"reviewer: {args.path} does not exist", file=sys.stderr)
            return 2
        root = args.path if args.path.is_dir() else args.path.parent
        config_path = args.config or root / CONFIG_FILE
        config, config_error = _load_config(
            config_path.read_text(errors="replace") if config_path.is_file() else None)
        cache = _cache(args, config)
        try:
            result = scan(args.path, config, cache)
        finally:
            cache.close()
        events = [Event(f, "open") for f in result.findings]
        skips = [SkipEvent(s) for s in result.skips]
        summary = {"files_analyzed": result.files_analyzed}
    else:
        try:
            repository = GitRepository(args.path)
        except GitError as error:
            print(f"reviewer: {error}", file=sys.stderr)
            return 2
        with repository:
            end = args.rev_range.split("..")[-1] or "HEAD"
            if args.config:
                text = args.config.read_text(errors="replace")
            else:
                data = repository.read_path(end, CONFIG_FILE)
                text = data.decode("utf-8", "replace") if data is not None else None
            config, config_error = _load_config(text)
            cache = _cache(args, config)
            reviewer = Reviewer(repository, cache=cache, config=config)
            commits = 0
            try:
                for review in reviewer.review_range(args.rev_range):
                    commits += 1
                    sha = review.commit.sha
                    events += [Event(f, "introduced", sha) for f in review.introduced]
                    events += [Event(f, "fixed", sha) for f in review.fixed]
                    events += [Event(after, "moved", sha) for _, after in review.moved]
                    skips += [SkipEvent(s, sha) for s in review.skips]
            except GitError as error:
                print(f"reviewer: {error}", file=sys.stderr)
                return 2
            finally:
                cache.close()
            summary = {"commits": commits, "files_analyzed": reviewer.files_analyzed,
                       "cache_hit_rate": round(cache.hit_rate, 3)}
    summary["seconds"] = round(time.perf_counter() - started, 3)
    if config_error:
        print(f"reviewer: {config_error}", file=sys.stderr)
        summary["config_error"] = config_error

    if args.format == "text":
        output = render_text(events, skips)
    elif args.format == "jsonl":
        output = render_jsonl(events, skips)
    elif args.format == "json":
        output = render_json(events, skips, **summary)
    else:
        output = render_sarif(events, skips, config_error)
    if args.output:
        args.output.write_text(output)
    else:
        sys.stdout.write(output)

    if args.fail_on:
        threshold = SEVERITIES.index(args.fail_on)
        failing = [e for e in events if e.status in ("open", "introduced")
                   and not e.finding.suppressed
                   and SEVERITIES.index(e.finding.severity) <= threshold]
        return 1 if failing else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
