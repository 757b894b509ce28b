"""The engine over real git histories: what each commit introduced, fixed and skipped."""

from reviewer.config import ReviewConfig
from reviewer.engine import Reviewer
from reviewer.git import GitError, GitRepository

# These tests are about file findings; the commit-level rule has its own test module.
FILE_RULES_ONLY = ReviewConfig(disabled=frozenset({"untested-change"}))

SQLI = 'def find(cur, uid):\n    cur.execute(f"SELECT * FROM users WHERE id = {uid}")\n'
SAFE = 'def find(cur, uid):\n    cur.execute("SELECT * FROM users WHERE id = %s", (uid,))\n'


def review(path):
    with GitRepository(path / ".git") as repository:
        reviews = list(Reviewer(repository, config=FILE_RULES_ONLY).review_range("HEAD"))
    return {r.commit.message: r for r in reviews}


def test_it_reports_the_commit_that_introduces_and_the_one_that_fixes(make_repo):
    path = make_repo("svc", [
        ({"app/db.py": SQLI}, "introduce"),
        ({"README.md": "docs\n"}, "unrelated"),
        ({"app/db.py": SAFE}, "fix"),
    ])
    by_message = review(path)
    [introduced] = by_message["introduce"].introduced
    assert (introduced.rule_id, introduced.path, introduced.line) == ("sql-injection", "app/db.py", 2)
    assert by_message["unrelated"].introduced == by_message["unrelated"].fixed == []
    [fixed] = by_message["fix"].fixed
    assert fixed.fingerprint == introduced.fingerprint
    assert by_message["fix"].introduced == []


def test_lines_moving_down_keep_the_finding_and_its_fingerprint(make_repo):
    shifted = "import os\n" * 30 + SQLI
    path = make_repo("svc", [({"app/db.py": SQLI}, "introduce"), ({"app/db.py": shifted}, "shift")])
    by_message = review(path)
    assert by_message["shift"].introduced == []
    assert by_message["shift"].fixed == []


def test_an_edited_statement_still_flagged_in_the_same_function_is_the_same_finding(make_repo):
    edited = SQLI.replace("SELECT *", "SELECT id, name")
    path = make_repo("svc", [({"app/db.py": SQLI}, "introduce"), ({"app/db.py": edited}, "edit")])
    edit = review(path)["edit"]
    assert edit.introduced == edit.fixed == []
    [(before, after)] = edit.moved
    assert before.code != after.code and after.scope == before.scope == "find"


def test_a_second_finding_of_the_rule_in_the_function_is_new_not_an_edit(make_repo):
    two = SQLI + '    cur.execute(f"DELETE FROM users WHERE id = {uid}")\n'
    path = make_repo("svc", [({"app/db.py": SQLI}, "one"), ({"app/db.py": two}, "two")])
    second = review(path)["two"]
    assert [f.line for f in second.introduced] == [3] and second.moved == []


def test_it_reports_only_what_the_commit_added_not_the_whole_file(make_repo):
    second = SQLI + 'def other(cur, name):\n    cur.execute("SELECT 1 FROM t WHERE n = " + name)\n'
    path = make_repo("svc", [({"app/db.py": SQLI}, "first"), ({"app/db.py": second}, "second")])
    [only] = review(path)["second"].introduced
    assert only.line == 4


def test_binary_non_utf8_huge_and_broken_files_are_skipped_with_reasons(make_repo):
    path = make_repo("svc", [({
        "logo.png": b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
        "legacy.py": "name = 'Ren\xe9e'\n".encode("latin-1"),
        "bundle.py": "x = 1;" * 2_000_000 + "\n",
        "broken.py": "def f(:\n",
        "nul.txt": b"text\0with nul\n",
        "ok.py": SQLI,
    }, "mixed bag")])
    result = review(path)["mixed bag"]
    reasons = {skip.path: skip.reason for skip in result.skips}
    assert reasons["logo.png"] == "binary file"
    assert reasons["legacy.py"].startswith("not valid UTF-8")
    assert reasons["bundle.py"].startswith("file too large")
    assert reasons["broken.py"].startswith("does not parse as Python")
    assert reasons["nul.txt"] == "binary file"
    assert [f.path for f in result.introduced] == ["ok.py"]


def test_a_file_that_stops_parsing_has_not_fixed_its_findings(make_repo):
    path = make_repo("svc", [({"app/db.py": SQLI}, "introduce"), ({"app/db.py": SQLI + "def (\n"}, "break")])
    result = review(path)["break"]
    assert result.fixed == []
    assert [s.path for s in result.skips] == ["app/db.py"]


def test_crlf_bom_and_deep_nesting_do_not_crash(make_repo):
    nested = "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n"
    path = make_repo("svc", [({
        "crlf.py": SQLI.replace("\n", "\r\n"),
        "bom.py": "\ufeff" + SQLI,
        "deep.py": nested,
    }, "odd files")])
    result = review(path)["odd files"]
    assert sorted(f.path for f in result.introduced) == ["bom.py", "crlf.py"]
    assert [s.path for s in result.skips] == ["deep.py"]


def test_each_blob_is_analyzed_once_across_the_history(make_repo):
    path = make_repo("svc", [
        ({"a.py": SQLI}, "one"),
        ({"b.py": SQLI}, "same content elsewhere"),
        ({"a.py": SAFE}, "fix a"),
        ({"a.py": SQLI}, "revert a"),
    ])
    with GitRepository(path / ".git") as repository:
        reviewer = Reviewer(repository)
        list(reviewer.review_range("HEAD"))
    # Two distinct Python contents exist in the whole history.
    assert reviewer.files_analyzed == 2


def test_a_path_that_is_not_a_repository_is_a_clear_error(tmp_path):
    try:
        GitRepository(tmp_path / "nope")
    except GitError as error:
        assert "not a git repository" in str(error)
    else:
        raise AssertionError("expected GitError")
