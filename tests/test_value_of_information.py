"""Value of information against closed forms: EVPI and EVPPI of a linear net benefit in normal parameters."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from model.analysis.value_of_information import evpi, evppi, voi_table
import pandas as pd


def _expected_positive_part(m: float, s: float) -> float:
    """E[max(0, Z)] for Z ~ Normal(m, s^2)."""
    return m * norm.cdf(m / s) + s * norm.pdf(m / s)


def test_evpi_and_evppi_of_a_linear_model_match_their_closed_forms():
    rng = np.random.default_rng(1)
    n = 200_000
    x, y = rng.normal(0, 1, n), rng.normal(0, 1, n)
    a, b, c = 0.3, 1.0, 0.5
    inb = a + b * x + c * y
    exact_evpi = _expected_positive_part(a, np.hypot(b, c)) - a
    exact_x = _expected_positive_part(a, b) - a  # E[INB | x] = a + b x
    exact_y = _expected_positive_part(a, c) - a
    assert evpi(inb) == pytest.approx(exact_evpi, abs=0.005)
    assert evppi(x, inb) == pytest.approx(exact_x, abs=0.005)
    assert evppi(y, inb) == pytest.approx(exact_y, abs=0.005)
    assert evppi(np.column_stack([x, y]), inb) == pytest.approx(exact_evpi, abs=0.005)


def test_a_nonlinear_effect_is_found_by_the_smooth_terms():
    rng = np.random.default_rng(2)
    x, e = rng.uniform(-2, 2, 50_000), rng.normal(0, 1, 50_000)
    inb = x ** 2 - 1.0 + e  # E[INB | x] = x^2 - 1: the decision turns on x, though INB is uncorrelated with it
    exact = np.maximum(np.linspace(-2, 2, 400_001) ** 2 - 1, 0).mean() - max(0.0, 4 / 3 - 1)
    assert evppi(x, inb) == pytest.approx(exact, abs=0.01)


def test_the_table_has_a_row_per_wtp_and_nothing_for_a_parameter_that_does_not_matter():
    rng = np.random.default_rng(3)
    draws = pd.DataFrame({"costs.a": rng.normal(size=4000), "costs.b": rng.normal(size=4000), "fixed": 1.0})
    saving = 100 * draws["costs.a"].to_numpy()
    table = voi_table(draws, saving, extra_outcomes=np.ones(4000), wtp=[0.0, 50.0])
    assert table["wtp_per_outcome"].tolist() == [0.0, 50.0]
    assert "evppi: fixed" not in table
    assert table["evppi: costs.b"].abs().max() < 1.5
    assert table["evppi: all of costs"].iloc[0] == pytest.approx(table["evpi"].iloc[0], rel=0.02)
