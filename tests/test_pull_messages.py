"""What GitHub, GitLab and git write in merge commits and refs, and hosting links."""

import pytest

from reviewer.pulls import (
    MergeInfo,
    parse_merge_message,
    parse_squash_subject,
    pull_ref_number,
    pull_request_key,
    pull_request_url,
)


@pytest.mark.parametrize(("message", "expected"), [
    ("Merge pull request #1234 from acme/fix/refund-race\n\nFix the refund race\n\nmore",
     MergeInfo(1234, "github", "fix/refund-race", "Fix the refund race")),
    ("Merge pull request #5 from someone/patch-1",
     MergeInfo(5, "github", "patch-1", "patch-1")),
    ("Merge branch 'feature/x' into 'main'\n\nAdd X\n\nCloses #3\n\n"
     "See merge request group/sub/project!77",
     MergeInfo(77, "gitlab", "feature/x", "Add X")),
    ("Merge branch 'hotfix'", MergeInfo(None, "", "hotfix", "hotfix")),
    ("Merge branch 'hotfix' into release/2.0", MergeInfo(None, "", "hotfix", "hotfix")),
    ("Merge remote-tracking branch 'origin/topic'", MergeInfo(None, "", "topic", "topic")),
    ("Fix the merge of two dicts", None),
    ("Merge tag 'v1.2'", None),
])
def test_merge_messages_name_their_pull_request(message, expected):
    assert parse_merge_message(message) == expected


def test_pull_request_refs_and_keys():
    assert pull_ref_number("refs/pull/12/head") == ("github", 12)
    assert pull_ref_number("refs/merge-requests/7/head") == ("gitlab", 7)
    assert pull_ref_number("refs/pull/12/merge") is None
    assert pull_ref_number("refs/heads/main") is None
    assert pull_request_key("github", 12, "x") == "#12"
    assert pull_request_key("gitlab", 7, "x") == "!7"
    assert pull_request_key("", None, "feature/x") == "branch:feature/x"


@pytest.mark.parametrize(("remote", "number", "branch", "url"), [
    ("https://github.com/acme/api.git", 12, "", "https://github.com/acme/api/pull/12"),
    ("git@github.com:acme/api.git", 12, "", "https://github.com/acme/api/pull/12"),
    ("ssh://git@github.com/acme/api", 3, "", "https://github.com/acme/api/pull/3"),
    ("https://token@gitlab.example.com/group/sub/api.git", 7, "",
     "https://gitlab.example.com/group/sub/api/-/merge_requests/7"),
    ("git@bitbucket.org:acme/api.git", 9, "", "https://bitbucket.org/acme/api/pull-requests/9"),
    ("https://github.com/acme/api", None, "feature/x",
     "https://github.com/acme/api/tree/feature/x"),
    ("/srv/git/api.git", 12, "", ""),
    ("https://git.internal.example/acme/api.git", 12, "", ""),
])
def test_links_to_the_hosting_service_only_when_the_remote_names_one(remote, number, branch,
                                                                     url):
    assert pull_request_url(remote, number, branch) == url


def test_squash_merge_subjects_name_their_pull_request():
    assert parse_squash_subject("Add refunds (#21)\n\n* wip\n* more") == MergeInfo(
        21, "github", "", "Add refunds")
    assert parse_squash_subject("Bump (#21) of the counter") is None
    assert parse_squash_subject("Fix #21") is None
