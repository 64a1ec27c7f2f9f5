"""The report in a real browser: headless Chromium renders it offline into a screenshot."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bank_segments.report import build_report
from bank_segments.report.data import load_report_data
from tests.dbt_runner import DbtRun

WIDTH, HEIGHT = 1280, 4000


def chromium() -> str:
    """The Chromium binary; skip when absent, but fail under CI (CI=true)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("Chromium is not installed, and CI=true: .ci/run should have installed it")
    pytest.skip("Chromium is not installed (apt-get install chromium)")


def screenshot(browser: str, page: Path, png: Path, profile: Path) -> None:
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        f"--window-size={WIDTH},{HEIGHT}",
        f"--screenshot={png}",
        page.resolve().as_uri(),
    ]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert png.is_file(), completed.stdout[-2000:] + completed.stderr[-2000:]


@pytest.mark.browser
def test_report_renders_in_headless_chromium(demo_build: DbtRun, tmp_path: Path) -> None:
    browser = chromium()
    page = build_report(demo_build.database, tmp_path / "segments.html")
    png = tmp_path / "report.png"
    screenshot(browser, page, png, tmp_path / "profile")

    with Image.open(png) as image:
        assert image.size == (WIDTH, HEIGHT)
        pixels = np.asarray(image.convert("RGB"), dtype=np.float64)
    # not blank: the page has ink, and enough of it, all the way down the first screen
    assert pixels.std() > 20
    ink = (pixels < 200).any(axis=2)
    assert ink.mean() > 0.02
    assert ink[:1000].mean() > 0.01 and ink[1000:2000].mean() > 0.01
    # the charts were drawn: every persona's colour is on screen
    for persona in load_report_data(demo_build.database).personas:
        rgb = np.array([int(persona.colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)
        close = (np.abs(pixels - rgb) <= 12).all(axis=2)
        assert close.sum() > 200, persona.persona_id


@pytest.mark.parametrize(
    ("ci", "outcome"), [("true", pytest.fail.Exception), ("", pytest.skip.Exception)]
)
def test_missing_chromium_skips_locally_but_fails_under_ci(
    monkeypatch: pytest.MonkeyPatch, ci: str, outcome: type[BaseException]
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome):
        chromium()
