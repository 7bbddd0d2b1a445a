"""Fuzz and fault suite (docs/security.md, "Fuzz and fault suite"): hostile values anywhere in a hook
request, in feedback, in the admin query and in the FHIR server's answers never give a 500, an error in
the log, or a hang.

In-process (the app on an event loop of its own thread, called through httpx.ASGITransport): the FHIR
server is respx (fault injection), the database a SQLite file. ``make test`` runs a short pass
(``SPINE_CDS_FUZZ_EXAMPLES``, default 15 per test); ``make fuzz`` runs 400 per test. Each example is
bounded in time: a call that takes more than ``SLOW_SECONDS`` fails the example, so a quadratic path or a
blocking loop is found, not waited out. Short passes are derandomized (reproducible in CI); a failing
example is printed by hypothesis either way.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import os
import threading
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.settings import Profile, Settings

# A failing example that holds a 40,000-character string makes hypothesis warn about the size of its
# report; the report is still what one needs, so that one warning is not an error here.
pytestmark = [pytest.mark.fuzz, pytest.mark.filterwarnings("ignore:Generating overly large repr")]
ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("SPINE_CDS_FUZZ_EXAMPLES", "15"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 50,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SLOW_SECONDS = 2.0
PASSWORD = "fuzz-admin-password-long-enough"
FHIR = "https://ehr.example.org/fhir/R4"
HOOKS = {
    "order-select-lumbar-day20.json": "spine-imaging-order-select",
    "order-select-cauda-equina.json": "spine-imaging-order-select",
    "patient-view-lumbar.json": "spine-pathway-patient-view",
}
JSON = {"Content-Type": "application/json"}

# --- hostile values ---------------------------------------------------------------------------------------

_SHORT_TEXT = st.one_of(
    st.text(max_size=12),
    st.text(st.characters(codec=None, categories=["Cs", "Cc", "Cf", "Zs"]), max_size=6),  # surrogates, NUL
    st.sampled_from(["", " ", "\x00", "\ud800", "\ufeff=1", "M54.16", "ServiceRequest/x", "urn:uuid:x",
                     "1e308", "-1", "0001-01-01", "9999-12-31T24:00"]),
)
_TEXT = st.one_of(_SHORT_TEXT, st.builds(lambda letter, size: letter * size, st.sampled_from("M9x"),
                                         st.sampled_from([5_000, 40_000])))
_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                    st.floats(allow_nan=False), st.sampled_from([1e308, -1e308, 0.0, -0.0]), _TEXT)
HOSTILE = st.recursive(_SCALAR, lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON document a value could be replaced (objects' keys, arrays' indexes)."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, (*prefix, index))


def replaced(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copied = copy.deepcopy(document)
    parent = copied
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return copied


def examples() -> dict[str, dict[str, Any]]:
    return {name: json.loads((ROOT / "examples" / name).read_text()) for name in HOOKS}


EXAMPLES_BY_NAME = examples()
MUTATIONS = st.sampled_from(sorted(HOOKS)).flatmap(
    lambda name: st.tuples(st.just(name), st.sampled_from(list(paths(EXAMPLES_BY_NAME[name]))), HOSTILE))

# --- the app ---------------------------------------------------------------------------------------------


class Client:
    """The app on an event loop in a thread of its own, so that hypothesis' synchronous tests can call
    it: its lifespan runs once per module, not once per example."""

    def __init__(self, settings: Settings) -> None:
        from app.main import create_app

        self.app = create_app(settings)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.lifespan = self.app.router.lifespan_context(self.app)
        self.run(self.lifespan.__aenter__())
        self.errors: list[str] = []  # what the app logged at ERROR (a crash it survived is still a bug)
        logging.getLogger("app").addHandler(_Recorder(self.errors))
        transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
        self.http = httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8080")

    def run(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        response: httpx.Response = self.run(self.http.post(path, **kwargs))
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        response: httpx.Response = self.run(self.http.get(path, **kwargs))
        return response

    def close(self) -> None:
        logging.getLogger("app").handlers = [h for h in logging.getLogger("app").handlers
                                             if not isinstance(h, _Recorder)]
        self.run(self.http.aclose())
        self.run(self.lifespan.__aexit__(None, None, None))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


class _Recorder(logging.Handler):
    def __init__(self, errors: list[str]) -> None:
        super().__init__(logging.ERROR)
        self.errors = errors

    def emit(self, record: logging.LogRecord) -> None:
        self.errors.append(record.getMessage())


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    database = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    test_client = Client(Settings(profile=Profile.DEVELOPMENT, auth_required=False, admin_password=PASSWORD,
                                  database_url=f"sqlite:///{database}", fhir_server_allowlist=[FHIR]))
    try:
        yield test_client
    finally:
        test_client.close()


def timed(client: Client, send: Any) -> httpx.Response:
    started = time.perf_counter()
    response: httpx.Response = send()
    assert time.perf_counter() - started < SLOW_SECONDS, "slow answer: a blocking path?"
    assert response.status_code < 500, response.text[:500]
    assert client.errors == [], client.errors
    return response


# --- the suites ------------------------------------------------------------------------------------------


@FUZZ
@given(MUTATIONS)
def test_a_hostile_value_anywhere_in_a_hook_request_is_never_a_500(client: Client,
                                                                  mutation: tuple[str, Any, Any]) -> None:
    name, path, value = mutation
    body = replaced(EXAMPLES_BY_NAME[name], path, value)
    response = timed(client, lambda: client.post(f"/cds-services/{HOOKS[name]}", content=json.dumps(body),
                                         headers=JSON))
    assert response.status_code in (200, 400, 404, 412, 413), response.text[:500]
    assert response.headers["content-type"].startswith(("application/json", "application/fhir+json"))


FEEDBACK_ENTRY = st.fixed_dictionaries({}, optional={
    "card": HOSTILE, "outcome": st.one_of(st.sampled_from(["accepted", "overridden"]), HOSTILE),
    "outcomeTimestamp": st.one_of(st.just("2026-11-20T10:00:00Z"), HOSTILE),
    "acceptedSuggestions": st.one_of(st.lists(st.fixed_dictionaries({"id": HOSTILE}), max_size=3), HOSTILE),
    "overrideReason": st.one_of(st.fixed_dictionaries({}, optional={
        "reason": st.one_of(st.fixed_dictionaries({"code": HOSTILE},
                                                  optional={"system": HOSTILE, "display": HOSTILE}), HOSTILE),
        "userComment": HOSTILE}), HOSTILE),
    "overrideReasons": HOSTILE,
})


@FUZZ
@given(st.one_of(st.fixed_dictionaries({"feedback": st.lists(FEEDBACK_ENTRY, max_size=3)}), HOSTILE))
def test_hostile_feedback_is_never_a_500(client: Client, body: Any) -> None:
    path = "/cds-services/spine-imaging-order-select/feedback"
    response = timed(client, lambda: client.post(path, content=json.dumps(body), headers=JSON))
    assert response.status_code in (200, 400, 422), response.text[:500]


@FUZZ
@given(st.dictionaries(st.sampled_from(["start", "end", "other"]), _SHORT_TEXT, max_size=3),
       st.sampled_from(["/admin", "/admin/export/topics.csv", "/admin/export/comments.csv"]))
def test_hostile_admin_query_parameters_are_never_a_500(client: Client, query: dict[str, str],
                                                        page: str) -> None:
    query = {name: value.encode("utf-8", "replace").decode() for name, value in query.items()}  # URL: UTF-8
    response = timed(client, lambda: client.get(page, params=query, auth=("admin", PASSWORD)))
    assert response.status_code in (200, 400, 429), response.text[:500]


def _json(value: Any) -> tuple[int, bytes]:
    return 200, json.dumps(value).encode()  # ensure_ascii: a lone surrogate is sent escaped


FHIR_ANSWER = st.one_of(
    HOSTILE.map(_json),
    st.fixed_dictionaries({"resourceType": st.just("Bundle"), "entry": st.lists(
        st.fixed_dictionaries({"resource": HOSTILE}), max_size=4)}, optional={
        "link": st.lists(st.fixed_dictionaries({"relation": st.just("next"), "url": _TEXT}), max_size=2),
        "total": HOSTILE}).map(_json),
    st.sampled_from([(500, b""), (404, b""), (401, b""), (200, b"{truncated"), (200, b"\xff\xfe"),
                     (200, b'{"resourceType": "Bundle", "entry": [' * 2_000)]),
)


@FUZZ
@given(st.lists(FHIR_ANSWER, min_size=1, max_size=7))
def test_hostile_fhir_server_answers_are_never_a_500(client: Client,
                                                     answers: list[tuple[int, bytes]]) -> None:
    """respx plays the EHR's FHIR server (fault injection); the call has no prefetch at all."""
    body = copy.deepcopy(EXAMPLES_BY_NAME["order-select-lumbar-day20.json"])
    del body["prefetch"]
    body |= {"fhirServer": FHIR, "fhirAuthorization": {"access_token": "t", "token_type": "Bearer"}}
    queue = iter(answers * 20)

    def answer(request: httpx.Request) -> httpx.Response:
        status, content = next(queue, (404, b""))
        return httpx.Response(status, content=content, headers={"Content-Type": "application/fhir+json"})

    with respx.mock(assert_all_called=False, assert_all_mocked=True) as ehr:
        ehr.route(host="ehr.example.org").mock(side_effect=answer)
        response = timed(client, lambda: client.post("/cds-services/spine-imaging-order-select",
                                             content=json.dumps(body), headers=JSON))
    assert response.status_code in (200, 412), response.text[:500]
