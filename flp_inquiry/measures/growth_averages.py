"""Growth averages by school and group, pulled toward the mean by how little each can be trusted.

The residual gains of :mod:`flp_inquiry.measures.growth` are averaged here.  A school of 15
growth scores has a noisy plain mean; like the state's Student Growth Model (and CORE
Districts'), each average is pulled toward the mean of the units like it, the more so the
fewer its scores: a one-way random-effects *empirical Bayes* estimate, with its standard error.

Formulas
--------
A *unit* is one cell of ``by`` (and of ``subject`` and ``growth_span``, never mixed); a
*family* is the units that share the cells of ``toward``: by default every grouping of ``by``
but ``school``, so a school's English learners are pulled toward the district's English
learners, a school's grade 5 toward the district's grade 5.  Without ``school`` in ``by`` every
unit is its own family and is not pulled at all (the state too gives large district groups a
plain average).  In each family, with unit *j* holding ``n_j`` residual gains ``r_ij`` of mean
``m_j``, ``N = sum n_j`` and ``J`` units:

- within-unit variance (pooled over the family: a unit of 11 has a very noisy variance of its own)::

      sigma2 = sum_j sum_i (r_ij - m_j)^2 / (N - J)

- between-unit variance (one-way random effects, method of moments, truncated at 0)::

      m    = sum_j n_j m_j / N
      MSB  = sum_j n_j (m_j - m)^2 / (J - 1)
      n0   = (N - sum_j n_j^2 / N) / (J - 1)
      tau2 = max(0, (MSB - sigma2) / n0)          (tau2 = 0 when J = 1)

- the mean the units are pulled toward, weighted by precision::

      w_j = 1 / (tau2 + sigma2 / n_j),  mu = sum_j w_j m_j / sum_j w_j,  V_mu = 1 / sum_j w_j

- each unit's reliability, estimate (``value``) and standard error::

      lambda_j = tau2 / (tau2 + sigma2 / n_j)
      value_j  = mu + lambda_j (m_j - mu)
      se_j     = sqrt(lambda_j sigma2 / n_j + (1 - lambda_j)^2 V_mu)

A small unit (small ``n_j``) has a small ``lambda_j`` and is pulled most.  The standard error
leaves out the uncertainty of ``tau2``, ``sigma2`` and of the regression's coefficients (fitted
on thousands of students in a district).  With few units in a family (a district with two
middle schools), ``tau2`` rests on two means and the pull toward the mean means little.

Every unit counts towards ``sigma2``, ``tau2`` and ``mu``, but a unit with fewer than 11 growth
scores (:data:`flp_inquiry.measures.suppression.MIN_N`) gets **no average**: its ``value``,
``standard_error``, ``mean_residual_gain`` and ``reliability`` are missing; ``n`` stays, for
the suppression to hide (:func:`flp_inquiry.measures.growth.suppress_growth`).

How this differs from the state's
---------------------------------
The state reports, for schools and school groups, an *empirical best linear prediction*
(EBLP) that combines the unit's current- and prior-year average residual gains, weighted by
their reliability and their year-to-year covariance, and a plain average for district groups
with more than 500 scores.  Here a unit's average is pulled toward its family's mean with one
year of data (``school_year`` in ``by``) or with all the years passed in pooled as one
(``school_year`` not in ``by``); the prior year is not modelled separately.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from flp_inquiry.errors import ParameterError
from flp_inquiry.measures.students import GROUPINGS, _check_by
from flp_inquiry.measures.suppression import MIN_N, require_columns

#: What :func:`average_growth` gives for each unit, after its keys.
AVERAGE_COLUMNS = ["n", "value", "standard_error", "mean_residual_gain", "reliability", "shrunk_toward",
                   "between_unit_sd", "within_unit_sd"]


def _families(by: list[str], toward: Sequence[str] | str | None) -> list[str]:
    """The groupings whose cells are pulled toward their own mean: ``toward``, or ``by`` but ``school``."""
    if toward is None:
        return [g for g in by if g != "school"]
    toward = [toward] if isinstance(toward, str) else list(toward)
    for name in toward:
        if name not in GROUPINGS:
            raise ParameterError("toward", name, GROUPINGS)
        if name not in by:
            raise ParameterError("toward", name, by, reason="each grouping pulled toward its mean must be one of by")
    return list(dict.fromkeys(toward))


def average_growth(gains: pd.DataFrame, by: Sequence[str] | str = (), toward: Sequence[str] | str | None = None,
                   min_n: int = MIN_N) -> pd.DataFrame:
    """Average growth of each school or group, pulled toward its family's mean by how little it can be trusted.

    Parameters
    ----------
    gains : DataFrame
        Growth scores, as :func:`flp_inquiry.measures.growth.residual_gains` returns them
        (``growth_span``, ``residual_gain`` and the ``by`` columns; ``subject`` when there).
    by : sequence of str
        Groupings of :data:`flp_inquiry.measures.students.GROUPINGS` (``school``, ``grade``,
        ``el_status``, ..., ``school_year``); without ``school_year`` the years passed in are pooled.
    toward : sequence of str, optional
        The groupings of ``by`` whose cells are pulled toward their own mean (a family each).
        Default: every grouping of ``by`` but ``school`` (see the module notes); ``[]`` pulls
        every unit toward one mean.
    min_n : int
        Fewest growth scores an average is given for (11).

    Returns
    -------
    DataFrame
        ``*by, subject, growth_span, n, value, standard_error, mean_residual_gain, reliability,
        shrunk_toward, between_unit_sd, within_unit_sd`` (``subject`` when ``gains`` has it):
        ``n`` growth scores, ``value`` the estimate (points above or below the growth
        expected), its standard error, the plain mean, ``reliability`` (lambda, 0-1: the share
        of the plain mean's distance from the family mean that is kept), the family's mean
        ``mu``, ``sqrt(tau2)`` and ``sqrt(sigma2)``.  Units under ``min_n`` have no average.
        Not suppressed.

    Examples
    --------
    Three schools of 21 growth scores each, means +20, 0 and -20, each spread +-21 around its
    mean (10 above, 10 below, 1 on it): sigma2 = 441, tau2 = (8400 - 441) / 21 = 379,
    lambda = 379 / (379 + 21) = 0.9475, so +20 becomes +18.95.

    >>> spread = [21.0] * 10 + [-21.0] * 10 + [0.0]
    >>> gains = pd.DataFrame({"school": ["A"] * 21 + ["B"] * 21 + ["C"] * 21, "growth_span": "4-8",
    ...                       "residual_gain": [m + d for m in (20.0, 0.0, -20.0) for d in spread]})
    >>> average_growth(gains, by=["school"])[["school", "n", "value", "mean_residual_gain", "reliability"]]
      school   n  value  mean_residual_gain  reliability
    0      A  21  18.95                20.0       0.9475
    1      B  21   0.00                 0.0       0.9475
    2      C  21 -18.95               -20.0       0.9475
    """
    by = _check_by(by)
    family_groupings = _families(by, toward)
    require_columns(gains, [*by, "growth_span", "residual_gain"], "average_growth")
    # subjects and growth spans are never averaged together
    separate = [c for c in ("subject", "growth_span") if c in gains.columns]
    units = [*by, *separate]
    residual = gains["residual_gain"].astype("float64")
    frame = gains[units].assign(_r=residual.to_numpy(), _r2=(residual * residual).to_numpy())
    grouped = frame.groupby(units, sort=True, dropna=False, observed=True)
    table = grouped["_r"].agg(["size", "sum"]).join(grouped["_r2"].sum()).reset_index()
    n = table["size"].to_numpy(dtype="float64")
    mean = table["sum"].to_numpy() / n
    within_ss = np.maximum(table["_r2"].to_numpy() - n * mean * mean, 0.0)  # sum (r - m_j)^2 of each unit

    family = table.groupby([*family_groupings, *separate], sort=False, dropna=False, observed=True).ngroup().to_numpy()
    families = family.max() + 1 if len(family) else 0

    def family_sum(values: np.ndarray) -> np.ndarray:
        return np.bincount(family, weights=values, minlength=families)

    with np.errstate(invalid="ignore", divide="ignore"):
        units_in = family_sum(np.ones_like(n))
        total = family_sum(n)
        sigma2 = np.where(total > units_in, family_sum(within_ss) / (total - units_in), np.nan)
        grand = family_sum(n * mean) / total
        between = family_sum(n * (mean - grand[family]) ** 2) / (units_in - 1)
        n0 = (total - family_sum(n * n) / total) / (units_in - 1)
        tau2 = np.where(units_in > 1, np.maximum((between - sigma2) / n0, 0.0), 0.0)
        tau2 = np.where(np.isnan(sigma2), np.nan, tau2)
        error2 = sigma2[family] / n  # the variance of a unit's plain mean
        spread = tau2[family] + error2  # 0 only when every score of the family is the same
        weight = np.where(spread > 0, 1.0 / spread, 1.0)
        mu = family_sum(weight * mean) / family_sum(weight)
        mu_variance = np.where(family_sum(spread) > 0, 1.0 / family_sum(weight), 0.0)
        reliability = np.where(spread > 0, tau2[family] / spread, 1.0)
        estimate = mu[family] + reliability * (mean - mu[family])
        standard_error = np.sqrt(reliability * error2 + (1 - reliability) ** 2 * mu_variance[family])
    too_few = n < min_n
    result = table[units].assign(
        n=table["size"].astype("int64"),
        value=np.where(too_few, np.nan, estimate),
        standard_error=np.where(too_few, np.nan, standard_error),
        mean_residual_gain=np.where(too_few, np.nan, mean),
        reliability=np.where(too_few, np.nan, reliability),
        shrunk_toward=mu[family],
        between_unit_sd=np.sqrt(tau2)[family],
        within_unit_sd=np.sqrt(sigma2)[family],
    )
    # the categorical groupings of residual_gains (fast to group) back to plain values
    result = result.astype({c: result[c].cat.categories.dtype for c in units
                            if isinstance(result[c].dtype, pd.CategoricalDtype)})
    return result[[*units, *AVERAGE_COLUMNS]].reset_index(drop=True)
