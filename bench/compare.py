"""``python -m bench.compare OTHER_CHECKOUT``: this working copy against another, side by side.

For a change whose gain is smaller than the machine's drift between two ``make bench`` runs. Both builds
run as services at once (each a single uvicorn process from its own checkout and ``.venv``, sharing one
database: PostgreSQL on loopback, or SQLite files with ``--sqlite``), and the 50-resource order-select is
measured on both in alternating rounds — without a token, with a fresh ES384 and a fresh RS384 token per
request — so every figure compares the same minute. Prints the cells and, per build, what a token adds
over that build's own call without one. With ``--fallback`` the call carries no prefetch: both builds
read the chart from one SEKMET on loopback, and the service CPU per call is the figure to compare (the
fallback target: at most 4 ms with a token). Writes nothing. Make the other checkout with
``git worktree add --detach ../before <commit> && make -C ../before .venv/.installed-stamp``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

from bench import charts, procs, run, tokens


async def compare(other: Path, limits: argparse.Namespace) -> None:
    run.WORK.mkdir(parents=True, exist_ok=True)
    run.DEADLINE[0] = time.monotonic() + limits.budget
    trust = tokens.trust_file(run.WORK / "dev-client")
    with _database(limits.sqlite) as url, contextlib.ExitStack() as servers:
        fhir_base = "http://127.0.0.1:1/fhir"  # the chart is in the prefetch
        if limits.fallback:
            sekmet = procs.sekmet(run.WORK)
            servers.callback(sekmet.stop)
            procs.load_bundle(sekmet.base, charts.sekmet_bundle())
            fhir_base = sekmet.base
        builds = []
        for name, checkout in (("other", other), ("this", None)):
            port = procs.free_port()
            env = procs.service_env(run.WORK, port, trust_file=trust,
                                    database_url=url or f"sqlite:///{run.WORK / name}-compare.db")
            server = procs.uvicorn(f"compare-{name}", "app.main:app", run.WORK, env, "/healthz", port,
                                   checkout)
            servers.callback(server.stop)
            builds.append((name, server))
        for concurrency in limits.concurrency:
            await _compare_at(builds, concurrency, limits, fhir_base)


async def _compare_at(builds: list[tuple[str, procs.Server]], concurrency: int,
                      limits: argparse.Namespace, fhir_base: str) -> None:
    key = "select-fallback" if limits.fallback else run.POSTGRES_SCENARIO
    scenario = next(s for s in run.SCENARIOS if s.key == key)
    body = run.body_for(scenario, fhir_base)
    targets = [target for name, server in builds
               for target in run.service_targets(server, scenario, body, concurrency, limits, None,
                                                 prefix=f"{name}/")]
    cells = {cell.scenario: cell for cell in await run.side_by_side(targets, concurrency, limits)}
    for cell in cells.values():
        run._say(cell)
    for name, _ in builds:
        without = cells[f"{name}/{scenario.key}"]
        for alg in tokens.ALGORITHMS:
            signed = cells[f"{name}/{scenario.key}+{alg}"]
            print(f"  {name:5} c={concurrency} {alg}: p50 {signed.p50_ms - without.p50_ms:+.2f} ms, "
                  f"CPU {signed.cpu_ms_per_request - without.cpu_ms_per_request:+.2f} ms/req, "
                  f"{signed.throughput / without.throughput:.0%} of the throughput, "
                  f"p99 {signed.p99_ms:.1f} ms", flush=True)


@contextlib.contextmanager
def _database(sqlite: bool) -> Iterator[str | None]:
    """PostgreSQL's URL, or None: each build then gets a SQLite file of its own."""
    if sqlite:
        for stale in run.WORK.glob("*-compare.db*"):
            stale.unlink()
        yield None
        return
    with procs.postgres() as url:
        if url is None:
            raise SystemExit("PostgreSQL server binaries absent: run with --sqlite")
        yield url


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("other", type=Path, help="the other checkout (with its own .venv)")
    parser.add_argument("--sqlite", action="store_true", help="SQLite files instead of PostgreSQL")
    parser.add_argument("--requests", type=int, default=2000, help="cap per cell (default 2000)")
    parser.add_argument("--seconds", type=float, default=8.0, help="wall-time cap per cell (default 8)")
    parser.add_argument("--budget", type=float, default=600.0, help="wall-time cap for the run (s)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--fallback", action="store_true",
                        help="no prefetch: both builds read the chart from one SEKMET on loopback")
    return parser


def main() -> None:
    limits = _parser().parse_args()
    limits.skip_auth = False
    other = limits.other.resolve()
    if not (other / ".venv" / "bin" / "python").exists():
        raise SystemExit(f"{other} has no .venv: run `make .venv/.installed-stamp` there first")
    asyncio.run(compare(other, limits))


if __name__ == "__main__":
    main()
