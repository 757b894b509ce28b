"""Review a history commit by commit: what each commit introduced and what it fixed.

Commits are read from one `git log` stream in chunks; the blobs a chunk needs that are not
cached yet are analyzed together (ruff once per chunk), then the chunk's reviews are
computed from cached analyses only.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING

from reviewer.analysis import MAX_FILE_BYTES, active_rules, analyze_batch, findings_for
from reviewer.cache import BlobCache
from reviewer.config import DEFAULT_CONFIG, ReviewConfig
from reviewer.files import kind_of, vendored_reason
from reviewer.git import CommitData, FileDiff, GitRepository
from reviewer.model import FileAnalysis, Finding, Skip
from reviewer.rules import rule_by_id
from reviewer.rules.base import ChangedFile

if TYPE_CHECKING:
    from reviewer.api import ApiSurface
    from reviewer.contract import ApiChange

CHUNK_COMMITS = 200


@dataclass(slots=True)
class CommitReview:
    commit: CommitData
    introduced: list[Finding] = field(default_factory=list)
    fixed: list[Finding] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    api_changes: list[ApiChange] = field(default_factory=list)
    # (before, after): the same flagged code that moved to another file or function in this
    # commit; neither a fix nor a new finding.
    moved: list[tuple[Finding, Finding]] = field(default_factory=list)


# Cheap substring tests that rule a file out of API extraction before any parsing.
API_HINTS = {
    "python": ("BaseModel", "APIRouter", "FastAPI(", ".route(", "urlpatterns", "Enum)",
               "Blueprint", "@dataclass", "@app.", "@router."),
    "javascript": ("express", "Router(", "fastify", "@Controller", "z.object", "app.get(",
                   "router.", "export async function", "export default"),
    "go": ("HandleFunc", "gin.", "echo.", "chi.", "json:\"", ".GET(", ".Get(", "Handle("),
    "yaml": ("openapi", "swagger"),
    "json": ("openapi", "swagger"),
}
API_HINTS["typescript"] = (*API_HINTS["javascript"], "interface ", "type ", "enum ")
OPENAPI_NAME = re.compile(r"(^|/)(openapi|swagger|api)[^/]*\.(ya?ml|json)$", re.IGNORECASE)


def cache_key(blob: str, path: str) -> str:
    return f"{blob}:{kind_of(path).key}"


class Reviewer:
    def __init__(self, repository: GitRepository, cache: BlobCache | None = None,
                 config: ReviewConfig = DEFAULT_CONFIG) -> None:
        self.repository = repository
        self.cache = cache or BlobCache()
        self.config = config
        self.files_analyzed = 0
        self._surfaces: dict[tuple[str, str], ApiSurface] = {}
        self._commit_rules: list | None = None
        self.openapi_only = False

    # -- analysis -------------------------------------------------------------------------

    def _skip_by_path(self, path: str) -> str | None:
        if self.config.is_excluded(path):
            return "excluded by .reviewer.toml"
        return vendored_reason(path)

    @staticmethod
    def _blobs(commits: Iterable[CommitData]) -> Iterator[tuple[str, str]]:
        """(blob, path) of both sides of every text file change in `commits`."""
        for commit in commits:
            for diff in commit.files:
                if diff.is_submodule or diff.is_binary:
                    continue
                for blob, path in ((diff.old_blob, diff.old_path), (diff.new_blob, diff.path)):
                    if blob and path:
                        yield blob, path

    def prepare(self, commits: Iterable[CommitData]) -> None:
        """Analyze, in one batch, every blob these commits need that is not cached yet."""
        wanted: dict[str, tuple[str, str]] = {}
        planned: set[str] = set()
        for blob, path in self._blobs(commits):
            if self._skip_by_path(path):
                continue
            key = cache_key(blob, path)
            if key not in planned and not self.cache.contains(key):
                wanted[key] = (path, blob)
            planned.add(key)
        self._analyze_missing(wanted)

    def _analyze_missing(self, wanted: dict[str, tuple[str, str]]) -> dict[str, FileAnalysis]:
        """Read and analyze `wanted` (cache key -> (path, blob)) in one batch; cache them."""
        items: dict[str, tuple[str, bytes]] = {}
        analyses: dict[str, FileAnalysis] = {}
        for key, (path, blob) in wanted.items():
            data, size = self.repository.read_blob_sized(blob, MAX_FILE_BYTES)
            if data is None:
                analyses[key] = FileAnalysis(
                    skip_reason=f"file too large ({size:,} bytes, limit {MAX_FILE_BYTES:,})")
            else:
                items[key] = (path, data)
        if items:
            analyses.update(analyze_batch(items, self.config))
            self.files_analyzed += len(items)
        self.cache.put_many(analyses)
        return analyses

    def prepare_surfaces(self, commits: Iterable[CommitData]) -> None:
        """Extract, in one parallel batch, the API surfaces these commits' files need."""
        if "breaking-api-change" not in self.config.disabled:
            self._load_surfaces(self._blobs(commits))

    def _load_surfaces(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Fill the surface memo for (blob, path) pairs: from the cache, as empty when no
        API hint occurs in the text, else extracted together in one batch."""
        from reviewer.analysis import extract_surfaces
        from reviewer.api import ApiSurface
        from reviewer.cache import MISSING

        todo: list[tuple[str, str, str]] = []
        for blob, path in pairs:
            hints = API_HINTS.get(kind_of(path).language)
            if hints is None or (blob, path) in self._surfaces or self._skip_by_path(path):
                continue
            cached = self.cache.get_surface(f"{blob}:{path}")
            if cached is not MISSING:
                self._surfaces[(blob, path)] = cached
                continue
            data = self.repository.read_blob(blob, MAX_FILE_BYTES)
            text = data.decode("utf-8", "replace") if data is not None else ""
            if any(hint in text for hint in hints):
                todo.append((f"{blob}:{path}", path, text))
                self._surfaces[(blob, path)] = None  # claimed; filled below
            else:
                self._surfaces[(blob, path)] = ApiSurface(endpoints=(), models=())
        for key, surface in extract_surfaces(todo).items():
            blob, path = key.split(":", 1)
            self._surfaces[(blob, path)] = surface
            self.cache.put_surface(key, surface)

    def analyze_blob(self, sha: str, path: str) -> FileAnalysis:
        key = cache_key(sha, path)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        return self._analyze_missing({key: (path, sha)})[key]

    # -- reviews --------------------------------------------------------------------------

    def review_range(self, rev_range: str) -> Iterator[CommitReview]:
        end = rev_range.split("..")[-1] or "HEAD"
        self.openapi_only = self._has_openapi(end)
        commits = self.repository.iter_commits(rev_range)
        while chunk := list(islice(commits, CHUNK_COMMITS)):
            self.prepare(chunk)
            self.prepare_surfaces(chunk)
            for commit in chunk:
                yield self.review_commit(commit)

    def review_commit(self, commit: CommitData, scope: str | None = None,
                      *, change_level: bool = True) -> CommitReview:
        """`scope` names the change in the fingerprints of change-level findings (untested
        change, breaking API change); the commit's sha unless given. `change_level=False`
        compares file contents only."""
        review = CommitReview(commit=commit)
        for diff in commit.files:
            self._review_file(diff, review)
        _pair_moves(review)
        if change_level:
            self._review_commit_rules(commit, review, scope or commit.sha)
            self._review_api(commit, review, scope or commit.sha)
        return review

    def review_delta(self, base: str, head: str, *, change_level: bool = True) -> CommitReview:
        """Review base..head as one change, the way a pull request is judged: what is flagged
        at `head` and not at `base`, and what `head` no longer has. Change-level findings are
        keyed by `base`, so pushing more commits to the same pull request keeps them."""
        change = self.repository.diff_range(base, head)
        self.prepare([change])
        if change_level:
            self.openapi_only = self._has_openapi(head)
            self.prepare_surfaces([change])
        return self.review_commit(change, scope=f"range:{change.parents[0]}",
                                  change_level=change_level)

    # -- API contract ---------------------------------------------------------------------

    def _has_openapi(self, rev: str) -> bool:
        try:
            return any(OPENAPI_NAME.search(p) for p in self.repository.list_paths(rev))
        except Exception:  # noqa: BLE001 - an unknown revision simply has no spec
            return False

    def api_surface(self, blob: str | None, path: str | None) -> ApiSurface | None:
        """The file's API surface; None when it has none or cannot be read (then the file
        does not take part in the delta: an unparseable file has not removed its routes)."""
        if not blob or not path:
            return None
        self._load_surfaces([(blob, path)])
        return self._surfaces.get((blob, path))

    def api_delta(self, diffs: Iterable[FileDiff]) -> list[ApiChange]:
        before: dict[str, ApiSurface] = {}
        after: dict[str, ApiSurface] = {}
        for diff in diffs:
            if diff.is_submodule or diff.is_binary:
                continue
            old = self.api_surface(diff.old_blob, diff.old_path)
            new = self.api_surface(diff.new_blob, diff.path)
            if (old is None) != (new is None) and diff.old_blob and diff.new_blob:
                continue  # one side unreadable: no claim about what changed
            if old is not None and (old.endpoints or old.models):
                before[diff.old_path] = old
            if new is not None and (new.endpoints or new.models):
                after[diff.path] = new
        if not before and not after:
            return []
        from reviewer.contract import surface_delta

        return surface_delta(before, after, openapi_only=self.openapi_only or None)

    def range_api_delta(self, base: str, head: str) -> list[ApiChange]:
        """The contract delta of a whole range (a pull request): base tree against head tree."""
        self.openapi_only = self._has_openapi(head)
        return self.api_delta(self.repository.changed_files(base, head))

    def _review_api(self, commit: CommitData, review: CommitReview, scope: str) -> None:
        if "breaking-api-change" in self.config.disabled:
            return
        try:
            review.api_changes = self.api_delta(commit.files)
        except ImportError:  # the API extractors are optional to the rest of the engine
            return
        for change in review.api_changes:
            if not change.breaking:
                continue
            fingerprint = hashlib.sha256(
                f"breaking-api-change\0{scope}\0{change.change}\0{change.subject}".encode()
            ).hexdigest()[:32]
            review.introduced.append(Finding(
                rule_id="breaking-api-change", path=change.path, line=change.line,
                end_line=change.line, message=f"Breaking API change: {change.detail} "
                f"{change.migration_note}", fingerprint=fingerprint, code=change.subject,
                scope=f"commit:{scope}",
                severity=self.config.severity_overrides.get("breaking-api-change", "high"),
            ))

    def _review_file(self, diff: FileDiff, review: CommitReview) -> None:
        if diff.is_submodule:
            return
        before: dict[str, Finding] = {}
        if diff.old_blob and diff.old_path and not self._skip_by_path(diff.old_path):
            old = self.analyze_blob(diff.old_blob, diff.old_path)
            before = {f.fingerprint: f for f in findings_for(diff.old_path, old, self.config)}
        after: dict[str, Finding] = {}
        if diff.new_blob:
            reason = self._skip_by_path(diff.path) or ("binary file" if diff.is_binary else None)
            if reason:
                review.skips.append(Skip(diff.path, reason))
                return
            new = self.analyze_blob(diff.new_blob, diff.path)
            if new.skip_reason:
                review.skips.append(Skip(diff.path, new.skip_reason))
                # A file we cannot read now has not fixed what it had: unknown is not fixed.
                return
            review.skips.extend(Skip(diff.path, error) for error in new.errors)
            after = {f.fingerprint: f for f in findings_for(diff.path, new, self.config)}
        review.introduced.extend(f for fp, f in after.items() if fp not in before)
        review.fixed.extend(f for fp, f in before.items() if fp not in after)

    def _review_commit_rules(self, commit: CommitData, review: CommitReview, scope: str) -> None:
        if self._commit_rules is None:
            self._commit_rules = [r for r in active_rules(self.config) if r.is_commit_rule]
        rules = self._commit_rules
        if not rules:
            return
        files = [
            ChangedFile(
                path=d.path, status=d.status, kind=kind_of(d.path),
                first_added_line=d.first_added_line,
                additions=d.additions,
            )
            for d in commit.files
            if not d.is_submodule and not self._skip_by_path(d.path)
        ]
        for rule in rules:
            for match in rule.check_commit(files, self.config):
                fingerprint = hashlib.sha256(
                    f"{match.rule_id}\0{scope}\0{match.path}".encode()).hexdigest()[:32]
                review.introduced.append(Finding(
                    rule_id=match.rule_id, path=match.path, line=match.line,
                    end_line=match.line, message=match.message, fingerprint=fingerprint,
                    code="", scope=f"commit:{scope}",
                    severity=self.config.severity_overrides.get(
                        match.rule_id, str(rule_by_id(match.rule_id).severity)),
                ))


def _pair_moves(review: CommitReview) -> None:
    """A finding that disappears in one place while the same rule flags the same code
    elsewhere in the same commit has moved (file renamed, code moved to another function
    or file): keep its identity instead of reporting a fix and a new finding. So has one
    whose flagged statement was edited but is still flagged, alone, in the same function
    of the same file: an edit that did not fix it."""
    if not review.fixed or not review.introduced:
        return
    _pair(review, lambda f: (f.rule_id, f.code) if f.code else None)
    _pair(review, lambda f: (f.rule_id, f.path, f.scope) if f.code else None, unique=True)


def _pair(review: CommitReview, key, *, unique: bool = False) -> None:
    waiting: dict[tuple, list[Finding]] = {}
    for gone in review.fixed:
        if (k := key(gone)) is not None:
            waiting.setdefault(k, []).append(gone)
    if unique:
        arriving = Counter(key(new) for new in review.introduced)
        waiting = {k: v for k, v in waiting.items() if len(v) == 1 and arriving[k] == 1}
    introduced = []
    for new in review.introduced:
        candidates = waiting.get(key(new))
        if candidates:
            review.moved.append((candidates.pop(0), new))
        else:
            introduced.append(new)
    moved_away = {id(before) for before, _ in review.moved}
    review.fixed = [f for f in review.fixed if id(f) not in moved_away]
    review.introduced = introduced
