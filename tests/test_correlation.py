"""Correlated parameters in the PSA (issue 16.2): a Gaussian copula that keeps each value's distribution."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from helpers import small
from model import ScenarioError, validate_scenario
from model.analysis.psa_draws import draw_specs

A = "policy.referral.annual"
B = "transitions.supported_employment.day_service.annual"


def _scenario(rho: float, **corr):
    d = small()
    d["policy"]["referral"]["annual"] = {"dist": "beta", "a": 5, "b": 5}
    d["transitions"]["supported_employment"]["day_service"]["annual"] = {"dist": "beta", "a": 20, "b": 80}
    d["correlation"] = {"parameters": [A, B], "matrix": [[1, rho], [rho, 1]], **corr}
    return validate_scenario(d)


def test_correlated_draws_keep_their_distributions_and_follow_the_matrix():
    n = 4000
    _, table = draw_specs(_scenario(0.8), n, seed=3)
    _, alone = draw_specs(_scenario(0.0), n, seed=3)
    rho = stats.spearmanr(table[A], table[B]).statistic
    assert 0.75 < rho < 0.83  # Spearman's rho of a Gaussian copula at 0.8 is about 0.79
    assert abs(stats.spearmanr(alone[A], alone[B]).statistic) < 0.05
    np.testing.assert_array_equal(table[A], alone[A])  # the first parameter draws as it would alone
    assert stats.kstest(table[B], stats.beta(20, 80).cdf).pvalue > 0.01  # its own distribution kept


@pytest.mark.parametrize("change, says", [
    (dict(matrix=[[1, 0.5], [0.4, 1]]), "symmetric"),
    (dict(parameters=[A, "policy.employment_support.budget_per_year"]), "not a value written as a distribution"),
])
def test_bad_correlations_are_named(change, says):
    with pytest.raises(ScenarioError, match=says):
        _scenario(0.5, **change)


def test_contradictory_correlations_are_refused():
    d = small()
    d["policy"]["referral"]["annual"] = {"dist": "beta", "a": 5, "b": 5}
    d["transitions"]["supported_employment"]["day_service"]["annual"] = {"dist": "beta", "a": 20, "b": 80}
    d["population"]["moving_away_annual"] = {"dist": "beta", "a": 2, "b": 98}
    C = "population.moving_away_annual"
    d["correlation"] = {"parameters": [A, B, C], "matrix": [[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]]}
    with pytest.raises(ScenarioError, match="not positive definite"):
        validate_scenario(d)
