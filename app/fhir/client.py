"""Fallback fetch from the EHR's FHIR server: fast, bounded and safe (CONTRACT.md P7, P8, P10, R6-R8, §3).

- One shared ``httpx.AsyncClient`` for the app's life (``make_http_client``): no redirects, no cookie jar
  (a cookie set for one hook call must never ride along on another patient's), explicit pool limits, and
  a keep-alive pool of our own (``app/fhir/transport.py``) that costs one socket check per request.
- Every key of a hook call is fetched concurrently; each request has its own timeout and the whole round
  has one deadline (``hook_budget_seconds``). A key not done by then fails as "timed out", keeping any
  pages it already had (then it is *incomplete*, not failed).
- Only a ``fhirServer`` on ``FHIR_SERVER_ALLOWLIST`` (narrowed by the caller's trust entry, if any) is
  called; a disallowed server fails every key with a note and no request is made.
- An answer is read up to ``fhir_max_response_bytes`` (decompressed); a larger one fails its key.
- ``next`` links are followed only on the scheme, host and port of ``fhirServer``, up to ``fhir_page_cap``
  pages per key; resources repeated across pages are dropped.
- ``Authorization: Bearer`` only when ``fhirAuthorization`` gave a token (the sandbox sends none). The
  token and URLs (they hold patient ids) are never logged: logs carry key names, outcomes, counts and ms.
- A read that answers 404 means "no such resource", the same as a prefetch ``null`` (P4, P6), so the
  answer does not depend on whether the EHR prefetched.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import getproxies

import httpx
from prometheus_client import CollectorRegistry, Counter, Histogram

from app.fhir.prefetch import (
    DataRequest,
    FetchJob,
    KeyData,
    Resource,
    next_link,
    read_prefetch_value,
    unique_resources,
)
from app.fhir.transport import PooledTransport, ResponseTooLarge, read_body
from app.jsontext import loads
from app.metrics import REGISTRY, counter, histogram
from app.urls import origin, server_allowed_by

if TYPE_CHECKING:  # the shape only: the data-access room does not import the settings at run time
    from app.settings import Settings

log = logging.getLogger(__name__)
# httpx logs every request line, URL included, at INFO: URLs carry patient ids, so keep it to warnings.
logging.getLogger("httpx").setLevel(logging.WARNING)

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


HTTP_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=30.0)


def make_http_client(settings: Settings) -> httpx.AsyncClient:
    """The app's one HTTP client: bounded pool (``app/fhir/transport.py``: why not httpx's own, unless
    ``FHIR_POOL=httpx``), default timeout, no redirects, cookies never kept, proxies from the environment
    as httpx reads them."""
    own = settings.fhir_pool != "httpx"  # FhirPool, compared by value (no import of app.settings)
    return httpx.AsyncClient(
        transport=PooledTransport(HTTP_LIMITS) if own else httpx.AsyncHTTPTransport(limits=HTTP_LIMITS),
        mounts=proxy_mounts(environment_proxies()),
        follow_redirects=False,
        timeout=httpx.Timeout(settings.fhir_request_timeout_seconds),
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
    )


def proxy_mounts(proxies: Mapping[str, str | None]) -> dict[str, httpx.AsyncBaseTransport | None]:
    """A proxy transport for each proxied URL pattern; ``None`` (the client's own transport, our pool) for
    each NO_PROXY one."""
    return {pattern: None if url is None else httpx.AsyncHTTPTransport(proxy=url, limits=HTTP_LIMITS)
            for pattern, url in proxies.items()}


def environment_proxies() -> dict[str, str | None]:
    """HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY read as httpx reads them (its environment-variable
    documentation): passing ``transport=`` turns httpx's own reading off, so it is done here again.
    Keys are httpx mount patterns; ``None`` means "not through a proxy"."""
    found = getproxies()
    mounts: dict[str, str | None] = {}
    for scheme in ("http", "https", "all"):
        if found.get(scheme):
            url = found[scheme]
            mounts[f"{scheme}://"] = url if "://" in url else f"http://{url}"
    for host in (part.strip() for part in found.get("no", "").split(",")):
        if host == "*":  # NO_PROXY=* turns every proxy off
            return {}
        if host:
            mounts[_no_proxy_pattern(host)] = None
    return mounts


def _no_proxy_pattern(host: str) -> str:
    """A NO_PROXY entry as a mount pattern: ``example.com`` also covers its subdomains, as in curl."""
    if "://" in host:
        return host
    if _is_address(host, ipaddress.IPv4Address) or host.lower() == "localhost":
        return f"all://{host}"
    if _is_address(host, ipaddress.IPv6Address):
        return f"all://[{host}]"
    return f"all://*{host}"


def _is_address(host: str, kind: type[ipaddress.IPv4Address] | type[ipaddress.IPv6Address]) -> bool:
    try:
        kind(host.split("/")[0])  # "10.0.0.0/8" counts, as in httpx, but matches only 10.0.0.0 itself
    except ValueError:
        return False
    return True


# --- where we may go ---------------------------------------------------------------------------------


def same_origin(url: str, server: str) -> bool:
    """CONTRACT.md §3.5: a ``next`` link must have the scheme, host and port of ``fhirServer`` and lie
    under its path (whole segments, no dot segments): it is fetched with the FHIR bearer token, and a link
    to another path on the host would carry the token past a path-restricted allow-list entry."""
    link = origin(url)
    if link is None or link[1] == "" or link != origin(server) or not _sendable(url):
        return False
    base, path = urlsplit(server).path.rstrip("/"), urlsplit(url).path
    if any(segment in (".", "..") for segment in unquote(path).split("/")):
        return False
    return not base or path == base or path.startswith(base + "/")


def _sendable(url: str) -> bool:
    """A hostile link with a lone surrogate (not UTF-8) or a control character cannot be sent: refused
    here rather than crashed on by the HTTP client."""
    try:
        url.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return not any(ord(char) < 0x20 or ord(char) == 0x7F for char in url)


def server_refusal(server: str | None, allowlist: Sequence[str],
                   narrowed_to: Sequence[str] | None = None) -> str | None:
    """Why ``server`` may not be called, or ``None`` when it may (CONTRACT.md §3.5, S6)."""
    if not server:
        return "no fhirServer in the request"
    parts = urlsplit(server)
    if parts.username or parts.password or parts.query or parts.fragment:
        return "fhirServer must not carry credentials, a query or a fragment"
    if any(unquote(segment) in (".", "..") for segment in parts.path.split("/")):
        return "fhirServer path must not contain dot segments"
    if not any(server_allowed_by(server, entry) for entry in allowlist):
        return "fhirServer is not on FHIR_SERVER_ALLOWLIST; no request was made"
    if narrowed_to is not None and not any(server_allowed_by(server, entry) for entry in narrowed_to):
        return "fhirServer is not among this client's FHIR servers; no request was made"
    return None


# --- one key's progress ------------------------------------------------------------------------------


class FetchFailure(Exception):
    """A request that gave nothing usable; ``kind`` is a metrics label from a small fixed set."""

    def __init__(self, reason: str, kind: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason, self.kind, self.status = reason, kind, status


@dataclass(slots=True)
class _Progress:
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

    def result(self) -> KeyData:
        if self.no_data:
            return KeyData()
        resources = tuple(unique_resources(self.resources))
        reason = self.failure.reason if self.failure else self.stopped
        if self.failure is not None and self.pages == 0:
            return KeyData(outcomes=self.outcomes, failed=reason)
        return KeyData(resources, self.outcomes, None, reason)

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


# --- one hook call's fetching ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Session:
    http: httpx.AsyncClient
    server: str
    headers: Mapping[str, str] = field(repr=False)
    limits: FetchLimits

    def url_for(self, query: str) -> str:
        return f"{self.server.rstrip('/')}/{query.lstrip('/')}"

    async def run(self, job: FetchJob, progress: _Progress) -> None:
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

    async def _pages(self, url: str | None, progress: _Progress) -> None:
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


def request_headers(access_token: str | None) -> dict[str, str]:
    """R7: the bearer token on every FHIR call when one was given; none when not (the sandbox)."""
    headers = {"Accept": FHIR_JSON}
    if access_token:
        headers["Authorization"] = f"Bearer {access_token}"
    return headers


class FhirFetcher:
    """Implements ``app.fhir.prefetch.Fetcher`` against the EHR's FHIR server."""

    def __init__(self, http: httpx.AsyncClient, allowlist: Sequence[str], limits: FetchLimits,
                 registry: CollectorRegistry = REGISTRY,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.http = http
        self.allowlist = tuple(allowlist)
        self.limits = limits
        self.metrics = FetchMetrics.on(registry)
        self._clock = clock

    @classmethod
    def from_settings(cls, http: httpx.AsyncClient, settings: Settings, registry: CollectorRegistry = REGISTRY
                      ) -> FhirFetcher:
        return cls(http, settings.fhir_server_allowlist, FetchLimits.from_settings(settings), registry)

    async def fetch(self, request: DataRequest, jobs: Sequence[FetchJob]) -> dict[str, KeyData]:
        if not jobs:
            return {}
        started = self._clock()
        refusal = server_refusal(request.fhir_server, self.allowlist, request.allowed_servers)
        if refusal is not None:
            progress = {job.key: _Progress(failure=FetchFailure(refusal, "not_allowed")) for job in jobs}
        else:
            session = _Session(self.http, str(request.fhir_server), request_headers(request.access_token),
                               self.limits)
            progress = await self._run(session, jobs)
        elapsed = self._clock() - started
        self.metrics.record(progress, elapsed)
        _log(progress, elapsed)
        return {key: p.result() for key, p in progress.items()}

    async def _run(self, session: _Session, jobs: Sequence[FetchJob]) -> dict[str, _Progress]:
        """All keys at once inside one deadline; a key still running at the deadline is cancelled."""
        progress = {job.key: _Progress() for job in jobs}
        tasks = {job.key: asyncio.create_task(session.run(job, progress[job.key])) for job in jobs}
        try:
            await asyncio.wait(tasks.values(), timeout=self.limits.budget)
        finally:  # also when the hook call itself is cancelled: leave no task behind
            pending = [task for task in tasks.values() if not task.done()]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        for key, task in tasks.items():
            progress[key].failure = _task_failure(key, task, self.limits.budget) or progress[key].failure
        return progress


def _task_failure(key: str, task: asyncio.Task[None], budget: float) -> FetchFailure | None:
    if task.cancelled():
        return FetchFailure(f"timed out (hook budget of {budget:g} s)", "budget")
    error = task.exception()
    if error is None:
        return None
    # A bug, not the server's doing: degrade to "could not check", never a 500 (CONTRACT.md §3.4).
    log.error("fhir fetch crashed", extra={"key": key, "error_type": type(error).__name__})
    return FetchFailure("unexpected error while fetching", "unexpected")


@dataclass(frozen=True, slots=True)
class FetchMetrics:
    """Counters per key and outcome, and the fallback round's wall time (labels: key names, kinds only)."""

    fetched: Counter
    failed: Counter
    incomplete: Counter
    seconds: Histogram

    @classmethod
    def on(cls, registry: CollectorRegistry) -> FetchMetrics:
        return cls(
            counter("spine_cds_fhir_keys_fetched", "Keys fetched from fhirServer", ["key"], registry),
            counter("spine_cds_fhir_keys_failed", "Keys not fetched", ["key", "reason"], registry),
            counter("spine_cds_fhir_keys_incomplete", "Keys fetched in part", ["key", "reason"], registry),
            histogram("spine_cds_fhir_fallback_seconds", "Wall time of one fallback round",
                      registry=registry),
        )

    def record(self, progress: Mapping[str, _Progress], seconds: float) -> None:
        for key, p in progress.items():
            result = p.result()
            if p.no_data or not result.failed:
                self.fetched.labels(key=key).inc()
            if result.failed:
                self.failed.labels(key=key, reason=p.kind or "unknown").inc()
            elif result.incomplete:
                self.incomplete.labels(key=key, reason=p.kind or "unknown").inc()
        self.seconds.observe(seconds)


def _log(progress: Mapping[str, _Progress], seconds: float) -> None:
    keys = {
        key: {"pages": p.pages, "resources": len(p.resources), "outcome": p.kind or "ok"}
        for key, p in sorted(progress.items())
    }
    log.info("fhir fallback", extra={"keys": keys, "ms": round(seconds * 1000, 1)})
