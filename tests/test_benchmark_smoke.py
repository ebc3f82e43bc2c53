"""The engine benchmark runs (its small version); its figures are not judged here."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from helpers import ROOT

pytestmark = pytest.mark.slow  # a subprocess that runs both engines and England

KEYS = {"mesa_person_months_per_s", "vectorised_person_months_per_s", "speedup", "rng_fraction",
        "england_seconds", "england_peak_rss_mib"}


def test_engine_benchmark_quick_prints_its_json_last():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "engines.py"), "--quick"],
                         capture_output=True, text=True, timeout=300, check=True).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    assert KEYS <= set(figures)
    assert all(figures[k] > 0 for k in KEYS)
