"""One hook call's requests to its FHIR server: a key's query and the pages after it (CONTRACT.md P6-P8).

- Each GET has its own timeout (``fhir_request_timeout_seconds``) and is read up to
  ``fhir_max_response_bytes`` (decompressed); a larger answer fails its key.
- ``next`` links are followed only on the scheme, host and port of ``fhirServer`` (``app.fhir.allowlist``),
  up to ``fhir_page_cap`` pages per key.
- ``Authorization: Bearer`` only when ``fhirAuthorization`` gave a token (the sandbox sends none).
- A read that answers 404 means "no such resource", the same as a prefetch ``null`` (P4, P6), so the
  answer does not depend on whether the EHR prefetched.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

import httpx

from app.fhir.allowlist import same_origin
from app.fhir.prefetch import FetchJob, Resource, next_link, read_prefetch_value
from app.fhir.progress import FetchFailure, KeyProgress, describe_status
from app.fhir.transport import ResponseTooLarge, read_body
from app.jsontext import loads

if TYPE_CHECKING:  # the shape only: the data-access room does not import the settings at run time
    from app.settings import Settings

FHIR_JSON = "application/fhir+json"


@dataclass(frozen=True, slots=True)
class FetchLimits:
    request_timeout: float = 1.5
    budget: float = 2.0
    page_cap: int = 10
    max_response_bytes: int = 20_000_000

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchLimits:
        s = settings
        return cls(s.fhir_request_timeout_seconds, s.hook_budget_seconds, s.fhir_page_cap,
                   s.fhir_max_response_bytes)


def request_headers(access_token: str | None) -> dict[str, str]:
    """R7: the bearer token on every FHIR call when one was given; none when not (the sandbox)."""
    headers = {"Accept": FHIR_JSON}
    if access_token:
        headers["Authorization"] = f"Bearer {access_token}"
    return headers


@dataclass(frozen=True, slots=True)
class FhirSession:
    http: httpx.AsyncClient
    server: str
    headers: Mapping[str, str] = field(repr=False)
    limits: FetchLimits

    def url_for(self, query: str) -> str:
        return f"{self.server.rstrip('/')}/{query.lstrip('/')}"

    async def run(self, job: FetchJob, progress: KeyProgress) -> None:
        try:
            await self._pages(self.start_url(job), progress)
        except FetchFailure as failure:
            if failure.kind == "not_found" and progress.pages == 0 and _is_read(job):
                progress.no_data = True
            else:
                progress.failure = failure

    def start_url(self, job: FetchJob) -> str:
        """A truncated prefetch page is continued from its ``next`` link when that link is on fhirServer and
        the rest fits in the page cap at the client's page size; otherwise our own query (``_count=250``) is
        run again and merged with the page (P6: both give the same data)."""
        if job.partial is None:
            return self.url_for(job.query)
        link = next_link(job.partial)
        url = urljoin(self.server + "/", link) if link is not None else None
        if url is None or not same_origin(url, self.server) or self._too_many_pages(job.partial):
            return self.url_for(job.query)
        return url

    def _too_many_pages(self, page: Resource) -> bool:
        entries = page.get("entry")
        size = len(entries) if isinstance(entries, list) else 0
        total = page.get("total")
        if not isinstance(total, int) or isinstance(total, bool) or size == 0:
            return False
        return -(-(total - size) // size) > self.limits.page_cap

    async def _pages(self, url: str | None, progress: KeyProgress) -> None:
        while url is not None:
            if progress.pages >= self.limits.page_cap:
                progress.stopped = f"page cap ({self.limits.page_cap}) reached"
                return
            body = await self.get(url)
            page = read_prefetch_value(body)
            if page.failed:
                raise FetchFailure("the FHIR server answered with an error OperationOutcome", "error_outcome")
            progress.add(page)
            link = next_link(body)
            url = urljoin(url, link) if link is not None else None
            if url is not None and not same_origin(url, self.server):
                progress.stopped = "next link to another server not followed"
                return

    async def get(self, url: str) -> dict[str, Any]:
        """One GET inside the per-request timeout (asyncio's, as httpx's read timeout is per chunk)."""
        try:
            async with asyncio.timeout(self.limits.request_timeout):
                status, content = await self._download(url)
        except (TimeoutError, httpx.TimeoutException):
            raise FetchFailure("timed out", "timeout") from None
        except httpx.HTTPError as exc:
            why = f"could not reach the FHIR server ({type(exc).__name__})"
            raise FetchFailure(why, "transport") from None
        if status != 200:
            raise describe_status(status)
        try:
            body = loads(content)
        except ValueError:
            raise FetchFailure("the FHIR server sent invalid JSON", "invalid_json") from None
        if not isinstance(body, dict):
            raise FetchFailure("the FHIR server sent JSON that is not a resource", "invalid_json")
        return body

    async def _download(self, url: str) -> tuple[int, bytes]:
        """Status and body, the body (decompressed) at most ``max_response_bytes``: a server that sends
        more fails the key rather than the process's memory. Error bodies are read too, so the
        connection can be kept."""
        cap = self.limits.max_response_bytes
        async with self.http.stream("GET", url, headers=self.headers,
                                    timeout=self.limits.request_timeout) as response:
            try:
                return response.status_code, await read_body(response, cap)
            except ResponseTooLarge:
                why = f"the FHIR server's answer is larger than {cap} bytes (FHIR_MAX_RESPONSE_BYTES)"
                raise FetchFailure(why, "too_large") from None


def _is_read(job: FetchJob) -> bool:
    return job.partial is None and "?" not in job.query
