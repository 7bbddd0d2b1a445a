"""The site policy from a YAML file, validated at start-up, version stamped everywhere."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.cli import main
from app.pathway.policy import CervicalEarlyMri, Policy
from app.policyfile import PolicyFileError, parse_policy, read_policy_file
from app.settings import PROJECT_ROOT, Profile, Settings

EXAMPLE = PROJECT_ROOT / "deploy" / "policy" / "site-policy.example.yaml"


def test_the_example_policy_is_valid_and_states_every_default() -> None:
    policy = read_policy_file(EXAMPLE)
    assert policy.version == "example-2026-01"
    assert replace(policy, version="default-1") == Policy()


def test_a_site_file_changes_only_what_it_names() -> None:
    text = "version: site-3\ncervical_early_mri: defer\nconservative_care_days: 35\n"
    policy = parse_policy(text)
    assert (policy.version, policy.cervical_early_mri) == ("site-3", CervicalEarlyMri.DEFER)
    assert (policy.conservative_care_days, policy.prior_imaging_lookback_days) == (35, 365)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("conservative_care_days: 42\n", "version: required"),
        ("version: a\nconservative_care_dayz: 42\n", "conservative_care_dayz: unknown policy value"),
        ("version: a\nconservative_care_days: 0\n", "greater than or equal to 1 (got 0)"),
        ("version: a\nconservative_care_days: 41.5\n", "valid integer (got 41.5)"),
        ("version: a\nshow_appropriate_card: maybe\n", "show_appropriate_card: Input should be a valid bool"),
        ("version: a\ncervical_early_mri: wait\n", "'advise' or 'defer' (got 'wait')"),
        ("version: a\nweak_flag_radiograph_days: 60\n", "cannot exceed conservative_care_days (42)"),
        ("version: 'has spaces'\n", "version: String should match pattern"),
        ("- version\n", "must be a mapping"),
        ("version: [\n", "not valid YAML"),
    ],
)
def test_a_bad_file_is_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(PolicyFileError, match=r"site\.yaml") as caught:
        parse_policy(text, source="site.yaml")
    assert message in str(caught.value)


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(PolicyFileError) as caught:
        parse_policy("episode_gap_days: -1\nfever_window_days: 1000\n")
    assert str(caught.value).count("\n  - ") == 3  # version, episode_gap_days, fever_window_days


def test_a_missing_file_is_named() -> None:
    with pytest.raises(PolicyFileError, match="cannot read"):
        read_policy_file(Path("/nonexistent/policy.yaml"))


def test_settings_load_the_policy_file_at_start_up(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("version: site-9\nminimum_age_years: 16\n")
    settings = Settings(profile=Profile.DEVELOPMENT, policy_file=path)
    assert (settings.pathway_policy.version, settings.pathway_policy.minimum_age_years) == ("site-9", 16)


def test_settings_refuse_to_start_on_a_bad_policy_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("version: site-9\nminimum_age_years: -3\n")
    with pytest.raises(ValidationError, match="minimum_age_years"):
        Settings(profile=Profile.DEVELOPMENT, policy_file=path)


def test_a_file_and_policy_environment_values_together_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPINE_CDS_POLICY__VERSION", "env-1")
    monkeypatch.setenv("SPINE_CDS_POLICY_FILE", str(EXAMPLE))
    with pytest.raises(ValidationError, match="not both"):
        Settings(profile=Profile.DEVELOPMENT)


async def test_the_running_service_evaluates_with_the_file_policy(
    settings_factory: Callable[..., Settings], tmp_path: Path
) -> None:
    from app.main import create_app

    path = tmp_path / "policy.yaml"
    path.write_text("version: site-42\n")
    app = create_app(settings_factory(policy_file=path))
    async with app.router.lifespan_context(app):
        assert app.state.runtime.content.policy.version == "site-42"


def test_policy_check_passes_a_good_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("version: site-5\nreferral_after_days: 70\n")
    assert main(["policy", "check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "valid, policy version site-5" in out
    assert "referral_after_days: 70 (default 84)" in out


def test_policy_check_fails_a_bad_file_with_every_reason(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("version: site-5\nreferal_after_days: 70\n")
    assert main(["policy", "check", str(path)]) == 1
    assert "referal_after_days: unknown policy value" in capsys.readouterr().err


def test_care_referral_age_is_a_site_policy_value() -> None:
    """PATHWAY.md §2 v2: a therapy referral counts as care from 14 days (policy), set by the site file."""
    assert Policy().care_referral_min_days == 14
    site = parse_policy("version: site-1\ncare_referral_min_days: 7\n")
    assert site.care_referral_min_days == 7
    with pytest.raises(PolicyFileError, match="care_referral_min_days"):
        parse_policy("version: site-1\ncare_referral_min_days: 400\n")
