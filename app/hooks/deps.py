"""Each dependency declared once as an ``Annotated`` alias (STYLE.md habit 3); tests override them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.feedback import FeedbackRepository
from app.hooks.auth import ClientIdentity, authenticate
from app.hooks.limits import IDENTITY
from app.hooks.runtime import Runtime
from app.immutable import immutable
from app.settings import Settings


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_app_settings(runtime: RuntimeDep) -> Settings:
    return runtime.settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


async def get_feedback_repository(runtime: RuntimeDep) -> FeedbackRepository:
    return runtime.feedback


FeedbackRepoDep = Annotated[FeedbackRepository, Depends(get_feedback_repository)]


async def get_client(request: Request, runtime: RuntimeDep) -> ClientIdentity | None:
    return await _authenticate(request, runtime)


ClientDep = Annotated[ClientIdentity | None, Depends(get_client)]


@immutable
class Caller:
    """The verified CDS client (``None`` when authentication is off) and the runtime, for a hook call."""

    client: ClientIdentity | None
    runtime: Runtime


async def get_caller(request: Request) -> Caller:
    """``ClientDep`` and ``RuntimeDep`` as one dependency for the hook call route: FastAPI solves every
    dependency and sub-dependency in a round of its own (dependency solving was ~10 % of a hook call's
    CPU under py-spy)."""
    runtime = await get_runtime(request)
    return Caller(await _authenticate(request, runtime), runtime)


CallerDep = Annotated[Caller, Depends(get_caller)]


async def _authenticate(
    request: Request, runtime: Runtime, *, optional: bool = False
) -> ClientIdentity | None:
    """The identity the limits middleware's gate found before reading the body (checking it again would
    see its own ``jti`` as a replay), or (an app without that middleware) the same check now."""
    if IDENTITY in request.scope:
        identity: ClientIdentity | None = request.scope[IDENTITY]
        return identity
    verifier = getattr(request.app.state, "verifier", None)
    settings = runtime.settings
    required = settings.auth_required and not optional
    return await authenticate(request, verifier, settings.public_base_url, required, settings)


async def get_optional_client(request: Request, runtime: RuntimeDep) -> ClientIdentity | None:
    """Discovery: no token needed (docs/security.md "Discovery"); a token that is sent must be valid."""
    return await _authenticate(request, runtime, optional=True)


OptionalClientDep = Annotated[ClientIdentity | None, Depends(get_optional_client)]
