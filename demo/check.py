"""The self-test of a running demo stack (``python -m demo.run --check``).

Through the real service over HTTP, as the sandbox would call it (CONTRACT.md §2) but with no prefetch, so
every chart comes from SEKMET through the service's FHIR fallback:

- the browser surface: a Private Network Access preflight, discovery with a JWT;
- per demo patient, one order-select with the order of the table, compared with the expected cards (topic,
  indicator) and PAMA rating, read from ``extension.systemActions`` as the sandbox does; and a patient-view;
- the PAMA screen's empty first call (no card);
- feedback as the sandbox's Dismiss button sends it, stored.

Each call carries a fresh JWT from ``mint`` (the local developer client): authentication stays on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from demo import sandbox
from demo.patients import DemoPatient, Expected
from demo.stack import PUBLIC_SANDBOX_ORIGIN

Mint = Callable[[str], str]  # endpoint path -> bearer token
SANDBOX_ORIGIN = PUBLIC_SANDBOX_ORIGIN


@dataclass(frozen=True)
class Result:
    name: str
    ok: bool
    detail: str


class ServiceCaller:
    def __init__(self, http: httpx.Client, base: str, mint: Mint) -> None:
        self.http, self.base, self.mint = http, base, mint

    def get(self, path: str) -> httpx.Response:
        return self.http.get(self.base + path, headers=self._auth(path))

    def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return self.http.post(self.base + path, json=body, headers=self._auth(path))

    def _auth(self, path: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.mint(path)}", "Origin": SANDBOX_ORIGIN}


def run_checks(service_base: str, fhir_base: str, patients: Sequence[DemoPatient],
               mint: Mint) -> list[Result]:
    with httpx.Client(timeout=30) as http:
        caller = ServiceCaller(http, service_base, mint)
        results = [check_preflight(http, service_base), check_discovery(caller)]
        for patient in patients:
            results += check_patient(caller, fhir_base, patient)
        if patients:
            first = patients[0]
            results.append(check_empty_first_call(caller, fhir_base, first))
            results.append(check_feedback(caller, fhir_base, first))
        background = [patient for patient in patients if not patient.id.startswith("demo-")]
        if background:
            results.append(check_study_then_reason(caller, fhir_base, background[0]))
        return results


def check_preflight(http: httpx.Client, base: str) -> Result:
    response = http.options(base + "/cds-services", headers={
        "Origin": SANDBOX_ORIGIN, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization", "Access-Control-Request-Private-Network": "true"})
    granted = response.headers.get("access-control-allow-private-network") == "true"
    return Result("preflight (CORS + Private Network Access)", response.status_code == 200 and granted,
                  f"{response.status_code}, allow-private-network={granted}")


def check_discovery(caller: ServiceCaller) -> Result:
    response = caller.get("/cds-services")
    ids = sorted(s["id"] for s in response.json().get("services", [])) if response.status_code == 200 else []
    expected = sorted([sandbox.ORDER_SELECT, "spine-imaging-order-sign", sandbox.PATIENT_VIEW])
    return Result("discovery", ids == expected, f"{response.status_code} {ids}")


def check_patient(caller: ServiceCaller, fhir_base: str, patient: DemoPatient) -> list[Result]:
    path = f"/cds-services/{sandbox.ORDER_SELECT}"
    response = caller.post(path, sandbox.order_select(patient.id, patient.order, fhir_base))
    results = [_compare(f"{patient.id} order-select {patient.order.code}", response, patient.expected)]
    view = caller.post(f"/cds-services/{sandbox.PATIENT_VIEW}", sandbox.patient_view(patient.id, fhir_base))
    got = sandbox.card_kinds(view.json()) if view.status_code == 200 else ()
    results.append(Result(f"{patient.id} patient-view", view.status_code == 200 and got ==
                          patient.expected.patient_view, f"{view.status_code} cards={list(got)}"))
    return results


def _compare(name: str, response: httpx.Response, expected: Expected) -> Result:
    if response.status_code != 200:
        return Result(name, False, f"HTTP {response.status_code}: {response.text[:300]}")
    body = response.json()
    cards, rating = sandbox.card_kinds(body), sandbox.pama_rating(body)
    mirrored = body.get("systemActions", []) == body.get("extension", {}).get("systemActions", [])
    ok = cards == expected.cards and rating == expected.rating and mirrored
    detail = f"cards={list(cards)} rating={rating}"
    if not ok:
        detail += f"  (expected cards={list(expected.cards)} rating={expected.rating}; mirrored={mirrored})"
    return Result(name, ok, detail)


def check_empty_first_call(caller: ServiceCaller, fhir_base: str, patient: DemoPatient) -> Result:
    response = caller.post(f"/cds-services/{sandbox.ORDER_SELECT}",
                           sandbox.order_select(patient.id, None, fhir_base))
    ok = response.status_code == 200 and response.json() == {"cards": []}
    return Result("PAMA screen's empty first call", ok, f"{response.status_code} {response.text[:120]}")


def check_study_then_reason(caller: ServiceCaller, fhir_base: str, patient: DemoPatient) -> Result:
    """The PAMA screen's session for a chart without a qualifying diagnosis: the study alone is out of
    scope (``no-criteria-apply``); with the reason it cannot be rated, so no rating is sent and the card
    must say the earlier one no longer applies (the sandbox keeps showing the last rating it got)."""
    path = f"/cds-services/{sandbox.ORDER_SELECT}"
    study = caller.post(path, sandbox.order_select(patient.id, patient.order, fhir_base, with_reason=False))
    reason = caller.post(path, sandbox.order_select(patient.id, patient.order, fhir_base))
    if study.status_code != 200 or reason.status_code != 200:
        return Result("study, then reason", False, f"HTTP {study.status_code}, {reason.status_code}")
    first, then = sandbox.pama_rating(study.json()), sandbox.pama_rating(reason.json())
    cards = reason.json().get("cards", [])
    disowned = bool(cards) and "no longer applies" in cards[0].get("detail", "")
    ok = first == "no-criteria-apply" and then == "none" and disowned
    return Result("study, then reason (stale rating disowned)", ok,
                  f"{first} -> {then}; earlier rating disowned in the card: {disowned}")


def check_feedback(caller: ServiceCaller, fhir_base: str, patient: DemoPatient) -> Result:
    """Dismiss the first card with its first override reason, as the sandbox does."""
    response = caller.post(f"/cds-services/{sandbox.ORDER_SELECT}",
                           sandbox.order_select(patient.id, patient.order, fhir_base))
    cards = response.json().get("cards", []) if response.status_code == 200 else []
    if not cards or not cards[0].get("overrideReasons"):
        return Result("feedback (Dismiss)", False, "no card with override reasons to dismiss")
    at = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    body = sandbox.dismiss_feedback(cards[0]["uuid"], cards[0]["overrideReasons"][0], at)
    stored = caller.post(f"/cds-services/{sandbox.ORDER_SELECT}/feedback", body)
    ok = stored.status_code == 200 and stored.json() == {"received": 1, "stored": 1}
    return Result("feedback (Dismiss)", ok, f"{stored.status_code} {stored.text[:120]}")


def report(results: list[Result]) -> str:
    width = max(len(r.name) for r in results)
    lines = [f"{'ok  ' if r.ok else 'FAIL'} {r.name:<{width}}  {r.detail}" for r in results]
    failed = sum(not r.ok for r in results)
    lines.append(f"{len(results) - failed} passed, {failed} failed")
    return "\n".join(lines)
