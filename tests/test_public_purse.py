"""Earnings, benefits and tax by hours worked (issue 15.1): the rules by hand, both engines alike, and the
public purse split by payer every month."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import small
from model import ScenarioError, simulate, validate_scenario
from test_engines_agree import assert_same

WEEKS = 52 / 12  # weeks in a month

IN_WORK = {
    "regime": "esa_permitted_work",
    "wage_per_hour": 11.44,
    "out_of_work_weekly": {"low": 130, "high": 150},
    "permitted_work": {"hours_below": 16, "weekly_earnings_limit": 183.5},
    "universal_credit": {"work_allowance_monthly": 404, "taper": 0.55},
    "tax": {"personal_allowance": 12570, "basic_rate": 0.2, "ni_primary_threshold": 12570, "ni_rate": 0.08},
}


def _purse(**in_work) -> dict:
    return {"benefits_weekly": {"day_service": 120}, "in_work": {**IN_WORK, **in_work}}


def _spec(**in_work):
    return validate_scenario(small(public_purse=_purse(**in_work)))._compiled


def test_esa_permitted_work_keeps_everything_under_the_limits_by_hand():
    spec = _spec()  # hours values 8, 16, 30
    low = spec.cohort.bands.index("low")
    benefit, tax, earnings = spec.benefit_tax_earnings(spec.policy.work, low, 8.0)
    assert benefit == pytest.approx(130 * WEEKS)  # 8 h x 11.44 = 91.52 a week: under 16 hours and GBP 183.50
    assert tax == 0.0  # 4,759 a year: under both thresholds
    assert earnings == pytest.approx(8 * 11.44 * WEEKS)


def test_at_16_hours_universal_credit_tapers_by_hand():
    spec = _spec()
    low = spec.cohort.bands.index("low")
    benefit, tax, _ = spec.benefit_tax_earnings(spec.policy.work, low, 16.0)
    monthly = 16 * 11.44 * 52 / 12
    lost_weekly = 0.55 * (monthly - 404) * 12 / 52
    assert benefit == pytest.approx((130 - lost_weekly) * WEEKS)
    assert tax == 0.0  # 9,519 a year
    benefit, tax, _ = spec.benefit_tax_earnings(spec.policy.work, low, 30.0)
    annual = 30 * 11.44 * 52
    assert benefit == 0.0  # the taper takes it all
    assert tax == pytest.approx((0.2 + 0.08) * (annual - 12570) / 12)


def test_universal_credit_for_everyone_tapers_at_8_hours_too():
    spec = _spec(regime="universal_credit", permitted_work=None)
    benefit, _, _ = spec.benefit_tax_earnings(spec.policy.work, 0, 8.0)
    monthly = 8 * 11.44 * 52 / 12  # 396.59: under the work allowance
    assert monthly < 404 and benefit == pytest.approx(130 * WEEKS)


def test_out_of_work_states_keep_their_own_benefit():
    spec = _spec()
    day = spec.states.index("day_service")
    benefit, tax, earnings = spec.benefit_tax_earnings(day, 0, 0.0)
    assert (benefit, tax, earnings) == (pytest.approx(120 * WEEKS), 0.0, 0.0)


def test_the_engines_agree_and_the_purse_adds_up_by_payer_every_month():
    sc = validate_scenario(small(horizon={"years": 3}, public_purse=_purse()))
    assert_same(sc)
    m = simulate(sc, seed=4).monthly
    assert (m["earnings"] > 0).all()
    np.testing.assert_allclose(m["cost_public_purse"], m["cost_council"] + m["cost_dwp"] + m["cost_hmrc"], rtol=1e-12)
    np.testing.assert_allclose(m["cost_dwp"], m["benefits_paid"])
    np.testing.assert_allclose(-m["cost_hmrc"], m["tax_ni_received"])


def test_the_flat_table_is_what_it_was():
    spec = validate_scenario(small())._compiled  # benefits 80 in work, 0.5 a hour worked
    benefit, tax, earnings = spec.benefit_tax_earnings(spec.policy.work, 0, 16.0)
    assert (benefit, tax, earnings) == (pytest.approx(80 * WEEKS), pytest.approx(16 * 0.5 * WEEKS), 0.0)


@pytest.mark.parametrize("change, says", [
    ({"tax_ni_per_hour": 0.3}, "not both"),
    ({"in_work": {**IN_WORK, "permitted_work": None}}, "needs in_work.permitted_work"),
    ({"benefits_weekly": {"paid_work": 80}}, "public_purse.benefits_weekly.paid_work: in work the benefit follows"),
])
def test_in_work_mistakes_are_named(change, says):
    purse = {**_purse(), **change}
    with pytest.raises(ScenarioError, match=says):
        validate_scenario(small(public_purse=purse))
