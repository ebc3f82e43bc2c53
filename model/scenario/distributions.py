"""Values written as distributions: any number in a scenario may be, for example
`job_outcome_rate: {dist: beta, a: 43, b: 57}`.

The scenario itself uses the distribution's mean; a probabilistic sensitivity analysis draws values. The
draws for one parameter come from a stream keyed by its path in the scenario, so two scenarios that share a
parameter draw the same values for it (paired draws). Draws are kept within the 0.05% and 99.95% quantiles.
When the file is loaded each distribution's extremes are checked against the scenario's rules, alone and
with all the others at theirs. That catches most draws that would break a rule but not every combination: a
draw that does is reported as a scenario error naming the draw. Values that decide who is in the model and
when (counts, inflow, horizon, age bands, time-in-state steps) cannot be distributions.
"""

from __future__ import annotations

import functools
import zlib
from dataclasses import dataclass
from typing import Any, Literal, Union

import numpy as np
from pydantic import Field, ValidationError, model_validator
from scipy import stats

from model.scenario.paths import find_values
from model.scenario.schema import Strict

TAIL = 0.0005  # draws are kept between this quantile and 1 - TAIL


class Beta(Strict):
    """A chance or share between 0 and 1, with mean a / (a + b)."""

    dist: Literal["beta"] = Field(description="A beta distribution, for a chance or share between 0 and 1.",
                                  examples=["beta"])
    a: float = Field(gt=0, description="The weight of its happening: the mean is a / (a + b), so a: 4, b: 96 is 0.04.",
                     examples=[4])
    b: float = Field(gt=0, description="The weight of its not happening; the larger a + b, the narrower the spread.",
                     examples=[96])

    def frozen(self):
        return stats.beta(self.a, self.b)


class Gamma(Strict):
    """A positive amount such as a cost, with mean shape x scale."""

    dist: Literal["gamma"] = Field(description="A gamma distribution, for a positive amount such as a cost.",
                                   examples=["gamma"])
    shape: float = Field(gt=0, description="Sets the spread: the standard deviation is the mean over the square root "
                                           "of shape (25 gives a fifth of the mean).", examples=[25])
    scale: float = Field(gt=0, description="The mean over shape (a mean of 100 with shape 25 is scale 4).",
                         examples=[4])

    def frozen(self):
        return stats.gamma(self.shape, scale=self.scale)


class Lognormal(Strict):
    """A positive amount whose logarithm is normal: the median is exp(meanlog)."""

    dist: Literal["lognormal"] = Field(description="A lognormal distribution, for a positive amount with a long "
                                                   "upper tail.", examples=["lognormal"])
    meanlog: float = Field(description="The mean of the value's natural logarithm: the median is exp(meanlog).",
                           examples=[4.6])
    sdlog: float = Field(gt=0, description="The standard deviation of the value's natural logarithm (0.2 is about a "
                                           "fifth either way).", examples=[0.2])

    def frozen(self):
        return stats.lognorm(self.sdlog, scale=np.exp(self.meanlog))


class Normal(Strict):
    """A value spread evenly either side of its mean."""

    dist: Literal["normal"] = Field(description="A normal distribution, symmetric about its mean.",
                                    examples=["normal"])
    mean: float = Field(description="The mean, in the unit of the value it stands for.", examples=[130])
    sd: float = Field(gt=0, description="The standard deviation, in the unit of the value.", examples=[26])

    def frozen(self):
        return stats.norm(self.mean, self.sd)


class Uniform(Strict):
    """Any value between low and high equally likely."""

    dist: Literal["uniform"] = Field(description="A uniform distribution: every value from low to high equally "
                                                 "likely.", examples=["uniform"])
    low: float = Field(description="The lowest value, in the unit of the value it stands for.", examples=[0.02])
    high: float = Field(description="The highest value, above low.", examples=[0.06])

    @model_validator(mode="after")
    def _order(self) -> "Uniform":
        if not self.high > self.low:
            raise ValueError("high must be above low")
        return self

    def frozen(self):
        return stats.uniform(self.low, self.high - self.low)


class Triangular(Strict):
    """A value between low and high, most likely at mode."""

    dist: Literal["triangular"] = Field(description="A triangular distribution: from low to high, most likely at "
                                                    "mode.", examples=["triangular"])
    low: float = Field(description="The lowest value, in the unit of the value it stands for.", examples=[1])
    mode: float = Field(description="The most likely value, from low to high.", examples=[2])
    high: float = Field(description="The highest value, above low.", examples=[3])

    @model_validator(mode="after")
    def _order(self) -> "Triangular":
        if not (self.low <= self.mode <= self.high and self.high > self.low):
            raise ValueError("need low <= mode <= high and high > low")
        return self

    def frozen(self):
        return stats.triang((self.mode - self.low) / (self.high - self.low), loc=self.low, scale=self.high - self.low)


Distribution = Union[Beta, Gamma, Lognormal, Normal, Uniform, Triangular]
DIST_NAMES = ("beta", "gamma", "lognormal", "normal", "uniform", "triangular")
_BY_NAME = dict(zip(DIST_NAMES, (Beta, Gamma, Lognormal, Normal, Uniform, Triangular)))


@dataclass(frozen=True)
class Uncertain:
    """One scenario value written as a distribution."""

    path: tuple
    dist: Distribution

    @property
    def name(self) -> str:
        return ".".join(str(p) for p in self.path)

    @functools.cached_property
    def _frozen(self):
        # Made once: scipy builds each frozen distribution's docstring, which costs more than the arithmetic.
        return self.dist.frozen()

    def mean(self) -> float:
        return float(self._frozen.mean())

    def quantile(self, q: np.ndarray | float) -> np.ndarray:
        """Values at quantiles q, kept within [TAIL, 1 - TAIL]."""
        return self._frozen.ppf(np.clip(q, TAIL, 1 - TAIL))

    def uniforms(self, n: int, seed: int) -> np.ndarray:
        """The n uniforms behind `draws`: the same path and seed give the same numbers in any scenario."""
        key = zlib.crc32(self.name.encode("utf-8"))
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(seed), key]))).random(n)

    def draws(self, n: int, seed: int) -> np.ndarray:
        """n paired draws: the same path and seed give the same values in any scenario."""
        return self.quantile(self.uniforms(n, seed))


def correlated_draws(uncertain: list[Uncertain], matrix: np.ndarray, n: int, seed: int) -> dict[tuple, np.ndarray]:
    """Draws of correlated values by a Gaussian copula: each value's own uniforms (as `Uncertain.draws`) as
    normal scores, mixed by the Cholesky factor of `matrix`, back to uniforms and through each value's own
    distribution. The first value's draws are those it has alone."""
    z = stats.norm.ppf(np.clip(np.column_stack([u.uniforms(n, seed) for u in uncertain]), 1e-12, 1 - 1e-12))
    mixed = stats.norm.cdf(z @ np.linalg.cholesky(matrix).T)
    return {u.path: u.quantile(mixed[:, j]) for j, u in enumerate(uncertain)}


def find_distributions(data: Any) -> list[tuple[tuple, dict]]:
    """Every mapping with a `dist` key in raw scenario data, with its path."""
    return find_values(data, lambda m: isinstance(m.get("dist"), str))  # a value written as {dist: name, ...}


def parse_distribution(raw: dict) -> Distribution:
    """A distribution from its mapping; raises ValueError with what is allowed."""
    name = raw.get("dist")
    if not isinstance(name, str) or name not in _BY_NAME:
        raise ValueError(f"unknown distribution {name!r}; allowed: {', '.join(DIST_NAMES)}")
    try:
        return _BY_NAME[name].model_validate(raw)
    except ValidationError as exc:
        fields = [k for k in _BY_NAME[name].model_fields if k != "dist"]
        detail = "; ".join(f"{'.'.join(map(str, e['loc'])) or name}: {e['msg']}" for e in exc.errors())
        raise ValueError(f"{detail} (a {name} distribution takes {', '.join(fields)})") from None

