"""Development profile only: the first hour without a silent failure (docs/demo.md, docs/security.md).

Two things a newcomer meets before anything works, and that production must keep as they are:

* **localhost or 127.0.0.1.** A CDS client signs ``aud`` with the URL it called; the service compares it
  with ``PUBLIC_BASE_URL`` + the path (CONTRACT.md S4). Registering ``http://localhost:8080/cds-services``
  in the sandbox when the service says ``127.0.0.1`` was a 401 and an empty page. In development, when the
  public base URL is a loopback address, the other spellings of loopback are accepted as the same
  audience: they are the same machine, and the development profile already trusts the public sandbox.
* **Why a 401.** Production answers "Unauthorized" and logs the reason (S7: no oracle for an attacker).
  In development the body says the reason and what to do about it.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from starlette.requests import Request

from app.settings import Profile, Settings

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
_FIXES = (
    ("no bearer token", "send 'Authorization: Bearer <JWT>'; from this checkout: "
     "$(.venv/bin/spine-cds dev-token {path}) mints one for this path"),
    ("aud is not this endpoint", "the token's aud must be exactly {expected} (SPINE_CDS_PUBLIC_BASE_URL + "
     "the path called): call that URL, or set SPINE_CDS_PUBLIC_BASE_URL to the URL your client uses"),
    ("jti replayed", "tokens are single-use (CONTRACT.md S7): mint a new one for every call"),
    ("issuer is not in the trust registry", "add the client to the trust file (SPINE_CDS_TRUST_FILE, "
     "docs/security.md); development trusts the public sandbox and the local developer client"),
    ("expired", "mint a fresh token for every call"),
)


def is_development(settings: Settings) -> bool:
    return settings.profile is Profile.DEVELOPMENT


def audiences(expected: str, settings: Settings) -> str | tuple[str, ...]:
    """``expected``, plus its other loopback spellings in development when it is on loopback."""
    parts = urlsplit(expected)
    host = parts.netloc.rsplit(":", 1)[0] if not parts.netloc.endswith("]") else parts.netloc
    if not is_development(settings) or host not in LOOPBACK_HOSTS:
        return expected
    port = parts.netloc[len(host):]
    return tuple(urlunsplit(parts._replace(netloc=alias + port)) for alias in LOOPBACK_HOSTS)


def unauthorized_text(request: Request, reason: str) -> str:
    """The 401 body: terse in production; the reason and its fix in development."""
    settings: Settings | None = getattr(request.app.state, "settings", None)
    if settings is None or not is_development(settings):
        return "Unauthorized"
    path = request.url.path
    expected = settings.public_base_url + path
    fix = next((text for known, text in _FIXES if reason.startswith(known)), "see docs/security.md")
    return (f"Unauthorized: {reason}. To fix: {fix.format(path=path, expected=expected)}. "
            "(This hint is given in the development profile only.)")
