"""Pull requests as git shows them: merge commit messages, pull request refs, hosting links.

Pure text functions: what GitHub, GitLab and plain `git merge` write, and where a pull
request lives on the hosting service when the remote URL says which one it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

GITHUB_MERGE = re.compile(r"^Merge pull request #(?P<number>\d+) from (?P<source>\S+)")
GITLAB_REFERENCE = re.compile(r"See merge request (?:\S+)?!(?P<number>\d+)")
GIT_MERGE = re.compile(
    r"^Merge (?:remote-tracking )?branch '(?P<source>[^']+)'(?: into '?(?P<target>[^'\s]+)'?)?"
)
# GitHub's squash and rebase merges: one commit on the default branch, "Title (#12)".
SQUASH_SUBJECT = re.compile(r"^(?P<title>.+?) \(#(?P<number>\d+)\)$")
PULL_REF = re.compile(r"^refs/(?P<kind>pull|merge-requests)/(?P<number>\d+)/head$")


@dataclass(frozen=True, slots=True)
class MergeInfo:
    """What a merge commit's message says about the pull request it merged."""

    number: int | None
    # "github" or "gitlab" when the message has that service's shape, else "".
    host: str
    source_branch: str
    title: str


def parse_merge_message(message: str) -> MergeInfo | None:
    """The pull request a merge commit merged, or None for a message git tools don't write."""
    subject, _, body = message.strip().partition("\n")
    paragraphs = [p.strip() for p in body.strip().split("\n\n") if p.strip()]
    if match := GITHUB_MERGE.match(subject):
        # GitHub: "Merge pull request #12 from owner/branch", the title as the body.
        source = match["source"].split("/", 1)[-1]
        title = paragraphs[0].splitlines()[0] if paragraphs else source
        return MergeInfo(int(match["number"]), "github", source, title)
    if match := GIT_MERGE.match(subject):
        source = match["source"].removeprefix("origin/")
        reference = GITLAB_REFERENCE.search(body)
        if reference:
            # GitLab: "Merge branch 'x' into 'main'", the title, then "See merge request g/p!7".
            titles = [p for p in paragraphs if not GITLAB_REFERENCE.search(p)]
            title = titles[0].splitlines()[0] if titles else source
            return MergeInfo(int(reference["number"]), "gitlab", source, title)
        return MergeInfo(None, "", source, source)
    return None


def parse_squash_subject(message: str) -> MergeInfo | None:
    """The pull request a squash-merged commit came from ("Fix refunds (#12)")."""
    match = SQUASH_SUBJECT.match(message.strip().partition("\n")[0])
    if not match:
        return None
    return MergeInfo(int(match["number"]), "github", "", match["title"])


def pull_ref_number(ref: str) -> tuple[str, int] | None:
    """("github", 12) for refs/pull/12/head, ("gitlab", 7) for refs/merge-requests/7/head."""
    match = PULL_REF.match(ref)
    if not match:
        return None
    return ("github" if match["kind"] == "pull" else "gitlab"), int(match["number"])


def pull_request_key(host: str, number: int | None, source_branch: str) -> str:
    """How a pull request is named within its repository: "#12" on GitHub, "!7" on GitLab,
    the branch name when only a branch says it existed."""
    if number is None:
        return f"branch:{source_branch}"
    return f"!{number}" if host == "gitlab" else f"#{number}"


REMOTE = re.compile(
    r"^(?:(?:https?|ssh|git)://(?:[^@/]+@)?(?P<host>[^/:]+)(?::\d+)?/"
    r"|(?:[^@/]+@)?(?P<scp_host>[^/:]+):)(?P<path>[^?#]+?)(?:\.git)?/?$"
)


def web_url(remote_url: str) -> tuple[str, str] | None:
    """(service, https base URL) of a hosted repository, e.g. ("github",
    "https://github.com/acme/api"); None for local paths and unknown hosts."""
    match = REMOTE.match(remote_url.strip())
    if not match:
        return None
    host = (match["host"] or match["scp_host"]).lower()
    service = next((name for name in ("github", "gitlab", "bitbucket") if name in host), None)
    if service is None:
        return None
    return service, f"https://{host}/{match['path'].strip('/')}"


def pull_request_url(remote_url: str, number: int | None, source_branch: str = "") -> str:
    """The pull request's page on its hosting service, or the branch's when it has no
    number; "" when the remote is not a known hosting service."""
    hosted = web_url(remote_url)
    if hosted is None:
        return ""
    service, base = hosted
    if number is not None:
        return {
            "github": f"{base}/pull/{number}",
            "gitlab": f"{base}/-/merge_requests/{number}",
            "bitbucket": f"{base}/pull-requests/{number}",
        }[service]
    if source_branch:
        return {
            "github": f"{base}/tree/{source_branch}",
            "gitlab": f"{base}/-/tree/{source_branch}",
            "bitbucket": f"{base}/branch/{source_branch}",
        }[service]
    return ""
