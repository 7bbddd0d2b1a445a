"""Key sets: which keys in a JWKS we accept, and a cache of the sets fetched from allowed ``jku`` URLs.

CONTRACT.md S3/S6/S7: keys are looked up by ``kid``; sets are cached and rotated. The cache never decides
*whether* a URL may be fetched: the verifier asks only for URLs on the client's ``jku`` list.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import anyio
import httpx
import jwt

from app.fhir.transport import ResponseTooLarge, read_body

log = logging.getLogger(__name__)

ASYMMETRIC_KEY_TYPES = frozenset({"RSA", "EC"})
# RFC 7517/7518 private and symmetric members: a published set should hold none; we never keep them.
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
MAX_KEY_SET_BYTES = 64 * 1024
PublicKeys = Mapping[str, Mapping[str, Any]]


def usable_keys(document: Any) -> tuple[dict[str, Mapping[str, Any]], list[str]]:
    """The public RSA/EC keys of a JWKS by ``kid``, and a line for every key left out and why."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        return {}, ["not a JWKS (an object with a 'keys' list)"]
    keys: dict[str, Mapping[str, Any]] = {}
    problems = []
    for index, raw in enumerate(document["keys"]):
        why = _key_problem(raw, keys)
        if why:
            problems.append(f"keys[{index}]: {why}")
        else:
            keys[raw["kid"]] = _public(raw)
    return keys, problems


def _key_problem(raw: Any, seen: Mapping[str, Any]) -> str | None:
    if not isinstance(raw, dict):
        return "not an object"
    kid = raw.get("kid")
    if not isinstance(kid, str) or not kid:
        return "no kid (S3: every key needs one)"
    if kid in seen:
        return f"kid {kid!r} appears twice (S3: kid is unique in a key set)"
    if raw.get("kty") not in ASYMMETRIC_KEY_TYPES:
        return f"kid {kid!r}: kty {raw.get('kty')!r} is not RSA or EC"
    try:
        jwt.PyJWK(_public(raw))
    except (jwt.PyJWTError, ValueError, TypeError, KeyError):
        return f"kid {kid!r}: not a valid public key"
    return None


def _public(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in raw.items() if name not in PRIVATE_MEMBERS}


class KeySetFetchError(Exception):
    """A key set could not be fetched or read; the message names the cause, never a token."""


@dataclass(frozen=True, slots=True)
class _Entry:
    keys: PublicKeys
    fetched_at: float  # last successful fetch; -inf when none succeeded yet
    attempted_at: float  # last attempt of any outcome: the cool-down counts from here


class KeySetCache:
    """Key sets per ``jku`` URL, kept ``ttl_seconds``; an unknown ``kid`` re-fetches once per cool-down.

    The cool-down also spaces out retries of a failing URL, so a flood of tokens with made-up ``kid``s costs
    one fetch per window, not one per request. When a refresh fails the last good set is kept: a client's
    key host being briefly down should not lock out every order it signs.
    """

    def __init__(self, http: httpx.AsyncClient, *, ttl_seconds: float, cooldown_seconds: float,
                 timeout_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._http = http
        self._ttl, self._cooldown, self._timeout = ttl_seconds, cooldown_seconds, timeout_seconds
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def find(self, url: str, kid: str) -> Mapping[str, Any] | None:
        """The key ``kid`` from the set at ``url``, fetching first when the cache says so."""
        entry = self._entries.get(url)
        if entry is None or self._should_fetch(entry, kid):
            async with self._locks.setdefault(url, asyncio.Lock()):
                entry = self._entries.get(url)  # another request may have fetched while we waited
                if entry is None or self._should_fetch(entry, kid):
                    entry = await self._refresh(url, entry)
        return entry.keys.get(kid)

    def _should_fetch(self, entry: _Entry, kid: str) -> bool:
        now = self._clock()
        wanted = kid not in entry.keys or now - entry.fetched_at >= self._ttl
        return wanted and now - entry.attempted_at >= self._cooldown

    async def _refresh(self, url: str, entry: _Entry | None) -> _Entry:
        now = self._clock()
        try:
            fresh = _Entry(await self._fetch(url), now, now)
        except KeySetFetchError as exc:
            log.warning("key set fetch failed", extra={"jku": url, "reason": str(exc)})
            fresh = _Entry(entry.keys if entry else {}, entry.fetched_at if entry else -math.inf, now)
        self._entries[url] = fresh
        return fresh

    async def _fetch(self, url: str) -> dict[str, Mapping[str, Any]]:
        try:
            with anyio.fail_after(self._timeout):  # httpx times each read; this bounds the whole exchange
                body = await self._download(url)
            document = json.loads(body)
        except (httpx.HTTPError, TimeoutError) as exc:
            raise KeySetFetchError(type(exc).__name__) from exc
        except ValueError as exc:
            raise KeySetFetchError("body is not JSON") from exc
        keys, problems = usable_keys(document)
        if problems:
            log.warning("key set has unusable keys", extra={"jku": url, "problems": problems})
        return keys

    async def _download(self, url: str) -> bytes:
        headers = {"Accept": "application/json"}
        async with self._http.stream("GET", url, headers=headers, timeout=self._timeout) as response:
            if response.status_code != 200:
                raise KeySetFetchError(f"HTTP {response.status_code}")
            try:
                return await read_body(response, MAX_KEY_SET_BYTES)
            except ResponseTooLarge:
                raise KeySetFetchError(f"larger than {MAX_KEY_SET_BYTES} bytes") from None
