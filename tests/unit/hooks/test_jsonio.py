"""The hook routes' JSON: orjson for speed, with exactly the standard library's behaviour."""

from __future__ import annotations

import json
import math
from typing import Any

import httpx
import pytest
from fastapi.responses import JSONResponse

from app.hooks.jsonio import OrjsonResponse
from app.jsontext import dumps, loads

SELECT = "/cds-services/spine-imaging-order-select"


@pytest.mark.parametrize(
    "text",
    [
        '{"a": [1, 2.5, -0.0, 1e-7, true, null, "x\\u00e9\\ud83d\\ude00"], "b": {}}',
        '{"dup": 1, "dup": 2}',  # last one wins, as in json
        '{"value": NaN, "other": Infinity}',  # not JSON, but json.loads has always taken it
        '"\\ud800"',  # a lone surrogate: json takes it, orjson does not
    ],
)
def test_loads_decodes_what_json_loads_decodes(text: str) -> None:
    decoded, expected = loads(text.encode()), json.loads(text)

    assert json.dumps(decoded) == json.dumps(expected)


def test_integers_past_64_bits_become_floats() -> None:
    # The one difference from json.loads, documented in app/hooks/jsonio.py: no FHIR value has such an
    # integer (R4 integers are 32-bit; decimals are read as floats either way).
    assert loads(b'{"big": 123456789012345678901234567890}') == {"big": 1.2345678901234568e29}


def test_loads_raises_json_own_error_for_broken_json() -> None:
    with pytest.raises(json.JSONDecodeError) as raised:
        loads(b'{"hook": ')

    assert raised.value.msg == "Expecting value"


@pytest.mark.parametrize(
    "content",
    [
        {"cards": [{"summary": "Défer lumbar MRI 🙂", "indicator": "warning", "n": [1, 2.5, None, True]}]},
        {"cards": [], "big": 2**70},  # orjson refuses: Starlette's encoder answers instead
    ],
)
def test_response_body_is_the_json_starlette_would_send(content: dict[str, Any]) -> None:
    fast, standard = OrjsonResponse(content), JSONResponse(content)

    assert json.loads(fast.body) == json.loads(standard.body)
    assert fast.headers["content-type"] == standard.headers["content-type"]


def test_response_never_sends_nan_as_a_bare_token() -> None:
    body = OrjsonResponse({"value": math.nan}).body

    assert json.loads(body) == {"value": None}


async def test_hook_body_is_decoded_without_json_loads(
    client: httpx.AsyncClient, example: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("json.loads on the hook path")

    body = json.dumps(example("order-select-lumbar-day20.json")).encode()
    monkeypatch.setattr(json, "loads", refuse)  # the one json module: app, Starlette and FastAPI alike

    response = await client.post(SELECT, content=body, headers={"content-type": "application/json"})
    monkeypatch.undo()

    assert response.status_code == 200
    assert response.json()["cards"]


@pytest.mark.parametrize("value", [["patient", "conditions"], {"big": 2**70}, ["\ud800"]])
def test_json_text_for_columns_reads_back_as_the_value(value: Any) -> None:
    # JSON columns (app/feedback/db.py): orjson, or json.dumps for what orjson refuses.
    assert json.loads(dumps(value)) == value
