"""Review a history commit by commit: what each commit introduced and what it fixed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from reviewer.analysis import MAX_FILE_BYTES, analyze_content, findings_for, language_of
from reviewer.git import CommitData, FileDiff, GitRepository
from reviewer.model import FileAnalysis, Finding, Skip


@dataclass(slots=True)
class CommitReview:
    commit: CommitData
    introduced: list[Finding] = field(default_factory=list)
    fixed: list[Finding] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)


class BlobCache:
    """Analyses keyed by (blob id, language): each file content is analyzed at most once."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], FileAnalysis] = {}
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[str, str]) -> FileAnalysis | None:
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
        else:
            self.hits += 1
        return entry

    def put(self, key: tuple[str, str], analysis: FileAnalysis) -> None:
        self._entries[key] = analysis


class Reviewer:
    def __init__(self, repository: GitRepository, cache: BlobCache | None = None) -> None:
        self.repository = repository
        self.cache = cache or BlobCache()

    def analyze_blob(self, sha: str, path: str) -> FileAnalysis:
        key = (sha, language_of(path))
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        data = self.repository.read_blob(sha, MAX_FILE_BYTES)
        if data is None:
            size = self.repository.blob_size(sha)
            analysis = FileAnalysis(
                skip_reason=f"file too large ({size:,} bytes, limit {MAX_FILE_BYTES:,})"
            )
        else:
            analysis = analyze_content(path, data)
        self.cache.put(key, analysis)
        return analysis

    def review_commit(self, commit: CommitData) -> CommitReview:
        review = CommitReview(commit=commit)
        for diff in commit.files:
            self._review_file(diff, review)
        return review

    def review_range(self, rev_range: str) -> Iterator[CommitReview]:
        for commit in self.repository.iter_commits(rev_range):
            yield self.review_commit(commit)

    def _review_file(self, diff: FileDiff, review: CommitReview) -> None:
        if diff.is_submodule:
            return
        before: dict[str, Finding] = {}
        if diff.old_blob and diff.old_path:
            old = self.analyze_blob(diff.old_blob, diff.old_path)
            before = {f.fingerprint: f for f in findings_for(diff.old_path, old)}
        after: dict[str, Finding] = {}
        if diff.new_blob:
            if diff.is_binary:
                review.skips.append(Skip(diff.path, "binary file"))
                return
            else:
                new = self.analyze_blob(diff.new_blob, diff.path)
                if new.skip_reason:
                    review.skips.append(Skip(diff.path, new.skip_reason))
                    # A file we cannot read now has not fixed what it had: unknown is not fixed.
                    return
                review.skips.extend(Skip(diff.path, error) for error in new.errors)
                after = {f.fingerprint: f for f in findings_for(diff.path, new)}
        review.introduced.extend(f for fp, f in after.items() if fp not in before)
        review.fixed.extend(f for fp, f in before.items() if fp not in after)
