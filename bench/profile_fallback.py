"""Where the service's CPU goes in a fallback call: ``python -m bench.profile_fallback [calls]``.

Starts SEKMET on loopback with the bench's 50-resource chart, builds the app in this process and calls
order-select without prefetch through ``httpx.ASGITransport`` under cProfile, then prints the functions
with the most own and cumulative time. The in-process client's own cost (ASGITransport) is in the figures:
read the service's parts (``app/``, httpx's request path to SEKMET, JSON) against the total per call.
"""

from __future__ import annotations

import asyncio
import cProfile
import os
import pstats
import shutil
import sys
import time
from pathlib import Path

import httpx

from bench import charts, procs

WORK = Path(__file__).resolve().parent / ".work"


async def _calls(base: str, count: int, batch: bool) -> float:
    from app.main import create_app
    from app.settings import Settings

    os.environ["SPINE_CDS_FHIR_BATCH"] = "true" if batch else "false"
    settings = Settings(profile="development", auth_required=False,
                        database_url=f"sqlite:///{WORK / 'profile.db'}")
    app = create_app(settings)
    body = charts.encode(charts.hook_body("order-select", None, base))
    path = "/cds-services/spine-imaging-order-select"
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8080") as http:
            for _ in range(20):  # warm-up: connections, caches, the capability lookup
                (await http.post(path, content=body, headers={"Content-Type": "application/json"})
                 ).raise_for_status()
            profile = cProfile.Profile(time.process_time)  # CPU, not the wait for SEKMET
            started = time.process_time()
            profile.enable()
            for _ in range(count):
                await http.post(path, content=body, headers={"Content-Type": "application/json"})
            profile.disable()
            spent = time.process_time() - started
    profile.dump_stats(WORK / f"fallback-{'batch' if batch else 'searches'}.pstats")
    stats = pstats.Stats(profile).strip_dirs()
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(45)
    return spent * 1000 / count


def main(argv: list[str]) -> int:
    count = int(argv[0]) if argv else 300
    batch = "--no-batch" not in argv
    WORK.mkdir(parents=True, exist_ok=True)
    sekmet = procs.sekmet(WORK)
    try:
        procs.load_bundle(sekmet.base, charts.sekmet_bundle())
        per_call = asyncio.run(_calls(sekmet.base, count, batch))
    finally:
        sekmet.stop()
        shutil.rmtree(WORK / "sekmet", ignore_errors=True)
    print(f"this process's CPU per call (profiler on, ASGI client included): {per_call:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
