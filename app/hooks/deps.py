"""Each dependency declared once as an ``Annotated`` alias (STYLE.md habit 3); tests override them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.feedback import FeedbackRepository
from app.hooks.auth import ClientIdentity, authenticate
from app.hooks.runtime import Runtime
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
    verifier = getattr(request.app.state, "verifier", None)
    settings = runtime.settings
    return await authenticate(request, verifier, settings.public_base_url, settings.auth_required)


ClientDep = Annotated[ClientIdentity | None, Depends(get_client)]
