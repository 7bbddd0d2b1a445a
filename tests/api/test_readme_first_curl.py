"""The README's first command must work as written, with authentication on as `make run` has it."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from app.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def first_curl() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), re.S)
    line = next(line for block in blocks for line in block.splitlines() if line.startswith("curl "))
    return shlex.split(line.split("|")[0])


async def test_the_readmes_first_curl_answers_with_authentication_on(
    settings_factory: Callable[..., Settings],
) -> None:
    from app.main import create_app

    command = first_curl()
    url = next(part for part in command if part.startswith("http"))
    assert not any(part.startswith("Authorization") for part in command), "the first curl sends no token"
    app = create_app(settings_factory(auth_required=True))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8080") as client:
            response = await client.get(urlsplit(url).path)
    assert response.status_code == 200
    assert {service["id"] for service in response.json()["services"]} >= {"spine-imaging-order-select"}
