"""Development-only help (app/hooks/devhints.py): loopback aliases in ``aud``, and 401 bodies that say why."""

from __future__ import annotations

from collections.abc import Callable

from app.hooks.devhints import audiences
from app.settings import Profile, Settings


def test_development_on_loopback_accepts_every_spelling_of_loopback_same_port_and_path(
    settings_factory: Callable[..., Settings],
) -> None:
    found = audiences("http://127.0.0.1:8080/cds-services/x", settings_factory())
    assert found == ("http://127.0.0.1:8080/cds-services/x", "http://localhost:8080/cds-services/x",
                     "http://[::1]:8080/cds-services/x")


def test_a_public_host_or_production_keeps_the_one_exact_url(
    settings_factory: Callable[..., Settings],
) -> None:
    assert audiences("https://cds.example.org/cds-services", settings_factory()) == \
        "https://cds.example.org/cds-services"
    production = settings_factory(profile=Profile.PRODUCTION, auth_required=True,
                                  public_base_url="https://cds.example.org",
                                  trust_file="deploy/trust/sandbox-development.yaml")
    assert audiences("http://127.0.0.1:8080/cds-services", production) == "http://127.0.0.1:8080/cds-services"
