"""Shared fixtures: where the project and the shared public files are."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
SHARED = PROJECT.parent / "shared"
PUBLIC = SHARED / "data" / "public"
SAMPLE = PROJECT / "data" / "sample"


@pytest.fixture(scope="session")
def public_dir() -> Path:
    """The state's real public files in ../shared/data/public (never copied into the project)."""
    if not PUBLIC.is_dir():
        message = f"the state's public files are not at {PUBLIC}: clone the project beside shared/"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return PUBLIC


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    """The committed synthetic exports of both districts."""
    return SAMPLE

pytest_plugins = ["battery_report"]
