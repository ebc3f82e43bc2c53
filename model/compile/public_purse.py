"""Earnings, benefits and tax of a person in paid work, by weekly hours worked: tables over the scenario's
hours values that both engines look a person's hours up in."""

from __future__ import annotations

import numpy as np

from model.compile import discounting, transitions
from model.scenario.schema import InWork, PublicPurse


def _in_work_benefit_weekly(w: InWork, out_of_work: np.ndarray, hours: float, weeks_per_year: float) -> np.ndarray:
    """The weekly benefit kept in work at `hours` a week, by band."""
    earnings = w.wage_per_hour * hours
    pw = w.permitted_work
    if w.regime == "esa_permitted_work" and hours < pw.hours_below and earnings <= pw.weekly_earnings_limit:
        return out_of_work.copy()
    uc = w.universal_credit
    monthly = earnings * weeks_per_year / 12.0
    lost_weekly = uc.taper * max(0.0, monthly - uc.work_allowance_monthly) * 12.0 / weeks_per_year
    return np.maximum(0.0, out_of_work - lost_weekly)


def _tax_yearly(w: InWork, hours: float, weeks_per_year: float) -> float:
    """Income tax and employee National Insurance a year on the earnings of `hours` a week."""
    annual, t = w.wage_per_hour * hours * weeks_per_year, w.tax
    income_tax = t.basic_rate * max(0.0, annual - t.personal_allowance)
    return income_tax + t.ni_rate * max(0.0, annual - t.ni_primary_threshold)


def work_tables(pp: PublicPurse | None, bands: list[str], hours_values: np.ndarray, work_benefit_flat: np.ndarray,
                weeks_per_year: float, cycle_months: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(benefit [band, hours value], tax [hours value], earnings [hours value]), each per cycle, for a person in
    paid work. Without `in_work`: the work state's flat benefit (`work_benefit_flat`, per cycle, by band) and
    tax_ni_per_hour; earnings are then unknown (0)."""
    def per_cycle(weekly):
        return discounting.weekly_to_cycle(weekly, weeks_per_year, cycle_months)

    B, V = len(bands), len(hours_values)
    if pp is None or pp.in_work is None:
        rate = pp.tax_ni_per_hour if pp is not None else 0.0
        return np.repeat(work_benefit_flat[:, None], V, axis=1), hours_values * per_cycle(rate), np.zeros(V)
    w = pp.in_work
    out_of_work = transitions.by_band(w.out_of_work_weekly, bands)
    benefit = np.zeros((B, V))
    for h, hours in enumerate(hours_values):
        benefit[:, h] = per_cycle(_in_work_benefit_weekly(w, out_of_work, float(hours), weeks_per_year))
    tax = np.array([_tax_yearly(w, float(h), weeks_per_year) * cycle_months / 12.0 for h in hours_values])
    return benefit, tax, per_cycle(hours_values * w.wage_per_hour)
