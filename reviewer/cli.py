"""`reviewer` command line: review a repository's history or list the rule catalogue."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from reviewer.engine import Reviewer
from reviewer.git import GitError, GitRepository
from reviewer.rules import all_rules, rule_by_id


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="reviewer", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    rules = commands.add_parser("rules", help="list the rule catalogue")
    rules.add_argument("--format", choices=["text", "json"], default="text")
    review = commands.add_parser("review", help="review a repository commit by commit")
    review.add_argument("repo", type=Path)
    review.add_argument("--rev-range", default="HEAD")
    review.add_argument("--format", choices=["text", "jsonl"], default="text")
    args = parser.parse_args(argv)

    if args.command == "rules":
        catalogue = [rule.metadata() for rule in all_rules()]
        if args.format == "json":
            json.dump(catalogue, sys.stdout, indent=2)
            print()
        else:
            for rule in catalogue:
                cwe = f"CWE-{rule['cwe']}" if rule["cwe"] else "-"
                print(f"{rule['id']:32} {rule['severity']:9} {rule['category']:14} {cwe:8} "
                      f"{','.join(rule['languages']):12} {rule['title']}")
        return 0

    try:
        with GitRepository(args.repo) as repository:
            _print_review(Reviewer(repository), args)
    except GitError as error:
        print(f"reviewer: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
    return 0


def _print_review(reviewer: Reviewer, args: argparse.Namespace) -> None:
    for result in reviewer.review_range(args.rev_range):
        events = [("introduced", f) for f in result.introduced]
        events += [("fixed", f) for f in result.fixed]
        for status, finding in events:
            rule = rule_by_id(finding.rule_id)
            if args.format == "jsonl":
                print(json.dumps({
                    "commit": result.commit.sha, "path": finding.path, "line": finding.line,
                    "end_line": finding.end_line, "rule": finding.rule_id,
                    "severity": str(rule.severity), "category": str(rule.category),
                    "cwe": f"CWE-{rule.cwe}" if rule.cwe else None, "status": status,
                    "fingerprint": finding.fingerprint, "message": finding.message,
                }))
            else:
                print(f"{result.commit.sha[:10]} {status:10} {rule.severity:8} "
                      f"{finding.path}:{finding.line} [{finding.rule_id}] {finding.message}")
        for skip in result.skips:
            if args.format == "text":
                print(f"{result.commit.sha[:10]} skipped    {skip.path}: {skip.reason}")


if __name__ == "__main__":
    sys.exit(main())
