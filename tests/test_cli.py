"""The `reviewer` command line as a user runs it: a real process on real files and histories."""

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from reviewer.git import write_commit
from reviewer.rules import all_rules

REVIEWER = Path(sys.executable).parent / "reviewer"
# The official SARIF 2.1.0 schema, vendored so the suite runs from any clone.
SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text())
SQLI = 'def find(cur, uid):\n    cur.execute(f"SELECT * FROM users WHERE id = {uid}")\n'
SAFE = 'def find(cur, uid):\n    cur.execute("SELECT * FROM users WHERE id = %s", (uid,))\n'
NO_TIMEOUT = "import requests\n\n\ndef ping(url):\n    return requests.get(url)\n"


def run(*args, cwd=None, env=None, check=True):
    result = subprocess.run([str(REVIEWER), *map(str, args)], capture_output=True, text=True,
                            cwd=cwd, env=env)
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def history(tmp_path):
    repo = tmp_path / "svc"
    shas = [
        write_commit(repo, {"app/db.py": SQLI, "app/net.py": NO_TIMEOUT}, "introduce"),
        write_commit(repo, {"README.md": "svc\n"}, "docs"),
        write_commit(repo, {"app/db.py": SAFE}, "fix sqli"),
    ]
    return repo, shas


def test_rules_lists_the_whole_catalogue_with_metadata():
    catalogue = json.loads(run("rules", "--format", "json").stdout)
    assert [r["id"] for r in catalogue] == sorted(r.id for r in all_rules())
    for rule in catalogue:
        assert rule["title"] and rule["rationale"] and rule["fix"] and rule["languages"]
    text = run("rules").stdout
    assert "sql-injection" in text and "CWE-89" in text and "python" in text


def test_review_jsonl_has_one_line_per_event_with_the_documented_fields(history, tmp_path):
    repo, shas = history
    lines = run("review", repo, "--format", "jsonl", "--cache-dir", tmp_path / "c").stdout
    events = [json.loads(line) for line in lines.splitlines()]
    sqli = [e for e in events if e["rule"] == "sql-injection"]
    assert [(e["commit"], e["status"]) for e in sqli] == [(shas[0], "introduced"),
                                                         (shas[2], "fixed")]
    for key in ("commit", "path", "line", "end_line", "rule", "severity", "category", "cwe",
                "status", "fingerprint", "message"):
        assert key in sqli[0]
    assert sqli[0]["cwe"] == "CWE-89" and sqli[0]["path"] == "app/db.py" and sqli[0]["line"] == 2
    assert sqli[0]["fingerprint"] == sqli[1]["fingerprint"]


def test_review_of_a_range_covers_only_its_commits(history, tmp_path):
    repo, shas = history
    out = run("review", repo, "--rev-range", f"{shas[0]}..{shas[2]}", "--format", "jsonl",
              "--no-cache").stdout
    events = [json.loads(line) for line in out.splitlines()]
    assert {e["commit"] for e in events} == {shas[2]}
    assert [(e["rule"], e["status"]) for e in events if e["rule"] == "sql-injection"] == [
        ("sql-injection", "fixed")]


def test_sarif_for_review_and_scan_is_valid_and_carries_commit_and_status(history, tmp_path):
    repo, shas = history
    review = json.loads(run("review", repo, "--format", "sarif", "--no-cache").stdout)
    jsonschema.validate(review, SCHEMA)
    run_ = review["runs"][0]
    rules = {r["id"]: r for r in run_["tool"]["driver"]["rules"]}
    assert "CWE-89" in rules["sql-injection"]["properties"]["tags"]
    statuses = {(r["ruleId"], r["properties"]["status"], r["properties"]["commit"])
                for r in run_["results"]}
    assert ("sql-injection", "introduced", shas[0]) in statuses
    assert ("sql-injection", "fixed", shas[2]) in statuses
    assert all(r["partialFingerprints"]["reviewer/v1"] for r in run_["results"])

    scan = json.loads(run("scan", repo, "--format", "sarif", "--no-cache").stdout)
    jsonschema.validate(scan, SCHEMA)
    assert "http-call-without-timeout" in {r["ruleId"] for r in scan["runs"][0]["results"]}
    assert "sql-injection" not in {r["ruleId"] for r in scan["runs"][0]["results"]}


def test_the_blob_cache_makes_the_second_run_warm(history, tmp_path):
    repo, _ = history
    env = {"XDG_CACHE_HOME": str(tmp_path / "xdg"), "PATH": "/usr/bin:/bin"}
    first = json.loads(run("review", repo, "--format", "json", env=env).stdout)["summary"]
    second = json.loads(run("review", repo, "--format", "json", env=env).stdout)["summary"]
    assert first["files_analyzed"] == 4  # two versions of db.py, net.py, README.md
    assert second["files_analyzed"] == 0 and second["cache_hit_rate"] == 1.0
    assert list((tmp_path / "xdg" / "reviewer").glob("blobs-*.sqlite3"))


def test_inline_suppression_keeps_the_finding_with_its_reason(tmp_path):
    (tmp_path / "db.py").write_text(
        "def find(cur, uid):\n"
        "    # reviewer: ignore[sql-injection] uid is an int from our own router\n"
        '    cur.execute(f"SELECT * FROM users WHERE id = {uid}")\n'
    )
    [finding] = json.loads(run("scan", tmp_path, "--format", "json", "--no-cache").stdout)[
        "findings"]
    assert finding["suppressed"] is True
    assert finding["suppression_reason"] == "uid is an int from our own router"
    assert run("scan", tmp_path, "--fail-on", "critical", "--no-cache").returncode == 0
    sarif = json.loads(run("scan", tmp_path, "--format", "sarif", "--no-cache").stdout)
    jsonschema.validate(sarif, SCHEMA)
    assert sarif["runs"][0]["results"][0]["suppressions"][0]["kind"] == "inSource"


def test_fail_on_exits_1_for_unsuppressed_findings(tmp_path):
    (tmp_path / "db.py").write_text(SQLI)
    assert run("scan", tmp_path, "--fail-on", "high", "--no-cache", check=False).returncode == 1
    (tmp_path / "db.py").write_text(SAFE)
    assert run("scan", tmp_path, "--fail-on", "low", "--no-cache").returncode == 0


def test_repository_config_disables_overrides_and_excludes(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "db.py").write_text(SQLI)
    (tmp_path / "app" / "net.py").write_text(NO_TIMEOUT)
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "old.py").write_text(SQLI)
    (tmp_path / ".reviewer.toml").write_text(
        '[reviewer]\ndisable = ["http-call-without-timeout"]\nexclude = ["legacy/*"]\n'
        '[reviewer.severity]\n"sql-injection" = "medium"\n'
    )
    report = json.loads(run("scan", tmp_path, "--format", "json", "--no-cache").stdout)
    found = {(f["path"], f["rule"], f["severity"]) for f in report["findings"]}
    assert ("app/db.py", "sql-injection", "medium") in found
    assert not any(rule == "http-call-without-timeout" for _, rule, _ in found)
    assert not any(path.startswith("legacy/") for path, _, _ in found)
    assert {"path": "legacy/old.py", "status": "skipped",
            "reason": "excluded by .reviewer.toml"} in report["skipped"]


def test_a_malformed_config_is_reported_and_the_defaults_apply(tmp_path):
    (tmp_path / "db.py").write_text(SQLI)
    (tmp_path / ".reviewer.toml").write_text('[reviewer]\ndisable = "sql-injection"\n')
    result = run("scan", tmp_path, "--format", "sarif", "--no-cache")
    assert "reviewer.disable must be a list of strings (using the defaults)" in result.stderr
    sarif = json.loads(result.stdout)
    jsonschema.validate(sarif, SCHEMA)
    assert "sql-injection" in [r["ruleId"] for r in sarif["runs"][0]["results"]]
    notes = sarif["runs"][0]["invocations"][0]["toolConfigurationNotifications"]
    assert "must be a list of strings" in notes[0]["message"]["text"]


def test_bad_files_are_skipped_with_reasons_and_nothing_crashes(tmp_path):
    files = {
        "binary.bin": b"\x00\x01\x02" * 100,
        "latin1.py": "x = 'caf\xe9'\n".encode("latin-1"),
        "huge_line.py": b"x = '" + b"a" * 10_000_000 + b"'\n",
        "broken.py": b"def f(:\n",
        "py2.py": b'print "hello"\n',
        "nested.py": b"x = " + b"(" * 3000 + b"1" + b")" * 3000 + b"\n",
        "nul.py": b"x = 1\0\n",
        "crlf.py": SQLI.replace("\n", "\r\n").encode(),
        "bom.py": b"\xef\xbb\xbf" + SQLI.encode(),
        "modern.py": b"type Point = tuple[float, float]\n"
                     b"def first[T](xs: list[T]) -> T:\n    return xs[0]\n"
                     b"name = 'x'\nprint(f\"{'nested' + f'{name}'}\")\n",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    report = json.loads(run("scan", tmp_path, "--format", "json", "--no-cache").stdout)
    reasons = {s["path"]: s["reason"] for s in report["skipped"]}
    assert reasons["binary.bin"] == "binary file"
    assert reasons["latin1.py"].startswith("not valid UTF-8")
    assert reasons["huge_line.py"].startswith("file too large")
    assert reasons["broken.py"].startswith("does not parse as Python")
    assert "Python 2" in reasons["py2.py"]
    assert reasons["nested.py"].startswith("does not parse as Python")
    assert reasons["nul.py"] == "binary file"
    assert "modern.py" not in reasons
    assert sorted(f["path"] for f in report["findings"] if f["rule"] == "sql-injection") == [
        "bom.py", "crlf.py"]


def test_review_of_something_that_is_not_a_repository_is_a_clear_error(tmp_path):
    result = run("review", tmp_path, check=False)
    assert result.returncode == 2
    assert "not a git repository" in result.stderr


def test_bundles_generated_vendored_and_broken_sources_are_skipped_with_reasons(tmp_path):
    files = {
        "node_modules/left-pad/index.js": "module.exports = (s) => s;\n",
        "vendor/github.com/x/y/y.go": "package y\n",
        "public/app.min.js": "var a=1;" * 10,
        "web/bundle.js": "!function(){" + "var a=1;" * 5000 + "}();\n",
        "api/types.pb.go": "package api\n",
        "internal/db/queries.go": "// Code generated by sqlc. DO NOT EDIT.\npackage db\n",
        "src/broken.ts": "export const = => {{{ (( ]]" * 40 + "\n",
        "src/ok.ts": "export function add(a: number, b: number): number {\n  return a + b;\n}\n",
        "cmd/main.go": "package main\n\nfunc main() {}\n",
    }
    for name, text in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    report = json.loads(run("scan", tmp_path, "--format", "json", "--no-cache").stdout)
    reasons = {s["path"]: s["reason"] for s in report["skipped"]}
    assert reasons["node_modules/left-pad/index.js"].startswith("vendored")
    assert reasons["vendor/github.com/x/y/y.go"].startswith("vendored")
    assert reasons["public/app.min.js"].startswith("generated, minified")
    assert reasons["web/bundle.js"].startswith("line of")
    assert reasons["api/types.pb.go"].startswith("generated, minified")
    assert reasons["internal/db/queries.go"].startswith("generated file")
    assert reasons["src/broken.ts"].startswith("does not parse as TypeScript")
    assert "src/ok.ts" not in reasons and "cmd/main.go" not in reasons


def test_slash_slash_suppressions_work_in_typescript_and_go(tmp_path):
    (tmp_path / "api.ts").write_text(
        'import https from "https";\n'
        "// reviewer: ignore[tls-verification-disabled] talks to the local dev proxy only\n"
        "export const agent = new https.Agent({ rejectUnauthorized: false });\n"
    )
    (tmp_path / "client.go").write_text(
        'package client\n\nimport "crypto/tls"\n\n'
        "var Config = &tls.Config{InsecureSkipVerify: true} "
        "// reviewer: ignore[tls-verification-disabled] test cluster\n"
    )
    findings = json.loads(run("scan", tmp_path, "--format", "json", "--no-cache").stdout)[
        "findings"]
    tls = {f["path"]: f for f in findings if f["rule"] == "tls-verification-disabled"}
    assert tls["api.ts"]["suppression_reason"] == "talks to the local dev proxy only"
    assert tls["client.go"]["suppression_reason"] == "test cluster"
