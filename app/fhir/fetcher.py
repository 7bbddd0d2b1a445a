"""Fallback fetch from the EHR's FHIR server: fast, bounded and safe (CONTRACT.md P7, P8, P10, R6-R8, §3).

- Every key of a hook call is fetched concurrently (``app.fhir.session``: a key's query and its pages):
  all searches in one FHIR batch when the server takes one (``app.fhir.batch``), else one GET each;
  each request has its own timeout and the whole round has one deadline (``hook_budget_seconds``). A key
  not done by then fails as "timed out", keeping any pages it already had (then it is *incomplete*, not
  failed).
- Only a ``fhirServer`` on ``FHIR_SERVER_ALLOWLIST`` (narrowed by the caller's trust entry, if any) is
  called (``app.fhir.allowlist``); a disallowed server fails every key with a note and no request is made.
- Resources repeated across pages are dropped (``app.fhir.progress``).
- The token and URLs (they hold patient ids) are never logged: the round's log line and metrics
  (``app.fhir.fetch_report``) carry key names, outcomes, counts and ms.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import httpx
from prometheus_client import CollectorRegistry

from app.fhir.allowlist import server_refusal
from app.fhir.batch import BatchSupport, EntryAnswer, lists_batch
from app.fhir.bundles import FetchJob, KeyData
from app.fhir.fetch_report import FetchMetrics, log_crash, log_round
from app.fhir.prefetch import DataRequest
from app.fhir.progress import FetchFailure, KeyProgress
from app.fhir.session import FetchLimits, FhirSession, request_headers
from app.metrics import REGISTRY

if TYPE_CHECKING:  # the shape only: the data-access room does not import the settings at run time
    from app.settings import Settings


class FhirFetcher:
    """Implements ``app.fhir.prefetch.Fetcher`` against the EHR's FHIR server."""

    def __init__(self, http: httpx.AsyncClient, allowlist: Sequence[str], limits: FetchLimits,
                 registry: CollectorRegistry = REGISTRY,
                 clock: Callable[[], float] = time.perf_counter, *, batch: bool = False) -> None:
        self.http = http
        self.allowlist = tuple(allowlist)
        self.limits = limits
        self.metrics = FetchMetrics.on(registry)
        self._clock = clock
        self.batch_support = BatchSupport() if batch else None

    @classmethod
    def from_settings(cls, http: httpx.AsyncClient, settings: Settings, registry: CollectorRegistry = REGISTRY
                      ) -> FhirFetcher:
        return cls(http, settings.fhir_server_allowlist, FetchLimits.from_settings(settings), registry,
                   batch=settings.fhir_batch)

    async def fetch(self, request: DataRequest, jobs: Sequence[FetchJob]) -> dict[str, KeyData]:
        if not jobs:
            return {}
        started = self._clock()
        refusal = server_refusal(request.fhir_server, self.allowlist, request.allowed_servers)
        session = FhirSession(self.http, str(request.fhir_server), request_headers(request.access_token),
                              self.limits)
        if refusal is not None:
            progress = {job.key: KeyProgress(failure=FetchFailure(refusal, "not_allowed")) for job in jobs}
        else:
            progress = await self._run(session, jobs)
        elapsed = self._clock() - started
        results = {key: p.result() for key, p in progress.items()}
        self.metrics.record(progress, results, elapsed, session.sent)
        log_round(progress, elapsed, session.sent)
        return results

    async def _run(self, session: FhirSession, jobs: Sequence[FetchJob]) -> dict[str, KeyProgress]:
        """All keys at once inside one deadline; a key still running at the deadline is cancelled. With a
        batch, a key gets a task of its own only for the pages after its batched first one."""
        progress = {job.key: KeyProgress() for job in jobs}
        searches = [job for job in jobs if job.partial is None]
        batched = searches if self.batch_support is not None and len(searches) > 1 else []
        deadline = asyncio.get_running_loop().time() + self.limits.budget
        tasks = {job.key: asyncio.create_task(session.run(job, progress[job.key]))
                 for job in jobs if job not in batched}
        batch = asyncio.create_task(self._batch(session, batched)) if batched else None
        try:
            if batch is not None:
                await asyncio.wait([batch], timeout=self.limits.budget)
                if batch.done():
                    tasks.update(self._after_batch(session, batched, batch.result(), progress))
            if tasks:
                await asyncio.wait(tasks.values(), timeout=deadline - asyncio.get_running_loop().time())
        finally:  # also when the hook call itself is cancelled: leave no task behind
            pending = [task for task in [*tasks.values(), batch] if task is not None and not task.done()]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        for key, task in tasks.items():
            progress[key].failure = _task_failure(key, task, self.limits.budget) or progress[key].failure
        if batch is not None and batch.cancelled():  # the deadline came before the batch's answer
            for job in batched:
                progress[job.key].failure = _budget_failure(self.limits.budget)
        return progress

    @staticmethod
    def _after_batch(session: FhirSession, batched: Sequence[FetchJob],
                     answers: Mapping[str, EntryAnswer] | None, progress: Mapping[str, KeyProgress]
                     ) -> dict[str, asyncio.Task[None]]:
        """Each batched key's first page taken from its entry; a task for a key with more pages, or for
        every key when there was no batch (each sends its own GET)."""
        tasks = {}
        for job in batched:
            if answers is None:
                tasks[job.key] = asyncio.create_task(session.run(job, progress[job.key]))
            elif (url := session.take_first(job, answers[job.key], progress[job.key])) is not None:
                tasks[job.key] = asyncio.create_task(session.follow(job, url, progress[job.key]))
        return tasks

    async def _batch(self, session: FhirSession, searches: Sequence[FetchJob]
                     ) -> Mapping[str, EntryAnswer] | None:
        """Each search's first page from one batch, by key; ``None``: send them one by one (batch off,
        not listed by the server, or refused by it)."""
        if self.batch_support is None:
            return None
        try:
            if not await self._takes_batch(session):
                return None
            answers = await session.batch([job.query for job in searches])
        except Exception as error:  # a bug here must not cost the chart: the searches go one by one
            log_crash("batch", error)
            return None
        if answers is None or _all_refused(answers):
            self.batch_support.remember(session.server, False)
            return None
        return {job.key: answer for job, answer in zip(searches, answers, strict=True)}

    async def _takes_batch(self, session: FhirSession) -> bool:
        """The server's CapabilityStatement lists batch: asked once per server and kept a while
        (``app.fhir.batch.CAPABILITY_SECONDS``); a server whose ``metadata`` cannot be read gets the
        searches one by one."""
        assert self.batch_support is not None
        known = self.batch_support.known(session.server)
        if known is None:
            try:
                known = lists_batch(await session.get(session.url_for("metadata")))
            except FetchFailure:
                known = False
            self.batch_support.remember(session.server, known)
        return known


def _all_refused(answers: Sequence[EntryAnswer]) -> bool:
    """Every entry refused with a 4xx (not 404/410, a read of no data; not 429, throttling): a server
    that lists batch but refuses searches inside one (some allow only writes there). Believed, that
    would leave the whole chart unchecked; sent one by one, each search gets its own answer."""
    def refused(answer: EntryAnswer) -> bool:
        status = answer.status if isinstance(answer, FetchFailure) else None
        return status is not None and 400 <= status < 500 and status not in (404, 410, 429)

    return len(answers) > 1 and all(refused(answer) for answer in answers)


def _budget_failure(budget: float) -> FetchFailure:
    return FetchFailure(f"timed out (hook budget of {budget:g} s)", "budget")


def _task_failure(key: str, task: asyncio.Task[None], budget: float) -> FetchFailure | None:
    if task.cancelled():
        return _budget_failure(budget)
    error = task.exception()
    if error is None:
        return None
    # A bug, not the server's doing: degrade to "could not check", never a 500 (CONTRACT.md §3.4).
    log_crash(key, error)
    return FetchFailure("unexpected error while fetching", "unexpected")
