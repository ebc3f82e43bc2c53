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


@pytest.mark.parametrize("mode", [[], ["--own-numbers"], ["--compare"]])
def test_psa_benchmark_small_prints_its_json_last(mode):
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "psa.py"), "--draws", "6", "--people", "300",
                          "--years", "1", *mode], capture_output=True, text=True, timeout=300, check=True).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    assert figures["psa_seconds"] > 0 and figures["main_peak_rss_mib"] > 0
    assert figures["compare"] == (mode == ["--compare"]) and figures["own_numbers"] == bool(mode)
