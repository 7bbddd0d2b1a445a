"""bench/RESULTS.md (the table, the speed targets, the machine and versions, the command) and
bench/latency.png (latency and throughput against concurrency)."""

from __future__ import annotations

import os
import platform
import subprocess
from collections.abc import Iterable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = ("fastapi", "starlette", "pydantic", "pydantic-core", "uvicorn", "uvloop", "httptools", "httpx",
            "orjson", "sekmet-fhir")
TITLES = {
    "select-50": "order-select, 50 resources",
    "select-synthea": "order-select, Synthea-sized",
    "select-fallback": "order-select, no prefetch → SEKMET",
    "patient-view-50": "patient-view, 50 resources",
}
DATABASES = {"": "SQLite", "pg/": "PostgreSQL"}
# The token path's targets: c=1 p50 over the same call without a token, by algorithm; at c=8 the share of
# its throughput kept and the p99 bound.
TOKEN_P50_ALLOWANCE_MS = {"ES384": 0.8, "RS384": 0.3}
TOKEN_THROUGHPUT_SHARE, TOKEN_P99_MS = 0.7, 50.0
Cells = list[dict[str, Any]]


def cell(cells: Cells, scenario: str, concurrency: int) -> dict[str, Any] | None:
    return next((c for c in cells if c["scenario"] == scenario and c["concurrency"] == concurrency), None)


def parts(scenario: str) -> tuple[str, str, str | None]:
    """(database prefix, scenario, token algorithm) of a cell key such as ``pg/select-50+ES384``."""
    prefix = next((p for p in DATABASES if p and scenario.startswith(p)), "")
    base, _, alg = scenario.removeprefix(prefix).partition("+")
    return prefix, base, alg or None


def _floor_of(cells: Cells, c: dict[str, Any]) -> dict[str, Any] | None:
    _, key, _ = parts(c["scenario"])
    return None if key.startswith("floor/") else cell(cells, f"floor/{key}", c["concurrency"])


def _ratio(a: float, b: float | None) -> str:
    return f"{a / b:.2f}" if b else "–"


def table(cells: Cells) -> Iterable[str]:
    yield ("| scenario | conc. | requests | errors | cards | p50 ms | p95 ms | p99 ms | req/s | CPU ms/req | "
           "peak RSS MB | p50 ÷ floor | req/s ÷ floor |")
    yield "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
    for c in cells:
        floor = _floor_of(cells, c)
        p50, rate = (floor["p50_ms"], floor["throughput"]) if floor else (None, None)
        yield (f"| {title(c['scenario'])} | {c['concurrency']} | {c['requests']} | {c['errors']} | "
               f"{c['cards']} | {c['p50_ms']:.2f} | {c['p95_ms']:.2f} | {c['p99_ms']:.2f} | "
               f"{c['throughput']:.0f} | {c['cpu_ms_per_request']:.2f} | {c['peak_rss_mb']:.0f} | "
               f"{_ratio(c['p50_ms'], p50)} | {_ratio(c['throughput'], rate)} |")


def title(scenario: str) -> str:
    prefix, key, alg = parts(scenario)
    floor = key.removeprefix("floor/")
    name = TITLES.get(key) or "floor: " + TITLES.get(floor, floor)
    return name + (f", {alg} JWT" if alg else "") + (f" ({DATABASES[prefix]})" if prefix else "")


def targets(results: dict[str, Any]) -> Iterable[tuple[str, str, bool | None]]:
    """(target, measured, met) for each latency target; ``None`` when the cell was not run."""
    cells: Cells = results["cells"]
    one, eight = cell(cells, "select-50", 1), cell(cells, "select-50", 8)
    floor1, floor8 = cell(cells, "floor/select-50", 1), cell(cells, "floor/select-50", 8)
    synthea, fallback = cell(cells, "select-synthea", 1), cell(cells, "select-fallback", 1)
    if one and floor1:
        yield "50-resource order-select, c=1: p50 ≤ 5 ms", f"{one['p50_ms']:.2f} ms", one["p50_ms"] <= 5
        ratio = one["p50_ms"] / floor1["p50_ms"]
        yield "… and p50 ≤ 3 × the floor's p50", f"{ratio:.2f} × ({floor1['p50_ms']:.2f} ms)", ratio <= 3
    if eight and floor8:
        yield "50-resource order-select, c=8: ≥ 300 req/s", f"{eight['throughput']:.0f} req/s", \
            eight["throughput"] >= 300
        ratio = eight["throughput"] / floor8["throughput"]
        yield "… and ≥ ⅓ of the floor's throughput", f"{ratio:.2f} ({floor8['throughput']:.0f} req/s)", \
            ratio >= 1 / 3
        yield "… p99 ≤ 50 ms", f"{eight['p99_ms']:.2f} ms", eight["p99_ms"] <= 50
        yield "… no errors", f"{eight['errors']} errors in {eight['requests']}", eight["errors"] == 0
    if synthea:
        yield "Synthea-sized order-select, c=1: p50 ≤ 40 ms", f"{synthea['p50_ms']:.2f} ms", \
            synthea["p50_ms"] <= 40
    probes = results.get("fallback_queries") or {}
    queries = _single_queries(results)
    if fallback and queries:
        p50 = fallback["p50_ms"]
        yield _within("Fallback, c=1: p50 ≈ slowest single FHIR query", p50, max(queries.values()))
        yield _within("… (SEKMET is one process: it answers them one after another) the queries sent at once "
                      "straight to SEKMET", p50, probes.get(ALL_AT_ONCE))
        yield _within("… the queries as one batch straight to SEKMET", p50, probes.get(ONE_BATCH))
        yield _within("… the sum of the queries run alone", p50, sum(queries.values()))
        yield (f"… service CPU per call ≤ {FALLBACK_CPU_MS:g} ms", f"{fallback['cpu_ms_per_request']:.2f} ms",
               fallback["cpu_ms_per_request"] <= FALLBACK_CPU_MS)

    yield from token_targets(cells)


def _within(target: str, p50: float, reference: float | None) -> tuple[str, str, bool | None]:
    """The fallback's p50 against a SEKMET figure plus the service's allowance; ``None``: not probed."""
    if reference is None:
        return f"{target} + {FALLBACK_ALLOWANCE_MS} ms", "not probed", None
    allowance = FALLBACK_ALLOWANCE_MS
    return f"{target} + {allowance} ms", f"{p50:.2f} ms vs {reference:.2f} + {allowance} ms", \
        p50 <= reference + allowance


def token_targets(cells: Cells) -> Iterable[tuple[str, str, bool | None]]:
    """Each token cell against the same call without a token, measured side by side in the same run."""
    for prefix, database in DATABASES.items():
        for alg, allowance in TOKEN_P50_ALLOWANCE_MS.items():
            plain, signed = cell(cells, f"{prefix}select-50", 1), cell(cells, f"{prefix}select-50+{alg}", 1)
            if plain and signed:
                yield (f"{database}, {alg} token, c=1: p50 ≤ without a token + {allowance} ms",
                       f"{signed['p50_ms']:.2f} ms vs {plain['p50_ms']:.2f} + {allowance}",
                       signed["p50_ms"] <= plain["p50_ms"] + allowance)
            plain, signed = cell(cells, f"{prefix}select-50", 8), cell(cells, f"{prefix}select-50+{alg}", 8)
            if plain and signed:
                share = signed["throughput"] / plain["throughput"]
                yield (f"… c=8: ≥ {TOKEN_THROUGHPUT_SHARE:.0%} of the throughput without a token, p99 ≤ "
                       f"{TOKEN_P99_MS:.0f} ms, no errors",
                       f"{share:.0%} ({signed['throughput']:.0f} of {plain['throughput']:.0f} req/s), p99 "
                       f"{signed['p99_ms']:.2f} ms, {signed['errors']} errors",
                       share >= TOKEN_THROUGHPUT_SHARE and signed["p99_ms"] <= TOKEN_P99_MS
                       and signed["errors"] == 0)


ALL_AT_ONCE = "all at once"
ONE_BATCH = "one batch"
FALLBACK_ALLOWANCE_MS = 5  # the service's own share of a fallback call's p50, over SEKMET's time
FALLBACK_CPU_MS = 4.0


def _single_queries(results: dict[str, Any]) -> dict[str, float]:
    return {key: ms for key, ms in (results.get("fallback_queries") or {}).items()
            if key not in (ALL_AT_ONCE, ONE_BATCH)}


def machine() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    memory = next((int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), 0)
    versions = ", ".join(f"{name} {_version(name)}" for name in PACKAGES)
    return [
        f"- CPU: {cpu}, {os.cpu_count()} logical cores; {memory / 1024:.1f} GiB RAM",
        f"- OS: {platform.system()} {platform.release()}; Python {platform.python_version()}",
        f"- Packages: {versions}",
        f"- Code: commit {_git('rev-parse', '--short', 'HEAD')}"
        f"{' (with uncommitted changes)' if _git('status', '--porcelain', 'app') else ''}",
    ]


def _merges(results: dict[str, Any]) -> list[str]:
    """Cells measured by a later partial run (``--merge``) replace the first run's: say which, and when."""
    return [f"Cells {', '.join(f'`{name}`' for name in note['scenarios'])} (and the fallback probes) come "
            f"from a later `{note['command']}` on {note['finished']} UTC, load average "
            f"{note['load_average']['before'][0]:.2f} before it.\n"
            for note in results.get("merged", [])]


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], capture_output=True, text=True, check=False,
                              cwd=Path(__file__).parent).stdout.strip()
    except OSError:
        return "?"


def markdown(results: dict[str, Any]) -> str:
    cells: Cells = results["cells"]
    finished = results.get("finished") or f"{datetime.now(UTC):%Y-%m-%d %H:%M}"
    lines = [
        "# Benchmark results",
        "",
        f"Written by `{results['command']}` on {finished} UTC in "
        f"{results['seconds']:.0f} s. How to read and rerun it: "
        "[docs/performance.md](../docs/performance.md).",
        "",
        *_merges(results),
        "![p50 and p99 latency, and throughput, against concurrency](latency.png)",
        "",
        "## Targets",
        "",
        "| target | measured | met |",
        "|---|---|---|",
        *(f"| {name} | {value} | {'yes' if met else 'no' if met is not None else '–'} |"
          for name, value, met in targets(results)),
        "",
        "## All cells",
        "",
        *table(cells),
        "",
        "Latency is measured by the load generator from the first byte sent to the last byte read. "
        "*CPU ms/req* is the service process's user + system CPU over the measured requests (the load "
        "generator's own CPU is not in it); *peak RSS* is the process's high-water mark during the cell. "
        "*÷ floor* compares with the floor's cell at the same concurrency and with the same request body.",
        "",
        *errors_lines(cells),
        *fallback_section(results),
        *auth_section(results),
        "## Setup",
        "",
        *setup_lines(results),
        "",
        "## Machine and versions",
        "",
        *machine(),
        "",
    ]
    return "\n".join(lines)


def errors_lines(cells: Cells) -> Iterable[str]:
    """Which answers were not 200, so an error count is never a mystery."""
    for c in cells:
        other = {status: n for status, n in c["statuses"].items() if str(status) != "200"}
        transport = c["errors"] - sum(other.values())
        if other or transport:
            found = [f"{n} × HTTP {status}" for status, n in sorted(other.items())]
            found += [f"{transport} transport errors"] if transport else []
            yield f"- {title(c['scenario'])}, c={c['concurrency']}: {', '.join(found)}."
    yield ""


def fallback_section(results: dict[str, Any]) -> Iterable[str]:
    queries = _single_queries(results)
    together = (results.get("fallback_queries") or {}).get(ALL_AT_ONCE)
    if not queries:
        return
    yield "## Fallback: the template FHIR queries alone"
    yield ""
    yield ("Each template query run alone against SEKMET at concurrency 1, just before the fallback cells "
           "(p50, ms):")
    yield ""
    yield "| " + " | ".join(queries) + " | slowest | sum |"
    yield "|" + "--:|" * (len(queries) + 2)
    yield "| " + " | ".join(f"{v:.2f}" for v in queries.values()) + \
        f" | {max(queries.values()):.2f} | {sum(queries.values()):.2f} |"
    yield ""
    if together is not None:
        yield (f"The queries sent at once, one connection each, as a fallback call sent them before the "
               f"batch: p50 {together:.2f} ms until the last answer.")
        yield ""
    batch = (results.get("fallback_queries") or {}).get(ONE_BATCH)
    if batch is not None:
        yield (f"The same queries as one FHIR batch (`POST [base]`, a GET entry each), as a fallback call "
               f"sends them to a server that lists batch: p50 {batch:.2f} ms.")
        yield ""
    yield from _fallback_table(results, together)


def _round_trips(results: dict[str, Any]) -> str:
    trips = results.get("fallback_round_trips") or {}
    if not trips:
        return "The service's FHIR requests per call were not read in this run."
    methods = ", ".join(f"{trips[m]:g} {m}" for m in sorted(trips) if m not in ("all", "calls"))
    return (f"FHIR round trips per fallback call, read from the service's `spine_cds_fhir_requests_total` "
            f"over the {trips['calls']:.0f} calls of these cells (warm-ups included): {trips['all']:g} "
            f"({methods}; the one GET per server every 10 minutes is the CapabilityStatement).")


def _fallback_table(results: dict[str, Any], together: float | None) -> Iterable[str]:
    """The fallback cells without and with a token: the service's CPU per call against its target
    (≤ 4 ms), p50 against SEKMET's own time for the searches sent at once (+ 5 ms)."""
    rows = [c for c in results["cells"] if parts(c["scenario"])[1] == "select-fallback"]
    yield _round_trips(results)
    yield ""
    yield (f"| call | conc. | p50 ms | p50 ≤ at once + {FALLBACK_ALLOWANCE_MS} ms | service CPU ms/call | "
           f"≤ {FALLBACK_CPU_MS:g} ms | SEKMET CPU ms/call |")
    yield "|---|--:|--:|---|--:|---|--:|"
    for c in rows:
        upstream = c.get("extra", {}).get("upstream_cpu_ms_per_request", float("nan"))
        p50_met = "–" if together is None or c["concurrency"] != 1 else \
            ("yes" if c["p50_ms"] <= together + FALLBACK_ALLOWANCE_MS else "no")
        cpu_met = "yes" if c["cpu_ms_per_request"] <= FALLBACK_CPU_MS else "no"
        yield (f"| {title(c['scenario'])} | {c['concurrency']} | {c['p50_ms']:.2f} | {p50_met} | "
               f"{c['cpu_ms_per_request']:.2f} | {cpu_met} | {upstream:.2f} |")
    yield ""


def auth_section(results: dict[str, Any]) -> Iterable[str]:
    cells: Cells = results["cells"]
    rows = [(cell(cells, prefix + base, c["concurrency"]), c) for c in cells
            for prefix, base, alg in [parts(c["scenario"])] if alg]
    if not rows:
        return
    yield "## The cost of a signed token"
    yield ""
    yield ("Each call with a token carries a fresh JWT (new `jti`): signature verified, claims checked, "
           "`jti` recorded in the service database. The same process answers the call without a token in "
           "alternating rounds of the same minute, so each row compares like with like:")
    yield ""
    yield ("| call | conc. | p50 ms without → with | p99 ms with | CPU ms/req without → with | "
           "req/s without → with |")
    yield "|---|--:|--:|--:|--:|--:|"
    for plain, signed in rows:
        if plain is None:
            continue
        p50 = plain["p50_ms"], signed["p50_ms"]
        cpu = plain["cpu_ms_per_request"], signed["cpu_ms_per_request"]
        yield (f"| {title(signed['scenario'])} | {signed['concurrency']} | {p50[0]:.2f} → {p50[1]:.2f} "
               f"({p50[1] - p50[0]:+.2f}) | {signed['p99_ms']:.2f} | {cpu[0]:.2f} → {cpu[1]:.2f} "
               f"({cpu[1] - cpu[0]:+.2f}) | {plain['throughput']:.0f} → {signed['throughput']:.0f} "
               f"({signed['throughput'] / plain['throughput']:.0%}) |")
    yield ""


def setup_lines(results: dict[str, Any]) -> list[str]:
    limits, load = results["limits"], results["load_average"]
    sizes = "; ".join(f"{TITLES[key]}: {size / 1000:.0f} kB" for key, size in results["body_bytes"].items())
    return [
        "- Service: `uvicorn app.main:app --workers 1 --log-level warning --no-access-log` (no reload), "
        "`SPINE_CDS_PROFILE=development`, `SPINE_CDS_AUTH_REQUIRED=false` with a trust file: a call "
        "without a "
        "token is served anonymously, a call with one is verified in full (signature, claims, `jti` "
        "recorded) exactly as when tokens are required, so one process serves both side by side; "
        "`SPINE_CDS_PER_CLIENT_CONCURRENCY=64` (the default 16 would answer 429 at concurrency 32), "
        "`SPINE_CDS_LOG_LEVEL=WARNING` (no per-call INFO line), SQLite; metrics and the audit trail on "
        "(their defaults); a second service process uses PostgreSQL (fsync on) on loopback for the "
        "`PostgreSQL` rows.",
        "- Floor: `bench/floor.py`, a bare FastAPI endpoint on the same path in the same uvicorn setup that "
        "parses the same body (`dict[str, Any]`) and returns `{\"cards\": []}`.",
        "- FHIR server for the fallback: SEKMET (in-memory, validation off) holding the 50-resource chart; "
        "`fhirServer` points at it and no prefetch is sent, so every template query is fetched.",
        "- Charts (`bench/charts.py`): the 50-resource chart is `spine-lumbar-day20` plus 47 Synthea "
        "resources; the Synthea-sized chart is that patient plus every resource of the three seeded "
        "Synthea patients twice over (1,121 resources — more bytes than the ~250 KB a Synthea-sized "
        "chart was first defined as, as "
        "Synthea resources average ~700 bytes; the count of resources is what the hot path pays for).",
        "- Load: `bench/loadgen.py`, closed loop over keep-alive HTTP/1.1 connections (one per unit of "
        "concurrency) in one asyncio process on the same two cores as the server. "
        f"Each cell: a warm-up, then at most {limits['requests']} requests or {limits['seconds']:g} s. "
        "The service cells (no token, ES384, RS384) and the floor cell of one scenario and concurrency "
        "are measured in four alternating rounds sharing those caps,"
        " so each ratio compares them over the same stretch of "
        "time on a VM whose speed drifts; every run starts on an empty SQLite database.",
        "- Tokens (`bench/tokens.py`): the development trust file plus a local ES384 developer key "
        "(`app/security/devclient.py`) and a bench-only RS384 client; every request of a token cell "
        "carries a fresh token minted before the cell (the load generator signs nothing while measuring).",
        "- Only 127.0.0.1 is used; every process is started and stopped by the bench.",
        f"- Request bodies: {sizes}.",
        f"- Load average just before the run: {load['before'][0]:.2f} (above ~0.3, other work was sharing "
        "the two cores; the run itself keeps both busy, so the figure after it means nothing).",
    ]


def plot(results: dict[str, Any], path: Path) -> None:
    """p50, p99 and throughput against concurrency; each floor dotted in its scenario's colour."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cells: Cells = results["cells"]
    figure, panels = plt.subplots(1, 3, figsize=(15, 5.4))
    colours = {key: f"C{index}" for index, key in enumerate(TITLES)}
    for scenario in dict.fromkeys(c["scenario"] for c in cells if parts(c["scenario"])[::2] == ("", None)):
        rows = sorted((c for c in cells if c["scenario"] == scenario), key=lambda c: c["concurrency"])
        floor = scenario.startswith("floor/")
        style = {"color": colours.get(scenario.removeprefix("floor/"), "0.5"), "label": title(scenario),
                 **({"linestyle": ":", "linewidth": 1.2} if floor else {"marker": "o"})}
        xs = [c["concurrency"] for c in rows]
        for axes, field in zip(panels, ("p50_ms", "p99_ms", "throughput"), strict=True):
            axes.plot(xs, [c[field] for c in rows], **style)
    for axes, name, unit in zip(panels, ("p50 latency", "p99 latency", "Throughput"),
                                ("ms", "ms", "requests / s"), strict=True):
        axes.set(xscale="log", yscale="log", xlabel="requests in flight", ylabel=unit, title=name)
        axes.set_xticks([1, 8, 32], labels=["1", "8", "32"])
        axes.grid(True, which="both", alpha=0.3)
    handles, labels = panels[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=5, fontsize=8, frameon=False)
    figure.suptitle("spine-cds, one uvicorn process on 2 cores shared with the load generator "
                    "(dotted: the bare FastAPI floor on the same body)")
    figure.tight_layout(rect=(0, 0.1, 1, 1))
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write(results: dict[str, Any], directory: Path) -> None:
    (directory / "RESULTS.md").write_text(markdown(results))
    plot(results, directory / "latency.png")
