"""One hook call's requests to its FHIR server: a key's query and the pages after it (CONTRACT.md P6-P8).

- A key's first page comes from its own GET, or from its entry in the call's batch (``app.fhir.batch``),
  read the same way; the pages after it are GETs of its ``next`` links either way.

- Each GET has its own timeout (``fhir_request_timeout_seconds``) and is read up to
  ``fhir_max_response_bytes`` (decompressed); a larger answer fails its key.
- A search whose query string is longer than ``fhir_max_query_chars`` is sent as several GETs
  (``app.fhir.search_split``); inside a batch it travels whole, in the body.
- ``next`` links are followed only on the scheme, host and port of ``fhirServer`` (``app.fhir.allowlist``),
  up to ``fhir_page_cap`` pages per key.
- ``Authorization: Bearer`` only when ``fhirAuthorization`` gave a token (the sandbox sends none).
- A read that answers 404 means "no such resource", the same as a prefetch ``null`` (P4, P6), so the
  answer does not depend on whether the EHR prefetched.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

import httpx

from app.fhir.allowlist import same_origin
from app.fhir.batch import EntryAnswer, batch_request, read_batch_response
from app.fhir.bundles import FetchJob, Resource, next_link, read_prefetch_value
from app.fhir.http_client import send_direct
from app.fhir.progress import FetchFailure, KeyProgress, describe_status
from app.fhir.search_split import split_search
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
    max_query_chars: int = 2_000  # a GET's query string; longer searches are split (app.fhir.search_split)

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchLimits:
        s = settings
        return cls(s.fhir_request_timeout_seconds, s.hook_budget_seconds, s.fhir_page_cap,
                   s.fhir_max_response_bytes, s.fhir_max_query_chars)


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
    sent: Counter[str] = field(default_factory=Counter)  # requests by method: the round trips of a call

    @property
    def post_headers(self) -> dict[str, str]:
        return {**self.headers, "Content-Type": FHIR_JSON}

    def url_for(self, query: str) -> str:
        return f"{self.server.rstrip('/')}/{query.lstrip('/')}"

    async def run(self, job: FetchJob, progress: KeyProgress) -> None:
        """The key's pages, from a GET of its own — or from one GET per part of a search too long for a
        URL (``app.fhir.search_split``), all at once, into the same key."""
        start = self.start_url(job)
        parts = split_search(job.query, self.limits.max_query_chars)
        if len(parts) == 1 or start != self.url_for(job.query):
            await self.follow(job, start, progress)
            return
        await asyncio.gather(*(self.follow(job, self.url_for(part), progress) for part in parts))

    async def follow(self, job: FetchJob, url: str | None, progress: KeyProgress) -> None:
        """The key's pages from ``url`` on, to the last one or the page cap."""
        try:
            await self._pages(url, progress)
        except FetchFailure as failure:
            _fail(job, progress, failure)

    def take_first(self, job: FetchJob, answer: EntryAnswer, progress: KeyProgress) -> str | None:
        """The key's entry of a batch (``app.fhir.batch``) as its first page, read as its own GET would be;
        the next page's URL to ``follow``, if any."""
        try:
            if isinstance(answer, FetchFailure):
                raise answer
            return self._take(answer, self.url_for(job.query), progress)
        except FetchFailure as failure:
            _fail(job, progress, failure)
            return None

    def start_url(self, job: FetchJob) -> str:
        """A truncated prefetch page is continued from its ``next`` link when that link is on fhirServer and
        the rest fits in the page cap at the client's page size; otherwise our own query (``_count=250``) is
        run again and merged with the page (P6: both give the same data). A page with entries that lack their
        resource is not continued either: the pages after it would never bring those entries back."""
        if job.partial is None or read_prefetch_value(job.partial).incomplete is not None:
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
            url = self._take(await self.get(url), url, progress)

    def _take(self, body: dict[str, Any], url: str, progress: KeyProgress) -> str | None:
        """Add one page (read from ``url``) to the key; the next page's URL, if it is to be followed."""
        page = read_prefetch_value(body)
        if page.failed and page.outcomes:
            raise FetchFailure("the FHIR server answered with an error OperationOutcome", "error_outcome")
        if page.failed:  # no resourceType, or entries without their resource
            raise FetchFailure(f"the FHIR server's answer is unusable: {page.failed}", "invalid_json")
        progress.add(page)
        link = next_link(body)
        following = urljoin(url, link) if link is not None else None
        if following is not None and not same_origin(following, self.server):
            progress.stopped = "next link to another server not followed"
            return None
        return following

    async def batch(self, queries: Sequence[str]) -> list[EntryAnswer] | None:
        """All ``queries`` in one batch (``app.fhir.batch``): an answer per query, in order, or ``None``
        when the server would not do the batch (an HTTP error, invalid JSON, no batch-response of the same
        length): the caller then sends the searches one by one. A timeout, an unreachable server or a
        throttling one fails every query alike, as the searches one by one would have failed (and more
        requests would not help)."""
        try:
            body = await self.send(self.server.rstrip("/"), batch_request(queries))
        except FetchFailure as failure:
            if failure.kind in ("timeout", "transport", "throttled"):
                return [failure] * len(queries)
            return None
        return read_batch_response(body, len(queries))

    async def get(self, url: str) -> dict[str, Any]:
        return await self.send(url)

    async def send(self, url: str, batch: bytes | None = None) -> dict[str, Any]:
        """One GET (or the POST of a ``batch``) inside the per-request timeout (asyncio's, as httpx's
        read timeout is per chunk)."""
        self.sent["GET" if batch is None else "POST"] += 1
        try:
            async with asyncio.timeout(self.limits.request_timeout):
                status, content = await self._download(url, batch)
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

    async def _download(self, url: str, batch: bytes | None) -> tuple[int, bytes]:
        """Status and body, the body (decompressed) at most ``max_response_bytes``: a server that sends
        more fails the key rather than the process's memory. Error bodies are read too, so the
        connection can be kept. Sent straight through the client's transport for the URL
        (``app.fhir.http_client.send_direct``: the client's headers, no cookies, no redirects)."""
        cap = self.limits.max_response_bytes
        method, headers = ("GET", self.headers) if batch is None else ("POST", self.post_headers)
        response = await send_direct(self.http, method, url, headers, batch, self.limits.request_timeout)
        try:
            return response.status_code, await read_body(response, cap)
        except ResponseTooLarge:
            why = f"the FHIR server's answer is larger than {cap} bytes (FHIR_MAX_RESPONSE_BYTES)"
            raise FetchFailure(why, "too_large") from None
        finally:
            await response.aclose()


def _fail(job: FetchJob, progress: KeyProgress, failure: FetchFailure) -> None:
    """P4: a read answering 404 is "no such resource", like a prefetch ``null``; anything else fails."""
    if failure.kind == "not_found" and progress.pages == 0 and _is_read(job):
        progress.no_data = True
    else:
        progress.failure = failure


def _is_read(job: FetchJob) -> bool:
    return job.partial is None and "?" not in job.query
