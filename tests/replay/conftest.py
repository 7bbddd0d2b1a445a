"""The replay tests' exports and one replay of each, shared by the tests that only read its outputs."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from replay_export import fixture_resources, read_rows, replay_into, write_export

if TYPE_CHECKING:
    from app.settings import Settings


@pytest.fixture(scope="module")
def replay_settings() -> Settings:
    from app.settings import Profile, Settings

    return Settings(profile=Profile.DEVELOPMENT)


@pytest.fixture(scope="module")
def fixture_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_export(tmp_path_factory.mktemp("export"), fixture_resources())


@pytest.fixture(scope="module")
def replayed(
    fixture_export: Path, replay_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("replayed")
    return out, replay_into(fixture_export, out, replay_settings, workers=2)


@pytest.fixture
def replay_of(tmp_path: Path, replay_settings: Settings) -> Callable[..., list[dict[str, str]]]:
    """Replay resources written as an export; the rows of decisions.csv."""

    def run(resources: list[dict[str, Any]], **options: Any) -> list[dict[str, str]]:
        out = tmp_path / "out"
        replay_into(write_export(tmp_path / "export", resources), out, replay_settings, workers=1, **options)
        return read_rows(out)

    return run


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    if shutil.which("java") is None:
        pytest.fail("the Spark engine needs a Java runtime (.ci/run installs one)")
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # the workers run this interpreter (its packages)
    session = (SparkSession.builder.master("local[2]").appName("spine-cds-replay-tests")
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "4").getOrCreate())
    yield session
    session.stop()
