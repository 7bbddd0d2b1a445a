"""KeySetCache (CONTRACT.md S7 "cache/rotate JWKS"): TTL, one re-fetch per cool-down on an unknown kid,
the last good set kept when the host fails, and bounded fetches. The key host is an ``httpx.MockTransport``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from security.minting import es384_signer

from app.security import KeySetCache
from app.security.jwks import MAX_KEY_SET_BYTES, usable_keys

URL = "https://ehr.example.org/.well-known/jwks.json"
OLD, NEW = es384_signer(kid="old"), es384_signer(kid="new")


class Host:
    def __init__(self) -> None:
        self.response: Callable[[], httpx.Response] = lambda: httpx.Response(200, json=OLD.jwks())
        self.calls = 0

    async def handler(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        return self.response()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def host() -> Host:
    return Host()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def cache(host: Host, clock: Clock) -> AsyncIterator[KeySetCache]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(host.handler)) as http:
        yield KeySetCache(http, ttl_seconds=600, cooldown_seconds=30, timeout_seconds=0.5, clock=clock)


async def test_known_kid_is_served_from_cache_within_ttl(
    cache: KeySetCache, host: Host, clock: Clock
) -> None:
    assert await cache.find(URL, "old") is not None
    clock.now += 599
    assert await cache.find(URL, "old") is not None
    assert host.calls == 1


async def test_set_is_fetched_again_after_ttl(cache: KeySetCache, host: Host, clock: Clock) -> None:
    await cache.find(URL, "old")
    clock.now += 600
    await cache.find(URL, "old")
    assert host.calls == 2


async def test_unknown_kid_refetches_once_then_waits_for_the_cooldown(
    cache: KeySetCache, host: Host, clock: Clock
) -> None:
    await cache.find(URL, "old")
    clock.now += 31
    host.response = lambda: httpx.Response(200, json={"keys": [OLD.public_jwk(), NEW.public_jwk()]})
    assert await cache.find(URL, "new") is not None  # rotation picked up
    assert await cache.find(URL, "made-up-1") is None
    assert await cache.find(URL, "made-up-2") is None
    assert host.calls == 2
    clock.now += 30
    assert await cache.find(URL, "made-up-3") is None
    assert host.calls == 3


async def test_unknown_kid_right_after_a_fetch_does_not_refetch(cache: KeySetCache, host: Host) -> None:
    await cache.find(URL, "old")
    assert await cache.find(URL, "new") is None
    assert host.calls == 1


async def test_failing_host_keeps_the_last_good_set(cache: KeySetCache, host: Host, clock: Clock) -> None:
    await cache.find(URL, "old")
    clock.now += 600
    host.response = lambda: httpx.Response(503)
    assert await cache.find(URL, "old") is not None
    assert await cache.find(URL, "old") is not None
    assert host.calls == 2  # the failure started a cool-down


async def test_concurrent_misses_share_one_fetch(cache: KeySetCache, host: Host) -> None:
    found = await asyncio.gather(*(cache.find(URL, "old") for _ in range(10)))
    assert all(found)
    assert host.calls == 1


@pytest.mark.parametrize("response", [
    lambda: httpx.Response(404),
    lambda: httpx.Response(200, content=b"<html>"),
    lambda: httpx.Response(200, json={"keys": "none"}),
    lambda: httpx.Response(200, content=b" " * (MAX_KEY_SET_BYTES + 1)),
    lambda: httpx.Response(302, headers={"location": "https://elsewhere.example.net/jwks.json"}),
])
async def test_unusable_responses_give_no_key(cache: KeySetCache, host: Host, response: Any) -> None:
    host.response = response
    assert await cache.find(URL, "old") is None
    assert host.calls == 1


async def test_slow_host_times_out(host: Host, clock: Clock) -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200, json=OLD.jwks())

    async with httpx.AsyncClient(transport=httpx.MockTransport(slow)) as http:
        cache = KeySetCache(http, ttl_seconds=600, cooldown_seconds=30, timeout_seconds=0.05, clock=clock)
        assert await cache.find(URL, "old") is None


def test_bad_keys_in_a_fetched_set_are_skipped_with_reasons() -> None:
    secret = {"kty": "oct", "kid": "s", "k": "c2VjcmV0"}
    keys, problems = usable_keys({"keys": [OLD.public_jwk(), {"kty": "EC"}, secret]})
    assert set(keys) == {"old"}
    assert len(problems) == 2
