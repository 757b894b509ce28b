"""Every rule proves itself on its fixtures: exactly the marked (line, rule) pairs, no more."""

import re
from pathlib import Path

import pytest

from reviewer.analysis import analyze_content
from reviewer.rules import all_rules

FIXTURES = Path(__file__).parent / "rules" / "fixtures"
MARKER = re.compile(r"(?:#|//|--)\s*(ruleid|ok):\s*([\w-]+)")
COMMENT = ("#", "//", "--")


def fixture_files():
    return sorted(p for p in FIXTURES.glob("*/**/*") if p.is_file())


def rule_folder(path: Path) -> Path:
    return FIXTURES / path.relative_to(FIXTURES).parts[0]


def expected_pairs(path: Path, rule_id: str) -> set[tuple[int, str]]:
    expected = set()
    lines = path.read_text().splitlines()
    for number, line in enumerate(lines, start=1):
        match = MARKER.search(line)
        if match and match.group(1) == "ruleid" and match.group(2) == rule_id:
            # The marked finding is on the next line that is not itself a comment.
            target = number + 1
            while lines[target - 1].strip().startswith(COMMENT):
                target += 1
            expected.add((target, rule_id))
    return expected


def test_every_rule_has_fixtures_with_positive_and_negative_cases():
    for rule in all_rules():
        files = [p for p in (FIXTURES / rule.id).glob("**/*") if p.is_file()]
        assert files, f"rule {rule.id} has no fixtures in {FIXTURES / rule.id}"
        text = "\n".join(f.read_text() for f in files)
        assert f"ruleid: {rule.id}" in text, f"{rule.id} has no positive case"
        assert f"ok: {rule.id}" in text, f"{rule.id} has no negative case"


def test_every_fixture_folder_names_a_rule():
    ids = {rule.id for rule in all_rules()}
    assert {p.name for p in FIXTURES.iterdir() if p.is_dir()} <= ids


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_yields_exactly_its_marked_findings(path):
    """The path inside the rule's folder is the path the engine sees: a fixture at
    `<rule-id>/migrations/0002_x.py` is reviewed as a migration, `<rule-id>/tests/...` as a test."""
    folder = rule_folder(path)
    rule_id = folder.name
    analysis = analyze_content(str(path.relative_to(folder)), path.read_bytes())
    assert analysis.skip_reason is None
    assert analysis.errors == []
    found = {(m.line, m.rule_id) for m in analysis.matches if m.rule_id == rule_id}
    assert found == expected_pairs(path, rule_id)


def test_rule_metadata_is_complete():
    for rule in all_rules():
        meta = rule.metadata()
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", meta["id"])
        for key in ("title", "rationale", "fix"):
            assert meta[key].strip(), f"{rule.id} lacks {key}"
        assert meta["severity"] in {"critical", "high", "medium", "low"}
        assert meta["example"] and meta["example"]["before"] != meta["example"]["after"]
