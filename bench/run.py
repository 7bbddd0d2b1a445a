"""``make bench``: start the service, its floor and SEKMET on loopback, drive every scenario at each
concurrency, and write bench/RESULTS.md, bench/results.json and bench/latency.png.

Bounded: each cell (scenario x concurrency) stops at ``--requests`` requests or ``--seconds`` seconds,
whichever comes first, after a short warm-up that is not counted; the whole run takes a few minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import charts, loadgen, procs, report, tokens

BENCH = Path(__file__).resolve().parent
WORK = BENCH / ".work"
CONCURRENCY = (1, 8, 32)
ROUNDS = 4  # each service cell and its floor cell are measured in this many alternating rounds
DEADLINE = [float("inf")]  # monotonic; set from --budget by run_all
SERVICE_IDS = {"order-select": "spine-imaging-order-select", "patient-view": "spine-pathway-patient-view"}


class OutOfTime(Exception):
    """The run's wall-time budget is spent: the cells not yet measured are left out."""


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    hook: str
    chart: str | None  # None: no prefetch, every key comes from SEKMET
    floor_of: str | None = None  # set on a floor scenario: the scenario whose body it parses

    @property
    def path(self) -> str:
        return f"/cds-services/{SERVICE_IDS[self.hook]}"


SCENARIOS = (
    Scenario("select-50", "order-select, 50-resource chart", "order-select", "chart-50"),
    Scenario("select-synthea", "order-select, Synthea-sized chart", "order-select", "chart-synthea"),
    Scenario("select-fallback", "order-select, no prefetch (SEKMET)", "order-select", None),
    Scenario("patient-view-50", "patient-view, 50-resource chart", "patient-view", "chart-50"),
)
FLOORS = tuple(Scenario(f"floor/{s.key}", f"floor: {s.title}", s.hook, s.chart, floor_of=s.key)
               for s in SCENARIOS)
POSTGRES_SCENARIO = "select-50"  # on PostgreSQL: this one at c=1 and c=8, with and without tokens


@dataclass
class Cell:
    scenario: str
    concurrency: int
    requests: int
    errors: int
    statuses: dict[int, int]
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    throughput: float
    cpu_ms_per_request: float
    peak_rss_mb: float
    cards: int | None
    extra: dict[str, float] = field(default_factory=dict)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile in ms."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))] * 1000


def _cards(body: bytes) -> int | None:
    try:
        return len(json.loads(body)["cards"])
    except (ValueError, KeyError, TypeError):
        return None


@dataclass
class Sample:
    """One or more measured runs against one server, merged: what a ``Cell`` is computed from."""

    run: loadgen.Run = field(default_factory=loadgen.Run)
    cpu_seconds: float = 0.0
    also_cpu_seconds: float = 0.0
    peak_rss_mb: float = 0.0

    def add(self, run: loadgen.Run, cpu: float, also_cpu: float, peak_rss_mb: float) -> None:
        self.run.latencies += run.latencies
        for status, count in run.statuses.items():
            self.run.statuses[status] = self.run.statuses.get(status, 0) + count
        self.run.errors += run.errors
        self.run.wall += run.wall
        self.run.first_body = self.run.first_body or run.first_body
        self.cpu_seconds += cpu
        self.also_cpu_seconds += also_cpu
        self.peak_rss_mb = max(self.peak_rss_mb, peak_rss_mb)


async def warm_up(server: procs.Server, payload: loadgen.Payload, concurrency: int) -> int:
    if time.monotonic() > DEADLINE[0]:
        raise OutOfTime(server.name)
    warmup = max(concurrency * 4, 20)
    await loadgen.run(procs.HOST, server.port, payload, concurrency=concurrency, requests=warmup, seconds=5)
    return warmup


async def sample_into(sample: Sample, server: procs.Server, payload: loadgen.Payload, concurrency: int,
                      requests: int, seconds: float, also: procs.Server | None = None) -> None:
    server.reset_peak_rss()
    cpu, also_cpu = server.cpu_seconds(), also.cpu_seconds() if also else 0.0
    run = await loadgen.run(procs.HOST, server.port, payload, concurrency=concurrency, requests=requests,
                            seconds=seconds)
    also_spent = also.cpu_seconds() - also_cpu if also else 0.0
    sample.add(run, server.cpu_seconds() - cpu, also_spent, server.peak_rss_mb())


def to_cell(scenario: str, concurrency: int, sample: Sample, upstream: bool) -> Cell:
    run = sample.run
    done = max(len(run.latencies), 1)
    extra = {"upstream_cpu_ms_per_request": sample.also_cpu_seconds * 1000 / done} if upstream else {}
    return Cell(
        scenario=scenario, concurrency=concurrency, requests=len(run.latencies), errors=run.failed,
        statuses=run.statuses, p50_ms=percentile(run.latencies, 50), p95_ms=percentile(run.latencies, 95),
        p99_ms=percentile(run.latencies, 99),
        mean_ms=statistics.fmean(run.latencies) * 1000 if run.latencies else float("nan"),
        throughput=len(run.latencies) / run.wall, cpu_ms_per_request=sample.cpu_seconds * 1000 / done,
        peak_rss_mb=sample.peak_rss_mb, cards=_cards(run.first_body), extra=extra,
    )


async def measure(server: procs.Server, scenario: str, payload: loadgen.Payload, concurrency: int,
                  limits: argparse.Namespace, also: procs.Server | None = None) -> Cell:
    """One cell: a warm-up that is not counted, then up to ``limits.requests`` or ``limits.seconds``."""
    warmup = await warm_up(server, payload, concurrency)
    sample = Sample()
    await sample_into(sample, server, lambda i: payload(i + warmup), concurrency, limits.requests,
                      limits.seconds, also)
    return to_cell(scenario, concurrency, sample, also is not None)


def body_for(scenario: Scenario, sekmet_base: str) -> bytes:
    fhir_server = sekmet_base if scenario.chart is None else None
    return charts.encode(charts.hook_body(scenario.hook, scenario.chart, fhir_server))


def fixed(server: procs.Server, scenario: Scenario, body: bytes) -> loadgen.Payload:
    return _constant(loadgen.post_request(procs.HOST, server.port, scenario.path, body))


def _constant(request: bytes) -> loadgen.Payload:
    return lambda _: request


async def probe_queries(sekmet: procs.Server, limits: argparse.Namespace) -> dict[str, float]:
    """p50 (ms) of each fallback query run alone against SEKMET at concurrency 1."""
    found = {}
    path = sekmet.base.split(str(sekmet.port), 1)[1]
    for key, query in charts.fallback_queries():
        request = loadgen.get_request(procs.HOST, sekmet.port, f"{path}/{query}")
        args = argparse.Namespace(requests=min(limits.requests, 200), seconds=min(limits.seconds, 3))
        cell = await measure(sekmet, key, _constant(request), 1, args)
        found[key] = round(cell.p50_ms, 2)
    return found


async def probe_all_at_once(sekmet: procs.Server, limits: argparse.Namespace) -> float:
    """p50 (ms) of the fallback queries sent at once straight to SEKMET, one connection each, as the
    service sends them: the FHIR server's own time for what a fallback call asks (SEKMET answers them
    one after another, so this is about their sum, not the slowest one)."""
    path = sekmet.base.split(str(sekmet.port), 1)[1]
    requests = [loadgen.get_request(procs.HOST, sekmet.port, f"{path}/{query}")
                for _, query in charts.fallback_queries()]
    connections = [loadgen.Connection(procs.HOST, sekmet.port) for _ in requests]
    took: list[float] = []
    deadline = time.perf_counter() + min(limits.seconds, 3)
    try:
        while len(took) < min(limits.requests, 200) + 5 and time.perf_counter() < deadline:
            started = time.perf_counter()
            await asyncio.gather(*(c.send(r) for c, r in zip(connections, requests, strict=True)))
            took.append(time.perf_counter() - started)
    finally:
        for connection in connections:
            await connection.close()
    return round(percentile(took[5:] or took, 50), 2)  # the first few open the connections


async def probe_batch(sekmet: procs.Server, limits: argparse.Namespace) -> float:
    """p50 (ms) of the fallback queries as one batch POST straight to SEKMET at concurrency 1: the FHIR
    server's own time for what a fallback call sends it when it takes a batch."""
    from app.fhir.batch import batch_request

    path = sekmet.base.split(str(sekmet.port), 1)[1]
    body = batch_request([query for _, query in charts.fallback_queries()])
    request = loadgen.post_request(procs.HOST, sekmet.port, path, body)
    args = argparse.Namespace(requests=min(limits.requests, 200), seconds=min(limits.seconds, 3))
    return round((await measure(sekmet, report.ONE_BATCH, _constant(request), 1, args)).p50_ms, 2)


def fhir_requests(service: procs.Server) -> dict[str, float]:
    """The service's FHIR requests by method and its fallback rounds so far, from its ``/metrics``."""
    text = httpx.get(f"http://{procs.HOST}:{service.port}/metrics", timeout=10).text
    found: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("spine_cds_fhir_requests_total{"):
            found[line.split('method="', 1)[1].split('"', 1)[0]] = float(line.rsplit(" ", 1)[1])
        elif line.startswith("spine_cds_fhir_fallback_seconds_count"):
            found["rounds"] = float(line.rsplit(" ", 1)[1])
    return found


def round_trips(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """FHIR requests per fallback call between two ``fhir_requests`` readings, by method and in all."""
    rounds = after.get("rounds", 0.0) - before.get("rounds", 0.0)
    if rounds <= 0:
        return {}
    per_call = {method: round((after[method] - before.get(method, 0.0)) / rounds, 3)
                for method in after if method != "rounds"}
    return {**per_call, "all": round(sum(per_call.values()), 3), "calls": rounds}


async def run_all(limits: argparse.Namespace) -> dict[str, Any]:
    WORK.mkdir(parents=True, exist_ok=True)
    for stale in WORK.glob("*.db*"):  # each run starts on an empty database, as the first run did
        stale.unlink()
    started, load_before = time.time(), os.getloadavg()
    DEADLINE[0] = time.monotonic() + limits.budget
    servers: list[procs.Server] = []
    try:
        sekmet = procs.sekmet(WORK)
        servers.append(sekmet)
        procs.load_bundle(sekmet.base, charts.sekmet_bundle())
        trust = None if limits.skip_auth else tokens.trust_file(WORK / "dev-client")
        port = procs.free_port()
        env = procs.service_env(WORK, port, trust_file=trust)
        service = procs.uvicorn("service", "app.main:app", WORK, env, "/healthz", port)
        servers.append(service)
        floor = procs.uvicorn("floor", "bench.floor:app", WORK, {}, "/healthz", procs.free_port())
        servers.append(floor)
        cells: list[Cell] = []
        queries: dict[str, float] = {}
        postgres: list[Cell] = []
        trips: dict[str, float] = {}
        try:  # PostgreSQL first: the Synthea-sized cells are the ones a spent budget should cut
            if not limits.skip_postgres:
                await postgres_cells(sekmet, trust, limits, postgres)
            await _grid(service, floor, sekmet, limits, cells, queries, trips)
            queries = queries or await probe_queries(sekmet, limits)
        except OutOfTime as out:
            print(f"budget of {limits.budget:g} s spent at {out}: the remaining cells are left out")
    finally:
        for server in reversed(servers):
            server.stop()
    bodies = {s.key: len(body_for(s, "http://127.0.0.1:1/fhir")) for s in SCENARIOS}
    return {"cells": [asdict(c) for c in [*cells, *postgres]], "fallback_queries": queries,
            "fallback_round_trips": trips,
            "seconds": round(time.time() - started, 1), "limits": vars(limits), "body_bytes": bodies,
            "load_average": {"before": load_before, "after": os.getloadavg()},
            "finished": time.strftime("%Y-%m-%d %H:%M", time.gmtime())}


async def _grid(service: procs.Server, floor: procs.Server, sekmet: procs.Server,
                limits: argparse.Namespace, cells: list[Cell], queries: dict[str, float],
                trips: dict[str, float]) -> None:
    """Every scenario at every concurrency, each beside its floor. The fallback's single FHIR queries are
    probed just before the fallback cells, so its target compares figures taken in the same minute; the
    service's FHIR requests per fallback call are read from its metrics around those cells."""
    measured: list[tuple[int, Cell]] = []
    for index, (scenario, floor_scenario) in enumerate(zip(SCENARIOS, FLOORS, strict=True)):
        if limits.only and not any(scenario.key.endswith(k) for k in limits.only):
            continue
        upstream = sekmet if scenario.chart is None else None
        if upstream is not None:
            await _probe_sekmet(sekmet, limits, queries)
        body = body_for(scenario, sekmet.base)
        before = fhir_requests(service) if upstream is not None else {}
        for concurrency in limits.concurrency:
            targets = [*service_targets(service, scenario, body, concurrency, limits, upstream),
                       Target(floor_scenario.key, floor, fixed(floor, floor_scenario, body), None)]
            found = await side_by_side(targets, concurrency, limits)
            orders = [index * 10 + n for n in range(len(found) - 1)] + [1000 + index]
            for order, cell in zip(orders, found, strict=True):
                _say(cell)
                measured.append((order, cell))
        if upstream is not None:
            trips.update(round_trips(before, fhir_requests(service)))
            print(f"FHIR requests per fallback call: {trips}", flush=True)
    cells.extend(cell for _, cell in sorted(measured, key=lambda pair: pair[0]))  # service rows, then floors


@dataclass(frozen=True)
class Target:
    key: str
    server: procs.Server
    payload: loadgen.Payload
    also: procs.Server | None  # SEKMET, whose CPU is counted beside the service's


def service_targets(service: procs.Server, scenario: Scenario, body: bytes, concurrency: int,
                    limits: argparse.Namespace, upstream: procs.Server | None,
                    prefix: str = "") -> list[Target]:
    """The call without a token, then with a fresh ES384 and a fresh RS384 token per request."""
    found = [Target(prefix + scenario.key, service, fixed(service, scenario, body), upstream)]
    if limits.skip_auth:
        return found
    count = limits.requests + max(concurrency * 4, 20) + ROUNDS * concurrency
    for alg in tokens.ALGORITHMS:
        payload = tokens.minted_payloads(WORK / "dev-client", service.port, scenario.path, body, count, alg)
        found.append(Target(f"{prefix}{scenario.key}+{alg}", service, payload, upstream))
    return found


async def side_by_side(targets: list[Target], concurrency: int, limits: argparse.Namespace) -> list[Cell]:
    """Cells with the same body and concurrency (the service without and with tokens, the floor),
    measured in ``ROUNDS`` alternating rounds (a, b, c, a, b, c …) that share the cell's request and time
    caps: the ratios then compare them over the same minute, on a machine whose speed drifts (a shared
    VM), not measurements minutes apart."""
    for target in targets:
        await warm_up(target.server, target.payload, concurrency)
    samples = [Sample() for _ in targets]
    for _ in range(ROUNDS):
        for target, sample in zip(targets, samples, strict=True):
            await sample_into(sample, target.server, target.payload, concurrency,
                              max(1, limits.requests // ROUNDS), limits.seconds / ROUNDS, target.also)
    return [to_cell(t.key, concurrency, sample, t.also is not None)
            for t, sample in zip(targets, samples, strict=True)]


async def _probe_sekmet(sekmet: procs.Server, limits: argparse.Namespace, queries: dict[str, float]) -> None:
    single = await probe_queries(sekmet, limits)
    together = await probe_all_at_once(sekmet, limits)
    batch = await probe_batch(sekmet, limits)
    queries.update(single)
    queries[report.ALL_AT_ONCE] = together
    queries[report.ONE_BATCH] = batch
    print(f"SEKMET alone: slowest single query p50 {max(single.values()):.2f} ms, all at once "
          f"{together:.2f} ms, as one batch {batch:.2f} ms", flush=True)


async def postgres_cells(sekmet: procs.Server, trust: Path | None, limits: argparse.Namespace,
                         cells: list[Cell]) -> None:
    """The 50-resource call on a service whose database (feedback, audit, ``jti`` records) is PostgreSQL
    on loopback, as a multi-replica site runs it: without and with tokens, side by side."""
    with procs.postgres() as url:
        if url is None:
            print("PostgreSQL server binaries absent: the PostgreSQL cells are left out")
            return
        port = procs.free_port()
        env = procs.service_env(WORK, port, trust_file=trust, database_url=url)
        service = procs.uvicorn("service-pg", "app.main:app", WORK, env, "/healthz", port)
        try:
            await _postgres_grid(service, sekmet, limits, cells)
        finally:
            service.stop()


async def _postgres_grid(service: procs.Server, sekmet: procs.Server, limits: argparse.Namespace,
                         cells: list[Cell]) -> None:
    scenario = next(s for s in SCENARIOS if s.key == POSTGRES_SCENARIO)
    body = body_for(scenario, sekmet.base)
    for concurrency in [c for c in limits.concurrency if c <= 8]:
        targets = service_targets(service, scenario, body, concurrency, limits, None, prefix="pg/")
        for cell in await side_by_side(targets, concurrency, limits):
            _say(cell)
            cells.append(cell)


def _say(cell: Cell) -> None:
    print(f"{cell.scenario:26} c={cell.concurrency:<3} n={cell.requests:<5} err={cell.errors:<3} "
          f"p50={cell.p50_ms:7.2f} p99={cell.p99_ms:7.2f} ms  {cell.throughput:7.1f} req/s  "
          f"cpu={cell.cpu_ms_per_request:6.2f} ms/req  rss={cell.peak_rss_mb:6.1f} MB", flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--requests", type=int, default=2000, help="cap per cell (default 2000)")
    parser.add_argument("--seconds", type=float, default=8.0, help="wall-time cap per cell (default 8)")
    parser.add_argument("--budget", type=float, default=720.0,
                        help="wall-time cap for the whole run (s); later cells are skipped (default 720)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=list(CONCURRENCY))
    parser.add_argument("--only", nargs="+", default=[], help="scenario keys to run (floors follow)")
    parser.add_argument("--skip-auth", action="store_true", help="no cells with a JWT per request")
    parser.add_argument("--skip-postgres", action="store_true", help="no cells on PostgreSQL")
    parser.add_argument("--no-write", action="store_true", help="print only; keep RESULTS.md as it is")
    parser.add_argument("--merge", action="store_true",
                        help="with --only: replace only the cells run (and the fallback probes) in "
                             "results.json, keep the rest, and say so in RESULTS.md")
    return parser


def merged(previous: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``previous`` with the cells of the scenarios in ``new`` (and its fallback probes, when it ran the
    fallback) replaced, and a note of the partial run; the rest of ``previous`` is kept as measured."""
    ran = {cell["scenario"] for cell in new["cells"]}
    fresh = {(c["scenario"], c["concurrency"]): c for c in new["cells"]}
    cells = [fresh.pop((c["scenario"], c["concurrency"]), c) for c in previous["cells"]]  # in place
    cells = [c for c in cells if c["scenario"] not in ran or c in new["cells"]] + list(fresh.values())
    note = {"command": new["command"], "finished": new["finished"], "seconds": new["seconds"],
            "scenarios": sorted(ran), "load_average": new["load_average"]}
    result = {**previous, "cells": cells, "merged": [*previous.get("merged", []), note]}
    if new.get("fallback_queries"):
        result["fallback_queries"] = new["fallback_queries"]
        result["fallback_round_trips"] = new.get("fallback_round_trips", {})
    return result


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    limits = _parser().parse_args(args)
    if os.getloadavg()[0] > 0.5:
        print(f"note: load average {os.getloadavg()[0]:.2f} before the run; other work skews the figures")
    results = asyncio.run(run_all(limits))
    results["command"] = "python -m bench " + " ".join(args) if args else "make bench"
    if not limits.no_write:
        if limits.merge:
            results = merged(json.loads((BENCH / "results.json").read_text()), results)
        (BENCH / "results.json").write_text(json.dumps(results, indent=1) + "\n")
        report.write(results, BENCH)
        print(f"wrote {BENCH / 'RESULTS.md'} and {BENCH / 'latency.png'} ({results['seconds']} s)")
    shutil.rmtree(WORK / "sekmet", ignore_errors=True)
    return 0
