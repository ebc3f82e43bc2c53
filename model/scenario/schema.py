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

# Examples for the JSON Schema editors show (`dayshift schema`), in the form a YAML author writes them; most
# are the shipped scenarios' values (scenarios/baseline.yaml, scenarios/essex_live.yaml).
_BANDS = ["low", "moderate", "high", "complex"]
_BAND_MIX = {"low": 0.20, "moderate": 0.35, "high": 0.30, "complex": 0.15}
_AGE_MIX = {"18-24": 0.20, "25-34": 0.25, "35-44": 0.20, "45-54": 0.20, "55+": 0.15}
_TENURE = {"months": [0, 6, 12], "ratio": [2.0, 1.0, 0.6]}
_FADING = {"months": [0, 3, 8], "ratio": [1.0, 0.5, 0.25]}
_DAY_CENTRE_WEEKLY = {"low": 100, "moderate": 130, "high": 180, "complex": 260}
_JOB_COACH = {"hours_per_week": {"low": 3, "moderate": 4, "high": 6, "complex": 8},
              "cost_per_hour": {"dist": "gamma", "shape": 25, "scale": 1.5}}
_KEPT_IN_WORK = {"hours": [0, 8, 16, 30],
                 "days": [3, {"dist": "triangular", "low": 1, "mode": 2, "high": 3}, 1, 0]}
_DAY_WEEK = {"days": {"low": 3, "moderate": 4, "high": 5, "complex": 5}, "kept_waiting": "all",
             "kept_job_search": "all", "kept_in_work": _KEPT_IN_WORK}
_PERMITTED_WORK = {"hours_below": 16, "weekly_earnings_limit": 195.5}
_UNIVERSAL_CREDIT = {"work_allowance_monthly": 411, "taper": 0.55}
_TAX = {"personal_allowance": 12570, "basic_rate": 0.20, "ni_primary_threshold": 12570, "ni_rate": 0.08}
_IN_WORK = {"regime": "esa_permitted_work", "wage_per_hour": 12.21, "out_of_work_weekly": 120,
            "permitted_work": _PERMITTED_WORK, "universal_credit": _UNIVERSAL_CREDIT, "tax": _TAX}
_EVIDENCE_BASED = {"spend_share": 0.8, "cost_per_place_per_year": {"dist": "gamma", "shape": 16, "scale": 75.75},
                   "job_outcome_rate": {"low": 0.57, "moderate": 0.45, "high": 0.25, "complex": 0.10}}
_OTHER_MODEL = {"spend_share": 0.2, "cost_per_place_per_year": 3122,
                "job_outcome_rate": {"low": 0.50, "moderate": 0.40, "high": 0.22, "complex": 0.08}}
_SERVICE_MODELS = {"evidence_based": _EVIDENCE_BASED, "other": _OTHER_MODEL}
_REFERRAL = {"annual": {"dist": "beta", "a": 40.3, "b": 175.2}, "from": ["day_service", "community_day", "no_service"],
             "eligible_bands": ["low", "moderate", "high"]}
_EMPLOYMENT_SUPPORT = {"budget_per_year": 150000, "service_models": _SERVICE_MODELS}
_INVESTMENT = {"label": "seed funding for the employment service",
               "cost": {"dist": "gamma", "shape": 16, "scale": 15625}, "from": "2020-04", "months": 12}
_GREEN_BOOK = [{"from_year": 0, "rate": 0.035}, {"from_year": 31, "rate": 0.03}, {"from_year": 76, "rate": 0.025}]
_STATES = {"day_service": {"label": "Building-based day centre", "service": "day_services"},
           "waiting": {"label": "Referred, waiting for employment support", "service": "day_services"},
           "supported_employment": {"label": "Supported employment (job coach, job search)",
                                    "service": "employment_support"},
           "paid_work": {"label": "In paid work with in-work support", "service": "in_work_support"},
           "no_service": {"label": "No day-time service"}}


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

    months: list[Months] = Field(
        min_length=1, description="Months already spent in the state from which each ratio applies: 0 first, then "
                                  "increasing.", examples=[[0, 6, 12]])
    ratio: list[Multiplier] = Field(
        min_length=1, description="The multiplier from each of those months on (1 leaves the value as it is), one per "
                                  "month given.", examples=[[2.0, 1.0, 0.6]])

    @model_validator(mode="after")
    def _shape(self) -> "TimeInState":
        _steps(self.months, self.ratio, "months", "ratio", from_zero=True)
        return self


class Transition(Strict):
    """The chance of moving to one target state: exactly one of annual, monthly or rate."""

    annual: ByBandProbability | None = Field(
        None, description="Probability of moving within a year, a share 0 to 1, for everyone or by band.",
        examples=[0.03, {"dist": "beta", "a": 4, "b": 96},
                  {"low": 0.05, "moderate": 0.04, "high": 0.02, "complex": 0.01},
                  {"calendar_years": [2020, 2025], "values": [0.18, 0.03]}])
    monthly: ByBandProbability | None = Field(
        None, description="Probability of moving within a month, a share 0 to 1, for everyone or by band.",
        examples=[0.005, {"low": 0.004, "moderate": 0.003, "high": 0.002, "complex": 0.001}])
    rate: Union[Rate, dict[Name, Rate], None] = Field(
        None, description="Annual rate (events per person-year); monthly probability is 1 - exp(-rate/12).",
        examples=[0.05, {"low": 0.08, "moderate": 0.05, "high": 0.03, "complex": 0.02}])
    by_age: dict[str, Multiplier] | None = Field(
        None, description="Multipliers on the monthly probability by age band label (e.g. '55+').",
        examples=[{"45-54": 1.5, "55+": 2.0}])
    time_in_state: TimeInState | None = Field(
        None, description="Multipliers on the monthly probability by months already spent in the state.",
        examples=[_TENURE])

    @model_validator(mode="after")
    def _one_kind(self) -> "Transition":
        given = [k for k in ("annual", "monthly", "rate") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of annual, monthly or rate (got {given or 'none'})")
        return self


class StateDef(Strict):
    label: str | None = Field(
        None, description="The state's name in reports and charts; default its key, _ read as spaces.",
        examples=["Building-based day centre"])
    service: Name | None = Field(
        None, description="The service (cost line) this state's costs fall under; default a service of the state's "
                          "own name.", examples=["day_services"])
    death: bool = Field(False, description="An absorbing death state of a decision model: nobody leaves it, it costs "
                                           "nothing and has no outcome, and its people are counted as deaths.",
                        examples=[False])


class ServiceDef(Strict):
    kind: Literal["proactive", "reactive", "other"] = Field(
        "other", description="Proactive (employment) or reactive (day services) spend, for the budget shift; "
                             "default other.", examples=["reactive", "proactive"])
    label: str | None = Field(None, description="The service's name in reports and charts; default its key.",
                              examples=["Day services"])
    cashable_share: Probability = Field(
        0.0, description="Share of a fall in this service's running costs the council can bank: 1 where a package "
                         "or a block ends with the need for it, 0 where the capacity freed is still paid for. A rise "
                         "is always cash. Day centres' fixed costs released by a closure are always cashable; "
                         "default 0, the conservative reading.", examples=[1.0, {"dist": "beta", "a": 5, "b": 5}])


class InitialGroup(Strict):
    state: Name = Field(description="The state the group's people are in at the start.", examples=["day_service"])
    count: Annotated[int, Field(ge=0, le=10_000_000)] = Field(
        description="How many people the group holds at the start.", examples=[800])
    band_mix: dict[Name, Weight] | None = Field(
        None, description="Shares by band; default population.band_mix.",
        examples=[{"low": 0.30, "moderate": 0.45, "high": 0.25, "complex": 0.0}])
    age_mix: dict[str, Weight] | None = Field(
        None, description="Shares by age band label; default population.age_mix.", examples=[_AGE_MIX])
    months_in_state: Months = Field(0, description="Months the group has already spent in its state (e.g. job tenure).",
                                    examples=[24])


class Inflow(Strict):
    per_year: Annotated[float, Field(ge=0, le=1_000_000)] = Field(
        description="Young people entering services each year (spread evenly over months).", examples=[23])
    until_year: Annotated[int, Field(ge=0, le=120)] | None = Field(
        None, description="Inflow stops after this many years; required for a lifetime horizon.", examples=[40])
    age: Annotated[float, Field(ge=16, le=70)] = Field(
        18.0, description="Age in years at which young people enter; default 18.", examples=[18])
    band_mix: dict[Name, Weight] | None = Field(
        None, description="Shares of entrants by band, summing to 1; default population.band_mix.",
        examples=[{"low": 0.25, "moderate": 0.35, "high": 0.25, "complex": 0.15}])
    entry: dict[Name, Weight] = Field(
        default_factory=lambda: {"day_service": 1.0},
        description="Shares of entrants by entry state under the day-service route (under employment first, "
                    "those who want work and may be referred are referred at once); default all to day_service.",
        examples=[{"day_service": 0.6, "community_day": 0.3, "no_service": 0.1}],
    )


class Mortality(Strict):
    annual_by_age: dict[str, Probability] = Field(
        description="Annual probability of death by age band label.",
        examples=[{"18-24": 0.003, "25-34": 0.005, "35-44": 0.010, "45-54": 0.020, "55+": 0.040}])
    band_ratio: dict[Name, Multiplier] = Field(
        default_factory=dict, description="Multiplier on those chances by band (default 1).",
        examples=[{"low": 1.0, "moderate": 1.0, "high": 1.2, "complex": 1.5}])


class Population(Strict):
    bands: list[Name] = Field(
        min_length=1, description="The support-need bands people are grouped in, lowest need first; values given "
                                  "by band use these names.", examples=[_BANDS])
    age_bands: list[Annotated[int, Field(ge=16, le=80)]] = Field(
        default_factory=lambda: [18, 25, 35, 45, 55],
        description="Lower edges of the age bands; the last band runs to state pension age. "
                    "Labels are '18-24', ..., '55+'.",
        examples=[[18, 25, 35, 45, 55]],
    )
    band_mix: dict[Name, Weight] = Field(
        description="Shares of the people at the start by band, summing to 1.", examples=[_BAND_MIX])
    age_mix: dict[str, Weight] | None = Field(
        None, description="Shares of the initial stock by age band; default even.", examples=[_AGE_MIX])
    initial: list[InitialGroup] = Field(
        min_length=1, description="The people at the start, in groups by the state they are in.",
        examples=[[{"state": "day_service", "count": 800}, {"state": "community_day", "count": 200},
                   {"state": "paid_work", "count": 50, "months_in_state": 24}]])
    wants_work: ByBandProbability = Field(
        0.65, description="Share who want paid work, 0 to 1, overall or by band; default 0.65.",
        examples=[{"low": {"dist": "beta", "a": 17, "b": 3}, "moderate": 0.70, "high": 0.50, "complex": 0.25}, 0.65])
    personal_budget_share: Probability = Field(
        0.0, description="Share of people holding a personal budget, 0 to 1; it matters only where budgets may pay "
                         "for employment support (policy.personal_budgets). Default 0.", examples=[0.25])
    inflow: Inflow | None = Field(
        None, description="Young people entering services over the years; none given: nobody enters.",
        examples=[{"per_year": 23, "age": 18, "entry": {"day_service": 0.6, "community_day": 0.3, "no_service": 0.1}}])
    mortality: Mortality | None = Field(
        None, description="Chances of dying, by age and by band; none given: nobody dies.",
        examples=[{"annual_by_age": {"18-24": 0.003, "25-34": 0.005, "35-44": 0.010, "45-54": 0.020, "55+": 0.040},
                   "band_ratio": {"low": 1.0, "moderate": 1.0, "high": 1.2, "complex": 1.5}}])
    moving_away_annual: Probability = Field(
        0.0, description="Chance a year that a person moves out of the area and leaves the model, 0 to 1; default 0.",
        examples=[0.01, {"dist": "beta", "a": 2, "b": 198}])
    state_pension_age: Annotated[float, Field(ge=50, le=80)] = Field(
        67.0, description="State pension age in years: people leave the model there (see leave_at_pension_age) and "
                          "it ends the oldest age band; default 67.",
        examples=[67])
    leave_at_pension_age: bool = Field(
        True, description="People leave the model at state pension age (adult day services end there); false keeps "
                          "them, as a decision model of a disease would. The age still ends the oldest age band.",
        examples=[True])

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
        description="Job-coach hours a week per person at the start of the state, overall or by band.",
        examples=[{"low": 3, "moderate": 4, "high": 6, "complex": 8}, 4])
    cost_per_hour: Annotated[float, Field(ge=0.0, le=1e4)] = Field(
        description="Cost of a job-coach hour, on-costs included, in pounds of the price year.",
        examples=[37.5, {"dist": "gamma", "shape": 25, "scale": 1.5}])


class StateCost(Strict):
    weekly: ByBandMoney | None = Field(
        None, description="Cost per person per week, overall or by band, in pounds of the price year.",
        examples=[{"low": {"dist": "gamma", "shape": 25, "scale": 4}, "moderate": 130, "high": 180, "complex": 260}, 0])
    monthly: Union[Money, dict[Name, Money], None] = Field(
        None, description="Cost per person per month instead, in pounds of the price year.", examples=[560])
    yearly: Union[Money, dict[Name, Money], None] = Field(
        None, description="Cost per person per year instead, in pounds of the price year.",
        examples=[6760, {"low": 5200, "moderate": 6760, "high": 9360, "complex": 13520}])
    job_coach: JobCoach | None = Field(
        None, description="Priced by job-coach hours instead of a weekly cost.", examples=[_JOB_COACH])
    time_in_state: TimeInState | None = Field(
        None, description="Multipliers by months in the state (e.g. in-work support tapering).", examples=[_FADING])

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
    source: Name = Field(alias="from", description="The state the move starts from.", examples=["day_service"])
    to: Name = Field(description="The state the move leads to.", examples=["waiting"])
    cost: Money = Field(description="One-off cost to the council of each such move, in pounds of the price year.",
                        examples=[250, {"dist": "gamma", "shape": 25, "scale": 10}])

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)


class DayCentres(Strict):
    count: Annotated[int, Field(ge=0, le=100_000)] = Field(
        description="Day centres open at the start.", examples=[10])
    places_each: Annotated[int, Field(gt=0, le=1_000_000)] = Field(
        description="Places in each centre, a place being one person attending all week.", examples=[100])
    fixed_per_year: Money = Field(
        description="Fixed cost of one open centre a year (building, staff base), in pounds of the price year.",
        examples=[200000, {"dist": "gamma", "shape": 16, "scale": 12500}])
    close_below: Probability = Field(
        0.5, description="A centre closes when attendance falls below this share of the places in open centres; "
                         "default 0.5.", examples=[0.75])
    double_running_months: Months = Field(6, description="Months a closed centre's fixed costs still run; default 6.",
                                          examples=[6])
    consultation_months: Months = Field(
        0, description="Months of consultation between deciding to close a centre and closing it; its fixed costs "
                       "run on through them, before double running.", examples=[6])


Days = Annotated[float, Field(ge=0.0, le=7.0)]


class KeptInWork(Strict):
    """Days a week kept of the service a person came from, by weekly hours worked: days[i] applies from
    hours[i] hours a week (steps)."""

    hours: list[Annotated[float, Field(ge=0.0, le=168.0)]] = Field(
        min_length=1, description="Weekly hours worked from which each number of days applies: 0 first, then "
                                  "increasing.", examples=[[0, 8, 16, 30]])
    days: list[Days] = Field(
        min_length=1, description="Days a week kept from each of those hours on, 0 to 7, capped at the package's days.",
        examples=[[3, {"dist": "triangular", "low": 1, "mode": 2, "high": 3}, 1, 0]])

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
                         "service's weekly cost over these days).",
        examples=[{"low": 3, "moderate": 4, "high": 5, "complex": 5}, 5])
    kept_waiting: Days | Literal["all"] = Field(
        "all", description="Days a week kept while waiting for a place, or all (the default).", examples=["all", 2])
    kept_job_search: Days | Literal["all"] = Field(
        "all", description="Days a week kept in supported employment, or all (the default).", examples=["all", 3])
    kept_in_work: KeptInWork | None = Field(
        None, description="Days a week kept in paid work, by hours worked; none given: nothing is kept in work.",
        examples=[_KEPT_IN_WORK])


class Costs(Strict):
    weeks_per_year: Annotated[float, Field(gt=0.0, le=53.0)] = Field(
        52.0, description="Weeks in a year, for turning weekly costs into costs a month or a year and back; "
                          "default 52.", examples=[52])
    states: dict[Name, StateCost] = Field(
        default_factory=dict, description="What a person in each state costs the council, by state: a cost a week, "
                                          "month or year, or job-coach hours.",
        examples=[{"day_service": {"weekly": _DAY_CENTRE_WEEKLY}, "waiting": {"weekly": 0},
                   "paid_work": {"job_coach": _JOB_COACH, "time_in_state": _FADING}}])
    no_cost: dict[Name, str] = Field(
        default_factory=dict, description="States that cost the council nothing, each with the reason (a source, "
                                          "or 'assumption: ...'); every other state needs a cost.",
        examples=[{"no_service": "assumption: no council-funded day-time support; other support is outside the "
                                 "model"}])
    transitions: list[TransitionCost] = Field(
        default_factory=list, description="One-off costs of moves between states, such as a vocational profile on "
                                          "referral.",
        examples=[[{"from": "day_service", "to": "waiting", "cost": {"dist": "gamma", "shape": 25, "scale": 10}}]])
    day_centres: DayCentres | None = Field(
        None, description="Day centres' fixed costs and when they close; none given: day services cost only per "
                          "person.",
        examples=[{"count": 10, "places_each": 100, "fixed_per_year": 200000, "close_below": 0.75,
                   "double_running_months": 6, "consultation_months": 6}])
    day_week: DayWeek = Field(
        DayWeek(), description="What people on the employment pathway keep of the day-time service they came from, "
                               "in days a week; default all of it until a job starts.", examples=[_DAY_WEEK])


class PermittedWork(Strict):
    """ESA permitted work: under both limits a person keeps all their ESA; above either, Universal Credit's
    rules apply instead (new claims have gone to Universal Credit since its roll-out)."""

    hours_below: Annotated[float, Field(gt=0.0, le=168.0)] = Field(
        16.0, description="ESA is kept only while hours worked a week are under this; default 16.", examples=[16])
    weekly_earnings_limit: WeeklyMoney = Field(
        description="Weekly earnings in pounds allowed without losing ESA.", examples=[195.5])


class UniversalCredit(Strict):
    """Universal Credit for people with limited capability for work: earnings above the work allowance
    reduce the award by the taper."""

    work_allowance_monthly: Annotated[float, Field(ge=0.0, le=1e5)] = Field(
        description="Earnings a month, in pounds, kept in full.", examples=[411])
    taper: Probability = Field(description="Benefit lost per pound earned above the work allowance, 0 to 1.",
                               examples=[0.55])


class IncomeTaxAndNI(Strict):
    """Income tax and employee National Insurance on annual earnings above their thresholds (basic rate)."""

    personal_allowance: Money = Field(description="Annual earnings in pounds free of income tax.", examples=[12570])
    basic_rate: Probability = Field(description="Income tax on each pound above the personal allowance, 0 to 1.",
                                    examples=[0.20])
    ni_primary_threshold: Money = Field(description="Annual earnings in pounds free of employee National Insurance.",
                                        examples=[12570])
    ni_rate: Probability = Field(description="Employee National Insurance on each pound above the threshold, 0 to 1.",
                                 examples=[0.08])


class InWork(Strict):
    """Earnings, benefits and tax of people in paid work, by their weekly hours. PIP and DLA are not
    means-tested and are the same in and out of work, so they are left out."""

    regime: Literal["esa_permitted_work", "universal_credit"] = Field(
        description="esa_permitted_work: ESA kept under the permitted-work limits, Universal Credit's rules above "
                    "them; universal_credit: the work allowance and taper for everyone.",
        examples=["esa_permitted_work"])
    wage_per_hour: Annotated[float, Field(ge=0.0, le=1e4)] = Field(
        description="Gross pay per hour worked, in pounds.", examples=[12.21])
    out_of_work_weekly: ByBandMoney = Field(
        description="The means-tested benefit a person has out of work, in pounds a week, which earnings may reduce.",
        examples=[120])
    permitted_work: PermittedWork | None = Field(
        None, description="ESA's permitted-work limits; needed with the esa_permitted_work regime.",
        examples=[_PERMITTED_WORK])
    universal_credit: UniversalCredit = Field(
        description="Universal Credit's work allowance and taper.", examples=[_UNIVERSAL_CREDIT])
    tax: IncomeTaxAndNI = Field(description="Income tax and employee National Insurance on earnings.",
                                examples=[_TAX])


class PublicPurse(Strict):
    benefits_weekly: dict[Name, ByBandMoney] = Field(
        default_factory=dict, description="Benefits paid per person per week by state, in pounds, overall or by band.",
        examples=[{"day_service": 120, "community_day": 120, "waiting": 120, "supported_employment": 120}])
    tax_ni_per_hour: Annotated[float, Field(ge=0.0, le=1e4)] = Field(
        0.0, description="Tax and National Insurance received per hour worked, in pounds (a flat rate; see in_work).",
        examples=[0.5])
    in_work: InWork | None = Field(
        None, description="Earnings, benefits and tax in paid work by hours worked, instead of the flat "
                          "benefits_weekly of the work state and tax_ni_per_hour.", examples=[_IN_WORK])

    @model_validator(mode="after")
    def _one_way(self) -> "PublicPurse":
        if self.in_work is not None and self.tax_ni_per_hour:
            raise ValueError("give tax_ni_per_hour or in_work (which works out tax from earnings), not both")
        w = self.in_work
        if w is not None and w.regime == "esa_permitted_work" and w.permitted_work is None:
            raise ValueError("the esa_permitted_work regime needs in_work.permitted_work")
        return self


class Hours(Strict):
    values: list[WeekHours] = Field(
        min_length=1, description="Hours a week that people in paid work may work, one per group.",
        examples=[[8, 12, 20, 30]])
    weights: list[Weight] = Field(
        min_length=1, description="How many work each of those hours, as relative weights (scaled to sum to 1).",
        examples=[[0.30, 0.38, 0.20, 0.12]])

    @model_validator(mode="after")
    def _shape(self) -> "Hours":
        if len(self.values) != len(self.weights) or sum(self.weights) <= 0:
            raise ValueError("values and weights must have the same length and weights a positive sum")
        return self


class Caseload(Strict):
    """Employment support priced by its staff: one employment specialist (job coach) a year, shared by a
    caseload of people in job search. IPS fidelity's top score is 20 or fewer active clients each."""

    clients_per_specialist: Annotated[float, Field(gt=0.0, le=1000.0)] = Field(
        description="People each full-time specialist supports at once (IPS fidelity's best: 20 or fewer).",
        examples=[20])
    cost_per_specialist_per_year: Money = Field(
        description="A full-time specialist's cost a year, on-costs included, in pounds of the price year.",
        examples=[50000])


class ServiceModel(Strict):
    spend_share: Probability = Field(
        description="Share of the employment budget spent on this model, 0 to 1; the models' shares sum to 1.",
        examples=[0.8])
    job_outcome_rate: ByBandProbability = Field(
        description="Annual probability that a person supported starts a job, overall or by band.",
        examples=[{"low": {"dist": "beta", "a": 57, "b": 43}, "moderate": 0.45, "high": 0.25, "complex": 0.10}, 0.43])
    cost_per_job_outcome: Money | None = Field(
        None, description="Cost per job start (NDTi's measure), in pounds of the price year; with the job outcome "
                          "rate it sets the cost of a place.", examples=[2818])
    cost_per_place_per_year: Money | None = Field(
        None, description="Cost of a place a year, in pounds of the price year. "
                          "Default: cost_per_job_outcome x job_outcome_rate (NDTi's figures imply it).",
        examples=[1212, {"dist": "gamma", "shape": 16, "scale": 75.75}]
    )
    caseload: Caseload | None = Field(
        None, description="Priced by employment specialists instead: a place is a specialist's cost over their "
                          "caseload.", examples=[{"clients_per_specialist": 20, "cost_per_specialist_per_year": 50000}])

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
    annual: Probability = Field(
        description="Yearly chance that someone who wants work is referred for employment support.",
        examples=[0.04, {"dist": "beta", "a": 40.3, "b": 175.2}])
    source: list[Name] = Field(
        default_factory=lambda: ["day_service"], alias="from",
        description="The states people may be referred from; default day_service.",
        examples=[["day_service", "community_day", "no_service"]])
    eligible_bands: list[Name] | None = Field(None, description="Bands that may be referred; default all.",
                                              examples=[["low", "moderate", "high"]])

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)


class EmploymentSupport(Strict):
    budget_per_year: Money = Field(
        description="Employment support budget a year at the start, in pounds of the price year; it buys the places.",
        examples=[150000, {"calendar_years": [2020, 2025], "values": [50000, 150000], "between": "linear"}])
    service_models: dict[Name, ServiceModel] = Field(
        description="The kinds of employment support the budget buys, by name: each one's share of the spend, "
                    "job-start chance and cost.", examples=[_SERVICE_MODELS])

    @model_validator(mode="after")
    def _shares(self) -> "EmploymentSupport":
        total = sum(m.spend_share for m in self.service_models.values())
        if not self.service_models or abs(total - 1.0) > 1e-6:
            raise ValueError(f"service model spend_share values must sum to 1 (they sum to {total:g})")
        return self


class Funding(Strict):
    model: Literal["block", "money_follows_person"] = Field(
        "block", description="block: the employment budget is as set; money_follows_person: when someone from day "
                             "services starts a job, the part of their package they give up moves into it.",
        examples=["money_follows_person"])
    lag_months: Months = Field(0, description="Months before money following a person reaches the employment "
                                              "budget; default 0.", examples=[3])
    unspent: Literal["held", "carried_forward", "returned_to_day_services"] = Field(
        "held", description="What becomes of employment budget not spent in a cycle: held (not spent: the council "
                            "keeps it), carried_forward (added to the next cycle's budget, so it buys places later) "
                            "or returned_to_day_services (the moved part is paid back to day services and spent "
                            "there).", examples=["carried_forward"])


class Uptake(Strict):
    """Of the people holding a personal budget, the share who use it for employment support when referred,
    by projection year: linear between the years given, flat before the first and after the last."""

    years: list[Annotated[float, Field(ge=0.0, le=1000.0)]] = Field(
        min_length=1, description="Projection years (0 is the first) at which the shares are given, increasing.",
        examples=[[0, 10]])
    share: list[Probability] = Field(
        min_length=1, description="Share of budget holders, 0 to 1, who use it for work at each of those years.",
        examples=[[0.004, 0.5]])

    @model_validator(mode="after")
    def _shape(self) -> "Uptake":
        _steps(self.years, self.share, "years", "share")
        return self


class PersonalBudgets(Strict):
    usable_for_employment: bool = Field(
        False, description="Whether a referred person holding a personal budget may buy supported employment with it "
                           "at once, outside the block places; default false.", examples=[True])
    uptake: Uptake | None = Field(
        None, description="How many budget holders use their budget for work, growing over time; default all.",
        examples=[{"years": [0, 10], "share": [0.004, 0.5]}])

    @model_validator(mode="after")
    def _uptake_needs_use(self) -> "PersonalBudgets":
        if self.uptake is not None and not self.usable_for_employment:
            raise ValueError("uptake applies only when usable_for_employment is true")
        return self


class PolicyStates(Strict):
    day: Name = Field("day_service", description="The state of day-service users, whose packages money following "
                                                 "the person moves; default day_service.", examples=["day_centre"])
    waiting: Name = Field("waiting", description="The state of people referred and waiting for a place; default "
                                                 "waiting.", examples=["waiting_list"])
    support: Name = Field("supported_employment", description="The state of people in supported employment (job "
                                                              "search); default supported_employment.",
                          examples=["job_search"])
    work: Name = Field("paid_work", description="The state of people in paid work; default paid_work.",
                       examples=["in_work"])


class Investment(Strict):
    """An up-front or set-up cost of the policy (seed funding, training, a new team), spread evenly over
    its months from its first month."""

    label: str = Field(min_length=1, max_length=200, description="What the cost is for, in words, for reports.",
                       examples=["seed funding for the employment service"])
    cost: Money = Field(description="The whole cost, in the price year's pounds.",
                        examples=[250000, {"dist": "gamma", "shape": 16, "scale": 15625}])
    start: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] | None = Field(
        None, alias="from", description="First month it falls in, YYYY-MM; default the scenario's start.",
        examples=["2020-04"])
    months: Annotated[int, Field(ge=1, le=1200)] = Field(1, description="Months it is spread over; default 1.",
                                                         examples=[12])

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)


class Policy(Strict):
    entry_route: Literal["day_service", "employment_first"] = Field(
        "day_service", description="Where new entrants go: day_service (the inflow's entry shares) or "
                                   "employment_first (those who want work, in an eligible band, are referred at once).",
        examples=["employment_first"])
    referral: Referral = Field(description="Who is referred for employment support, from which states, how often.",
                               examples=[_REFERRAL])
    employment_support: EmploymentSupport = Field(
        description="The employment-support budget and the kinds of support it buys.", examples=[_EMPLOYMENT_SUPPORT])
    funding: Funding = Field(
        Funding(), description="How the employment budget is funded: a fixed block (the default), or money "
                               "following people out of day services.",
        examples=[{"model": "money_follows_person", "lag_months": 3}])
    personal_budgets: PersonalBudgets = Field(
        PersonalBudgets(), description="Whether personal budgets may pay for employment support; default not.",
        examples=[{"usable_for_employment": True, "uptake": {"years": [0, 10], "share": [0.004, 0.5]}}])
    states: PolicyStates = Field(
        PolicyStates(), description="The states the policy's rules act on, if not named day_service, waiting, "
                                    "supported_employment and paid_work.",
        examples=[{"day": "day_centre", "waiting": "waiting_list", "support": "job_search", "work": "in_work"}])
    investment: list[Investment] = Field(
        default_factory=list, description="Up-front and set-up costs, charged to the council when they fall.",
        examples=[[_INVESTMENT]])
    set_up_per_place: Money = Field(
        0.0, description="One-off cost of each employment-support place filled beyond the most filled before "
                         "(recruiting and training staff for it).",
        examples=[500, {"dist": "gamma", "shape": 16, "scale": 31.25}])


class RateStep(Strict):
    from_year: Annotated[int, Field(ge=0, le=1000)] = Field(
        description="The projection year (0 is the first) from which the rate applies, until the next step.",
        examples=[31])
    rate: Annotated[float, Field(ge=0.0, le=0.5)] = Field(
        description="The discount rate a year from then, a share (0.035 is 3.5%).", examples=[0.03])


class DiscountSchedule(Strict):
    rate: Annotated[float, Field(ge=0.0, le=0.5)] | None = Field(
        None, description="One discount rate a year for every year, a share (0.035 is 3.5%).", examples=[0.035])
    schedule: list[RateStep] | None = Field(
        None, description="Discount rates that change with the year, each from its from_year on (the first from 0).",
        examples=[_GREEN_BOOK])

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
    costs: DiscountSpec = Field(
        "green_book", description="How costs are discounted: green_book (the default: 3.5% a year for years 0 to 30, "
                                  "3% to 75, 2.5% beyond), none, {rate: ...} or {schedule: [...]}.",
        examples=["green_book", {"rate": 0.035}])
    outcomes: DiscountSpec = Field(
        "green_book", description="How outcomes (years in work, QALYs) are discounted, in the same forms as costs; "
                                  "default green_book.", examples=["green_book", "none"])
    timing: Literal["annual", "start", "middle", "end"] = Field(
        "annual",
        description=(
            "When in time a cycle's costs count: 'annual' discounts every month of year y by year y's factor "
            "(year 0 undiscounted, the Green Book's annual convention); 'start', 'middle', 'end' use the "
            "cycle's start, middle or end in fractional years."
        ),
        examples=["annual"],
    )
    within_cycle: Literal["none", "half_cycle", "trapezoid", "simpson"] = Field(
        "none", description="A within-cycle correction of discounted costs and outcomes, over the state at the start "
                            "and at the end of each cycle: none (the end only), half_cycle or trapezoid (half of the "
                            "first and last points), simpson (Simpson's 1/3 rule; an even number of cycles).",
        examples=["none", "half_cycle"])
    count_start: bool = Field(
        False, description="Count the start state as a cycle's worth at time 0 (with within_cycle: none).",
        examples=[False])


class Horizon(Strict):
    years: Annotated[int, Field(gt=0, le=120)] = Field(description="Years to project from the start, 1 to 120.",
                                                       examples=[20])


class CatchAll(Strict):
    """A calibrated value that stands for what the model's structure misses: comparisons report how much of a
    policy's saving it carries, by running the policy with the value it would have without the catch-all."""

    path: str = Field(
        description="Dotted path of the number in this scenario, e.g. transitions.day_service.community_day.annual.",
        examples=["transitions.day_service.community_day.annual"])
    without: float = Field(description="The value without the catch-all (usually the baseline's).", examples=[0.03])
    label: str = Field(description="What it stands for, in words, for reports.",
                       examples=["the calibrated move from day centres to community day opportunities"])


OutcomeWeight = Annotated[float, Field(ge=-1e9, le=1e9)]


class Correlation(Strict):
    """Correlated uncertain values: a Gaussian copula over the named distributions, each keeping its own
    distribution (marginal), with this correlation matrix between their normal scores."""

    parameters: list[str] = Field(
        min_length=2, description="Dotted paths of values written as distributions.",
        examples=[["policy.referral.annual", "transitions.day_service.community_day.annual.values.0"]])
    matrix: list[list[Annotated[float, Field(ge=-1.0, le=1.0)]]] = Field(
        description="Correlations, one row per parameter: symmetric, 1 on the diagonal, positive definite.",
        examples=[[[1.0, 0.4], [0.4, 1.0]]])

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
    name: str = Field(description="A short name for the scenario, naming it in reports and results.",
                      examples=["essex_live"])
    description: str = Field(
        "", description="What the scenario is, in a sentence or two, for reports.",
        examples=[("A day-service-led council: day services are the default route, a low referral rate to employment "
                   "support, the national mix of employment support models, block budgets.")])
    start: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = Field(
        "2025-04", description="First month of the projection, YYYY-MM.", examples=["2020-04"]
    )
    horizon: Union[Horizon, Literal["lifetime"]] = Field(
        description="How long to project: {years: N}, or lifetime (until everyone has left).",
        examples=[{"years": 20}, "lifetime"])
    cycle: Literal["month", "year"] = Field(
        "month", description="The model's time step, month (the default) or year; chances and costs are turned "
                             "into chances and costs per step.", examples=["month"])
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = Field(
        0, description="The random seed of a run that names none: the same scenario and seed give the same results.",
        examples=[20200401])
    price_year: Annotated[str, Field(pattern=r"^\d{4}-\d{2}$")] = Field(
        "2023-24", description="The financial year whose prices every amount is in, written 2023-24.",
        examples=["2023-24"])
    states: dict[Name, StateDef] = Field(
        min_length=1, description="The states a person can be in, by name, each with its label and the service its "
                                  "cost falls under.", examples=[_STATES])
    services: dict[Name, ServiceDef] = Field(
        default_factory=dict, description="The services (cost lines) that states belong to, by name: whether each is "
                                          "proactive or reactive spend, and how much of a fall in it is cashable.",
        examples=[{"day_services": {"kind": "reactive", "label": "Day services",
                                    "cashable_share": {"dist": "beta", "a": 5, "b": 5}},
                   "employment_support": {"kind": "proactive", "label": "Employment support", "cashable_share": 1.0}}])
    population: Population = Field(
        description="Who is in the model: need bands and ages, the people at the start, who wants work, entrants "
                    "and how people leave.",
        examples=[{"bands": _BANDS, "band_mix": _BAND_MIX,
                   "initial": [{"state": "day_service", "count": 800}, {"state": "paid_work", "count": 50}],
                   "inflow": {"per_year": 23, "entry": {"day_service": 1.0}}}])
    transitions: dict[Name, dict[Name, Transition]] = Field(
        default_factory=dict, description="Chances of moving between states: for each state, the states people "
                                          "move to from it and the chance of each move.",
        examples=[{"day_service": {"community_day": {"annual": {"dist": "beta", "a": 3, "b": 97}},
                                   "no_service": {"annual": 0.01}},
                   "paid_work": {"day_service": {"annual": 0.04, "time_in_state": _TENURE}}}])
    costs: Costs = Field(
        Costs(), description="What states, moves and day centres cost the council, in pounds of the price year.",
        examples=[{"states": {"day_service": {"weekly": _DAY_CENTRE_WEEKLY}, "waiting": {"weekly": 0}},
                   "no_cost": {"no_service": "assumption: no council-funded day-time support"}}])
    outcome_weights: dict[Name, Union[OutcomeWeight, dict[Name, OutcomeWeight]]] = Field(
        default_factory=dict,
        description="Per-year outcome weight by state (e.g. a utility for QALYs), overall or by band.",
        examples=[{"paid_work": 1.0}])
    public_purse: PublicPurse | None = Field(
        None, description="Benefits and tax, for the taxpayer's view beside the council's; none given: it is left "
                          "out.",
        examples=[{"benefits_weekly": {"day_service": 120, "waiting": 120}, "in_work": _IN_WORK}])
    hours: Hours = Field(
        Hours(values=[12.0], weights=[1.0]),
        description="The hours a week people in paid work work, and how many work each; default everyone 12.",
        examples=[{"values": [8, 12, 20, 30], "weights": [0.30, 0.38, 0.20, 0.12]}])
    policy: Policy | None = Field(
        None, description="The commissioning policy: entry route, referral, employment support and how it is "
                          "funded; none given: nobody is referred.",
        examples=[{"entry_route": "employment_first", "referral": {"annual": 0.187, "from": ["day_service"]},
                   "employment_support": _EMPLOYMENT_SUPPORT, "funding": {"model": "money_follows_person"}}])
    discounting: Discounting = Field(
        Discounting(), description="How future costs and outcomes are discounted; default the Green Book's rates.",
        examples=[{"costs": "green_book", "outcomes": "green_book", "timing": "annual"}])
    sources: dict[str, str] = Field(
        default_factory=dict, description="Where each parameter comes from.",
        examples=[{"greig-2014-work": "R. Greig, 'Work as a social care outcome', NDTi blog, April 2014"}])
    outcome_time_in_state: dict[Name, TimeInState] = Field(
        default_factory=dict, description="Multipliers on a state's outcome weight by months already in it.",
        examples=[{"paid_work": {"months": [0, 6], "ratio": [0.5, 1.0]}}])
    correlation: Correlation | None = Field(
        None, description="Correlations between values written as distributions (a Gaussian copula), for the PSA.",
        examples=[{"parameters": ["policy.referral.annual", "transitions.day_service.community_day.annual"],
                   "matrix": [[1.0, 0.4], [0.4, 1.0]]}])
    catch_alls: list[CatchAll] = Field(
        default_factory=list, description="Calibrated values standing for what the structure misses; comparisons "
                                          "say how much of the saving each carries.",
        examples=[[{"path": "transitions.day_service.community_day.annual", "without": 0.03,
                    "label": "the calibrated move from day centres to community day opportunities"}]])

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
