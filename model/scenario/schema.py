"""The scenario file's schema: what a dayshift YAML scenario may contain, as pydantic models.

Field-level rules (types, ranges, unknown keys) live here; rules that relate fields to each other
(state names, leaving-chances that sum past 1) live in `model.scenario.checks`; `model.scenario.messages` turns every
failure into a `ScenarioError` that names the file, the field path, the value and what is allowed.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]
Months = Annotated[int, Field(ge=0, le=1200)]
Name = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
# Physical bounds: far beyond any real scenario, but finite, so money and weights cannot overflow later.
WeeklyMoney = Annotated[float, Field(ge=0.0, le=1e6)]  # per person per week
Money = Annotated[float, Field(ge=0.0, le=1e12)]  # a yearly budget, a one-off cost
Multiplier = Annotated[float, Field(ge=0.0, le=1e3)]
Weight = Annotated[float, Field(ge=0.0, le=1e9)]  # relative shares and weights
WeekHours = Annotated[float, Field(gt=0.0, le=168.0)]
Rate = Annotated[float, Field(ge=0.0, le=1e3)]  # events per person-year

EXIT_STATES = ("retired", "died", "moved_away")


class Strict(BaseModel):
    """Base for every scenario block: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# A value that is either one number for everyone or a number per support-need band.
ByBandProbability = Union[Probability, dict[Name, Probability]]
ByBandMoney = Union[WeeklyMoney, dict[Name, WeeklyMoney]]


def _steps(at: list, values: list, at_name: str, values_name: str, from_zero: bool = False) -> None:
    """A table of values at points: as many values as points, the points strictly increasing (and, for a
    step table that covers everything, starting at 0)."""
    if len(at) != len(values):
        raise ValueError(f"{at_name} and {values_name} must have the same length")
    if any(b <= a for a, b in zip(at, at[1:])):
        raise ValueError(f"{at_name} must be strictly increasing")
    if from_zero and at[0] != 0:
        raise ValueError(f"{at_name} must start at 0")


class TimeInState(Strict):
    """A step table of multipliers by months already spent in the state: ratio[i] applies from months[i]."""

    months: list[Months] = Field(min_length=1)
    ratio: list[Multiplier] = Field(min_length=1)

    @model_validator(mode="after")
    def _shape(self) -> "TimeInState":
        _steps(self.months, self.ratio, "months", "ratio", from_zero=True)
        return self


class Transition(Strict):
    """The chance of moving to one target state: exactly one of annual, monthly or rate."""

    annual: ByBandProbability | None = Field(None, description="Probability of moving within a year.")
    monthly: ByBandProbability | None = Field(None, description="Probability of moving within a month.")
    rate: Union[Rate, dict[Name, Rate], None] = Field(
        None, description="Annual rate (events per person-year); monthly probability is 1 - exp(-rate/12)."
    )
    by_age: dict[str, Multiplier] | None = Field(
        None, description="Multipliers on the monthly probability by age band label (e.g. '55+')."
    )
    time_in_state: TimeInState | None = Field(
        None, description="Multipliers on the monthly probability by months already spent in the state."
    )

    @model_validator(mode="after")
    def _one_kind(self) -> "Transition":
        given = [k for k in ("annual", "monthly", "rate") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of annual, monthly or rate (got {given or 'none'})")
        return self


class StateDef(Strict):
    label: str | None = None
    service: Name | None = Field(None, description="The service (cost line) this state's costs fall under.")
    death: bool = Field(False, description="An absorbing death state of a decision model: nobody leaves it, it costs "
                                           "nothing and has no outcome, and its people are counted as deaths.")


class ServiceDef(Strict):
    kind: Literal["proactive", "reactive", "other"] = Field(
        "other", description="Proactive (employment) or reactive (day services) spend, for the budget shift."
    )
    label: str | None = None
    cashable_share: Probability = Field(
        0.0, description="Share of a fall in this service's running costs the council can bank: 1 where a package "
                         "or a block ends with the need for it, 0 where the capacity freed is still paid for. A rise "
                         "is always cash. Day centres' fixed costs released by a closure are always cashable; "
                         "default 0, the conservative reading.")


class InitialGroup(Strict):
    state: Name
    count: Annotated[int, Field(ge=0, le=10_000_000)]
    band_mix: dict[Name, Weight] | None = Field(None, description="Shares by band; default population.band_mix.")
    age_mix: dict[str, Weight] | None = Field(None, description="Shares by age band label; default population.age_mix.")
    months_in_state: Months = Field(0, description="Months the group has already spent in its state (e.g. job tenure).")


class Inflow(Strict):
    per_year: Annotated[float, Field(ge=0, le=1_000_000)] = Field(
        description="Young people entering services each year (spread evenly over months).")
    until_year: Annotated[int, Field(ge=0, le=120)] | None = Field(None, description="Inflow stops after this many years; required for a lifetime horizon.")
    age: Annotated[float, Field(ge=16, le=70)] = 18.0
    band_mix: dict[Name, Weight] | None = None
    entry: dict[Name, Weight] = Field(
        default_factory=lambda: {"day_service": 1.0},
        description="Shares of entrants by entry state under the day-service route.",
    )


class Mortality(Strict):
    annual_by_age: dict[str, Probability] = Field(description="Annual probability of death by age band label.")
    band_ratio: dict[Name, Multiplier] = Field(default_factory=dict, description="Multiplier by band (default 1).")


class Population(Strict):
    bands: list[Name] = Field(min_length=1)
    age_bands: list[Annotated[int, Field(ge=16, le=80)]] = Field(
        default_factory=lambda: [18, 25, 35, 45, 55],
        description="Lower edges of the age bands; the last band runs to state pension age. Labels are '18-24', ..., '55+'.",
    )
    band_mix: dict[Name, Weight]
    age_mix: dict[str, Weight] | None = Field(None, description="Shares of the initial stock by age band; default even.")
    initial: list[InitialGroup] = Field(min_length=1)
    wants_work: ByBandProbability = Field(0.65, description="Share who want paid work, overall or by band.")
    personal_budget_share: Probability = 0.0
    inflow: Inflow | None = None
    mortality: Mortality | None = None
    moving_away_annual: Probability = 0.0
    state_pension_age: Annotated[float, Field(ge=50, le=80)] = 67.0
    leave_at_pension_age: bool = Field(
        True, description="People leave the model at state pension age (adult day services end there); false keeps "
                          "them, as a decision model of a disease would. The age still ends the oldest age band.")

    @model_validator(mode="after")
    def _edges(self) -> "Population":
        if any(b <= a for a, b in zip(self.age_bands, self.age_bands[1:])):
            raise ValueError("age_bands must be strictly increasing lower edges")
        return self


WeeklyHours = Annotated[float, Field(ge=0.0, le=168.0)]


class JobCoach(Strict):
    """A state priced by job-coach time: hours a week per person (overall or by band) at a cost per hour.
    The state's time_in_state multipliers scale the hours (in-work support fading as a job settles)."""

    hours_per_week: Union[WeeklyHours, dict[Name, WeeklyHours]] = Field(
        description="Job-coach hours a week per person at the start of the state, overall or by band.")
    cost_per_hour: Annotated[float, Field(ge=0.0, le=1e4)] = Field(
        description="Cost of a job-coach hour, on-costs included.")


class StateCost(Strict):
    weekly: ByBandMoney | None = Field(None, description="Cost per person per week, overall or by band.")
    monthly: Union[Money, dict[Name, Money], None] = Field(None, description="Cost per person per month instead.")
    yearly: Union[Money, dict[Name, Money], None] = Field(None, description="Cost per person per year instead.")
    job_coach: JobCoach | None = Field(None, description="Priced by job-coach hours instead of a weekly cost.")
    time_in_state: TimeInState | None = Field(None, description="Multipliers by months in the state (e.g. in-work support tapering).")

    @model_validator(mode="after")
    def _one_price(self) -> "StateCost":
        given = [k for k in ("weekly", "monthly", "yearly", "job_coach") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of weekly, monthly, yearly or job_coach (got {given or 'none'})")
        return self

    def weekly_cost_at(self, weeks_per_year: float) -> ByBandMoney:
        """The weekly cost, overall or by band, whichever way it was given (a year holds weeks_per_year weeks)."""
        for given, per_year in ((self.monthly, 12.0), (self.yearly, 1.0)):
            if given is not None:
                scale = per_year / weeks_per_year
                return {b: v * scale for b, v in given.items()} if isinstance(given, dict) else given * scale
        return self.weekly_cost

    @property
    def weekly_cost(self) -> ByBandMoney:
        """The weekly cost, overall or by band, whichever way it was given."""
        if self.job_coach is None:
            return self.weekly
        hours, rate = self.job_coach.hours_per_week, float(self.job_coach.cost_per_hour)
        if isinstance(hours, dict):
            return {band: h * rate for band, h in hours.items()}
        return hours * rate


class TransitionCost(Strict):
    source: Name = Field(alias="from")
    to: Name
    cost: Money

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)


class DayCentres(Strict):
    count: Annotated[int, Field(ge=0, le=100_000)]
    places_each: Annotated[int, Field(gt=0, le=1_000_000)]
    fixed_per_year: Money = Field(description="Fixed cost of one open centre a year (building, staff base).")
    close_below: Probability = Field(
        0.5, description="A centre closes when attendance falls below this share of the places in open centres."
    )
    double_running_months: Months = Field(6, description="Months a closed centre's fixed costs still run.")
    consultation_months: Months = Field(
        0, description="Months of consultation between deciding to close a centre and closing it; its fixed costs "
                       "run on through them, before double running.")


Days = Annotated[float, Field(ge=0.0, le=7.0)]


class KeptInWork(Strict):
    """Days a week kept of the service a person came from, by weekly hours worked: days[i] applies from
    hours[i] hours a week (steps)."""

    hours: list[Annotated[float, Field(ge=0.0, le=168.0)]] = Field(min_length=1)
    days: list[Days] = Field(min_length=1)

    @model_validator(mode="after")
    def _shape(self) -> "KeptInWork":
        _steps(self.hours, self.days, "hours", "days", from_zero=True)
        return self


class DayWeek(Strict):
    """A person's week on the employment pathway: what they keep of the service they came from (a day
    centre, community day opportunities) while waiting, in job search and in work, charged per day at that
    service's weekly cost over its days. The default keeps everything until a job starts: a queue or a job
    search never saves money by itself."""

    days: Union[Days, dict[Name, Days]] = Field(
        5.0, description="Days a week a day-time package holds, overall or by band (the cost per day is the "
                         "service's weekly cost over these days).")
    kept_waiting: Days | Literal["all"] = Field("all", description="Days a week kept while waiting for a place.")
    kept_job_search: Days | Literal["all"] = Field("all", description="Days a week kept in supported employment.")
    kept_in_work: KeptInWork | None = Field(
        None, description="Days a week kept in paid work, by hours worked; none given: nothing is kept in work.")


class Costs(Strict):
    weeks_per_year: Annotated[float, Field(gt=0.0, le=53.0)] = 52.0
    states: dict[Name, StateCost] = Field(default_factory=dict)
    no_cost: dict[Name, str] = Field(
        default_factory=dict, description="States that cost the council nothing, each with the reason (a source, "
                                          "or 'assumption: ...'); every other state needs a cost.")
    transitions: list[TransitionCost] = Field(default_factory=list)
    day_centres: DayCentres | None = None
    day_week: DayWeek = DayWeek()


class PermittedWork(Strict):
    """ESA permitted work: under both limits a person keeps all their ESA; above either, Universal Credit's
    rules apply instead (new claims have gone to Universal Credit since its roll-out)."""

    hours_below: Annotated[float, Field(gt=0.0, le=168.0)] = Field(16.0, description="Weekly hours must be under this.")
    weekly_earnings_limit: WeeklyMoney = Field(description="Weekly earnings allowed without losing ESA.")


class UniversalCredit(Strict):
    """Universal Credit for people with limited capability for work: earnings above the work allowance
    reduce the award by the taper."""

    work_allowance_monthly: Annotated[float, Field(ge=0.0, le=1e5)] = Field(
        description="Earnings a month kept in full.")
    taper: Probability = Field(description="Benefit lost per pound earned above the work allowance.")


class IncomeTaxAndNI(Strict):
    """Income tax and employee National Insurance on annual earnings above their thresholds (basic rate)."""

    personal_allowance: Money = Field(description="Annual earnings free of income tax.")
    basic_rate: Probability
    ni_primary_threshold: Money = Field(description="Annual earnings free of employee National Insurance.")
    ni_rate: Probability


class InWork(Strict):
    """Earnings, benefits and tax of people in paid work, by their weekly hours. PIP and DLA are not
    means-tested and are the same in and out of work, so they are left out."""

    regime: Literal["esa_permitted_work", "universal_credit"] = Field(
        description="esa_permitted_work: ESA kept under the permitted-work limits, Universal Credit's rules above "
                    "them; universal_credit: the work allowance and taper for everyone.")
    wage_per_hour: Annotated[float, Field(ge=0.0, le=1e4)] = Field(description="Gross pay per hour worked.")
    out_of_work_weekly: ByBandMoney = Field(
        description="The means-tested benefit a person has out of work, which earnings may reduce.")
    permitted_work: PermittedWork | None = None
    universal_credit: UniversalCredit
    tax: IncomeTaxAndNI


class PublicPurse(Strict):
    benefits_weekly: dict[Name, ByBandMoney] = Field(default_factory=dict, description="Benefits paid per week by state.")
    tax_ni_per_hour: Annotated[float, Field(ge=0.0, le=1e4)] = Field(
        0.0, description="Tax and National Insurance received per hour worked (a flat rate; see in_work).")
    in_work: InWork | None = Field(
        None, description="Earnings, benefits and tax in paid work by hours worked, instead of the flat "
                          "benefits_weekly of the work state and tax_ni_per_hour.")

    @model_validator(mode="after")
    def _one_way(self) -> "PublicPurse":
        if self.in_work is not None and self.tax_ni_per_hour:
            raise ValueError("give tax_ni_per_hour or in_work (which works out tax from earnings), not both")
        w = self.in_work
        if w is not None and w.regime == "esa_permitted_work" and w.permitted_work is None:
            raise ValueError("the esa_permitted_work regime needs in_work.permitted_work")
        return self


class Hours(Strict):
    values: list[WeekHours] = Field(min_length=1)
    weights: list[Weight] = Field(min_length=1)

    @model_validator(mode="after")
    def _shape(self) -> "Hours":
        if len(self.values) != len(self.weights) or sum(self.weights) <= 0:
            raise ValueError("values and weights must have the same length and weights a positive sum")
        return self


class Caseload(Strict):
    """Employment support priced by its staff: one employment specialist (job coach) a year, shared by a
    caseload of people in job search. IPS fidelity's top score is 20 or fewer active clients each."""

    clients_per_specialist: Annotated[float, Field(gt=0.0, le=1000.0)] = Field(
        description="People each full-time specialist supports at once (IPS fidelity's best: 20 or fewer).")
    cost_per_specialist_per_year: Money = Field(description="A full-time specialist's cost a year, on-costs included.")


class ServiceModel(Strict):
    spend_share: Probability
    job_outcome_rate: ByBandProbability = Field(
        description="Annual probability that a person supported starts a job, overall or by band.")
    cost_per_job_outcome: Money | None = None
    cost_per_place_per_year: Money | None = Field(
        None, description="Default: cost_per_job_outcome x job_outcome_rate (NDTi's figures imply it)."
    )
    caseload: Caseload | None = Field(
        None, description="Priced by employment specialists instead: a place is a specialist's cost over their caseload.")

    @model_validator(mode="after")
    def _cost(self) -> "ServiceModel":
        given = [k for k in ("cost_per_job_outcome", "cost_per_place_per_year", "caseload") if getattr(self, k) is not None]
        if not given or ("caseload" in given and len(given) > 1):
            raise ValueError("give cost_per_job_outcome or cost_per_place_per_year, or a caseload instead of both "
                             f"(got {given or 'none'})")
        return self

    @property
    def place_cost_per_year(self) -> float:
        if self.caseload is not None:
            return float(self.caseload.cost_per_specialist_per_year) / float(self.caseload.clients_per_specialist)
        if self.cost_per_place_per_year is not None:
            return float(self.cost_per_place_per_year)
        rate = self.job_outcome_rate
        mean_rate = sum(rate.values()) / len(rate) if isinstance(rate, dict) else float(rate)  # bands weigh alike
        return float(self.cost_per_job_outcome) * mean_rate


class Referral(Strict):
    annual: Probability = Field(description="Yearly chance that someone who wants work is referred for employment support.")
    source: list[Name] = Field(default_factory=lambda: ["day_service"], alias="from")
    eligible_bands: list[Name] | None = Field(None, description="Bands that may be referred; default all.")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)


class EmploymentSupport(Strict):
    budget_per_year: Money = Field(description="Employment support budget at the start; it buys the places.")
    service_models: dict[Name, ServiceModel]

    @model_validator(mode="after")
    def _shares(self) -> "EmploymentSupport":
        total = sum(m.spend_share for m in self.service_models.values())
        if not self.service_models or abs(total - 1.0) > 1e-6:
            raise ValueError(f"service model spend_share values must sum to 1 (they sum to {total:g})")
        return self


class Funding(Strict):
    model: Literal["block", "money_follows_person"] = "block"
    lag_months: Months = 0
    unspent: Literal["held", "carried_forward", "returned_to_day_services"] = Field(
        "held", description="What becomes of employment budget not spent in a cycle: held (not spent: the council "
                            "keeps it), carried_forward (added to the next cycle's budget, so it buys places later) "
                            "or returned_to_day_services (the moved part is paid back to day services and spent "
                            "there).")


class Uptake(Strict):
    """Of the people holding a personal budget, the share who use it for employment support when referred,
    by projection year: linear between the years given, flat before the first and after the last."""

    years: list[Annotated[float, Field(ge=0.0, le=1000.0)]] = Field(min_length=1)
    share: list[Probability] = Field(min_length=1)

    @model_validator(mode="after")
    def _shape(self) -> "Uptake":
        _steps(self.years, self.share, "years", "share")
        return self


class PersonalBudgets(Strict):
    usable_for_employment: bool = False
    uptake: Uptake | None = Field(
        None, description="How many budget holders use their budget for work, growing over time; default all.")

    @model_validator(mode="after")
    def _uptake_needs_use(self) -> "PersonalBudgets":
        if self.uptake is not None and not self.usable_for_employment:
            raise ValueError("uptake applies only when usable_for_employment is true")
        return self


class PolicyStates(Strict):
    day: Name = "day_service"
    waiting: Name = "waiting"
    support: Name = "supported_employment"
    work: Name = "paid_work"


class Investment(Strict):
    """An up-front or set-up cost of the policy (seed funding, training, a new team), spread evenly over
    its months from its first month."""

    label: str = Field(min_length=1, max_length=200)
    cost: Money = Field(description="The whole cost, in the price year's pounds.")
    start: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] | None = Field(
        None, alias="from", description="First month it falls in, YYYY-MM; default the scenario's start.")
    months: Annotated[int, Field(ge=1, le=1200)] = Field(1, description="Months it is spread over.")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)


class Policy(Strict):
    entry_route: Literal["day_service", "employment_first"] = "day_service"
    referral: Referral
    employment_support: EmploymentSupport
    funding: Funding = Funding()
    personal_budgets: PersonalBudgets = PersonalBudgets()
    states: PolicyStates = PolicyStates()
    investment: list[Investment] = Field(
        default_factory=list, description="Up-front and set-up costs, charged to the council when they fall.")
    set_up_per_place: Money = Field(
        0.0, description="One-off cost of each employment-support place filled beyond the most filled before "
                         "(recruiting and training staff for it).")


class RateStep(Strict):
    from_year: Annotated[int, Field(ge=0, le=1000)]
    rate: Annotated[float, Field(ge=0.0, le=0.5)]


class DiscountSchedule(Strict):
    rate: Annotated[float, Field(ge=0.0, le=0.5)] | None = None
    schedule: list[RateStep] | None = None

    @model_validator(mode="after")
    def _one(self) -> "DiscountSchedule":
        if (self.rate is None) == (self.schedule is None):
            raise ValueError("give exactly one of rate or schedule")
        if self.schedule is not None:
            years = [s.from_year for s in self.schedule]
            if years[0] != 0 or any(b <= a for a, b in zip(years, years[1:])):
                raise ValueError("schedule from_year values must start at 0 and increase")
        return self


DiscountSpec = Union[Literal["green_book", "none"], DiscountSchedule]


class Discounting(Strict):
    costs: DiscountSpec = "green_book"
    outcomes: DiscountSpec = "green_book"
    timing: Literal["annual", "start", "middle", "end"] = Field(
        "annual",
        description=(
            "When in time a cycle's costs count: 'annual' discounts every month of year y by year y's factor "
            "(year 0 undiscounted, the Green Book's annual convention); 'start', 'middle', 'end' use the "
            "cycle's start, middle or end in fractional years."
        ),
    )
    within_cycle: Literal["none", "half_cycle", "trapezoid", "simpson"] = Field(
        "none", description="A within-cycle correction of discounted costs and outcomes, over the state at the start "
                            "and at the end of each cycle: none (the end only), half_cycle or trapezoid (half of the "
                            "first and last points), simpson (Simpson's 1/3 rule; an even number of cycles).")
    count_start: bool = Field(
        False, description="Count the start state as a cycle's worth at time 0 (with within_cycle: none).")


class Horizon(Strict):
    years: Annotated[int, Field(gt=0, le=120)]


class CatchAll(Strict):
    """A calibrated value that stands for what the model's structure misses: comparisons report how much of a
    policy's saving it carries, by running the policy with the value it would have without the catch-all."""

    path: str = Field(description="Dotted path of the number in this scenario, e.g. transitions.day_service.community_day.annual.")
    without: float = Field(description="The value without the catch-all (usually the baseline's).")
    label: str = Field(description="What it stands for, in words, for reports.")


OutcomeWeight = Annotated[float, Field(ge=-1e9, le=1e9)]


class Correlation(Strict):
    """Correlated uncertain values: a Gaussian copula over the named distributions, each keeping its own
    distribution (marginal), with this correlation matrix between their normal scores."""

    parameters: list[str] = Field(min_length=2, description="Dotted paths of values written as distributions.")
    matrix: list[list[Annotated[float, Field(ge=-1.0, le=1.0)]]] = Field(
        description="Correlations, one row per parameter: symmetric, 1 on the diagonal, positive definite.")

    @model_validator(mode="after")
    def _shape(self) -> "Correlation":
        k = len(self.parameters)
        if len(set(self.parameters)) != k:
            raise ValueError("each parameter may be named once")
        if len(self.matrix) != k or any(len(row) != k for row in self.matrix):
            raise ValueError(f"the matrix must be {k} by {k}, one row and column per parameter")
        for i in range(k):
            if self.matrix[i][i] != 1.0:
                raise ValueError("the diagonal must be 1")
            for j in range(i):
                if self.matrix[i][j] != self.matrix[j][i]:
                    raise ValueError(f"the matrix must be symmetric (row {i + 1}, column {j + 1})")
        return self


class Scenario(Strict):
    name: str
    description: str = ""
    start: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = Field(
        "2025-04", description="First month of the projection, YYYY-MM."
    )
    horizon: Union[Horizon, Literal["lifetime"]] = Field(
        description="How long to project: {years: N}, or lifetime (until everyone has left).")
    cycle: Literal["month", "year"] = "month"
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = 0
    price_year: Annotated[str, Field(pattern=r"^\d{4}-\d{2}$")] = Field(
        "2023-24", description="The financial year whose prices every amount is in, written 2023-24.")
    states: dict[Name, StateDef] = Field(min_length=1)
    services: dict[Name, ServiceDef] = Field(default_factory=dict)
    population: Population
    transitions: dict[Name, dict[Name, Transition]] = Field(default_factory=dict)
    costs: Costs = Costs()
    outcome_weights: dict[Name, Union[OutcomeWeight, dict[Name, OutcomeWeight]]] = Field(
        default_factory=dict, description="Per-year outcome weight by state (e.g. a utility for QALYs), overall or by band.")
    public_purse: PublicPurse | None = None
    hours: Hours = Hours(values=[12.0], weights=[1.0])
    policy: Policy | None = None
    discounting: Discounting = Discounting()
    sources: dict[str, str] = Field(default_factory=dict, description="Where each parameter comes from.")
    outcome_time_in_state: dict[Name, TimeInState] = Field(
        default_factory=dict, description="Multipliers on a state's outcome weight by months already in it.")
    correlation: Correlation | None = Field(
        None, description="Correlations between values written as distributions (a Gaussian copula), for the PSA.")
    catch_alls: list[CatchAll] = Field(
        default_factory=list, description="Calibrated values standing for what the structure misses; comparisons "
                                          "say how much of the saving each carries.")

    # Set by the loader (model.compile.validate): the data as read after `extends` (for drawing
    # distributions and for the manifest), the values written as distributions, and the compiled spec.
    _data: dict | None = PrivateAttr(default=None)
    _uncertain: list = PrivateAttr(default_factory=list)
    _compiled: object = PrivateAttr(default=None)
    _notes: list = PrivateAttr(default_factory=list)

    @property
    def data(self) -> dict | None:
        """The scenario as read, after `extends`, distributions as written (None if built in code)."""
        return self._data

    @property
    def notes(self) -> list[str]:
        """What the loader noticed that may not be what the author meant (a list replacing a parent's, no costs)."""
        return list(self._notes)

    @property
    def uncertain(self) -> list:
        """The scenario's values written as distributions (`model.scenario.distributions.Uncertain`)."""
        return list(self._uncertain)
