"""What one key of a fallback round has so far, and why a request gave nothing usable.

Kept outside the key's task (``app.fhir.fetcher``) so a deadline keeps the pages already read; read by
the round's metrics and log line (``app.fhir.fetch_report``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.fhir.bundles import KeyData, Resource, deduplicate


class FetchFailure(Exception):
    """A request that gave nothing usable; ``kind`` is a metrics label from a small fixed set."""

    def __init__(self, reason: str, kind: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason, self.kind, self.status = reason, kind, status


@dataclass(slots=True)
class KeyProgress:
    """What one key has so far: kept outside its task so a deadline keeps the pages already read."""

    resources: list[Resource] = field(default_factory=list)
    outcomes: int = 0
    pages: int = 0
    failure: FetchFailure | None = None
    stopped: str | None = None  # incomplete, but not a failure: page cap, foreign next link
    no_data: bool = False

    def add(self, page: KeyData) -> None:
        self.resources.extend(page.resources)
        self.outcomes += page.outcomes
        self.pages += 1
        self.stopped = page.incomplete or self.stopped  # entries without their resource: not complete

    def result(self) -> KeyData:
        if self.no_data:
            return KeyData()
        resources = self._distinct()
        reason = self.failure.reason if self.failure else self.stopped
        if self.failure is not None and self.pages == 0:
            return KeyData(outcomes=self.outcomes, failed=reason)
        return KeyData(resources, self.outcomes, None, reason)

    def _distinct(self) -> tuple[Resource, ...]:
        """One copy of a resource that two pages both held; but two *differing* copies with no version to
        order them are both kept, so the chart says it could not check that type, as it does for a
        prefetch holding them (``app.fhir.bundles.deduplicate``, invariant 4)."""
        unique = deduplicate(self.resources)
        return tuple(self.resources) if unique.conflicting else unique.resources

    @property
    def kind(self) -> str | None:
        return self.failure.kind if self.failure else ("limited" if self.stopped else None)


def describe_status(status: int) -> FetchFailure:
    if status in (401, 403):
        return FetchFailure(f"not authorized by the FHIR server ({status})", "unauthorized", status)
    if status in (404, 410):
        return FetchFailure(f"not found on the FHIR server ({status})", "not_found", status)
    if status == 429:
        return FetchFailure("the FHIR server is throttling requests (429)", "throttled", status)
    if 300 <= status < 400:
        return FetchFailure(f"redirect not followed ({status})", "redirect", status)
    if status >= 500:
        return FetchFailure(f"FHIR server error ({status})", "server_error", status)
    return FetchFailure(f"unexpected HTTP status {status}", "http_error", status)
