"""Evaluate a large hook call in a worker thread, so that one big chart cannot stall the event loop.

A 4 MB chart (~12,000 resources) costs ~100 ms of pure Python to read and decide; on the event loop that
is 100 ms during which no other call, nor ``/healthz``, is answered. In a worker thread the interpreter
hands the loop the GIL every few milliseconds (``sys.getswitchinterval``), so the others wait that long
instead. The thread runs the same ``handle_hook`` on an event loop of its own; what must stay on the
app's loop is sent back to it: the FHIR fetches (the HTTP pool belongs to that loop) and the outcome
observers (the audit writer's queue is not thread-safe). Small calls stay on the loop: the thread hop
and a new loop cost ~0.3 ms, more than reading a 50-resource chart.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import anyio

from app.hooks.handlers import HookCall, handle_hook
from app.hooks.runtime import Runtime
from app.observability.outcome import HookOutcome, OutcomeObserver, notify


async def handle_hook_in_thread(call: HookCall, runtime: Runtime) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    fetcher = _FetchOnLoop(runtime.fetcher, loop) if runtime.fetcher is not None else None
    observers = tuple(_ObserveOnLoop(observer, loop) for observer in runtime.observers)
    offloaded = replace(runtime, fetcher=fetcher, observers=observers)
    response: dict[str, Any] = await anyio.to_thread.run_sync(asyncio.run, handle_hook(call, offloaded))
    return response


class _FetchOnLoop:
    """The app's fetcher, run on the app's loop. It forwards whatever the fetcher is asked (its
    signature belongs to ``app.fhir.prefetch``), so this module need not follow its changes."""

    def __init__(self, fetcher: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._fetcher, self._loop = fetcher, loop

    async def fetch(self, *args: Any, **kwargs: Any) -> Any:
        running = asyncio.run_coroutine_threadsafe(self._fetcher.fetch(*args, **kwargs), self._loop)
        return await asyncio.wrap_future(running)


class _ObserveOnLoop:
    def __init__(self, observer: OutcomeObserver, loop: asyncio.AbstractEventLoop) -> None:
        self._observer, self._loop = observer, loop

    def observe(self, outcome: HookOutcome) -> None:
        self._loop.call_soon_threadsafe(notify, (self._observer,), outcome)  # a failure logged by type
