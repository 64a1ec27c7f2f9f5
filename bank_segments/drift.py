"""Feature drift against the training sample: decile edges, PSI, mean shift, verdicts.

This is the reference implementation. The warehouse stores each feature's training
deciles at fit time (``training_deciles``) and computes the same PSI in SQL
(``dbt_project/models/history/segment_drift.sql``); pytest checks the two agree.

Bins. The cut points of a feature are its training deciles 10 %, 20 %, ..., 90 % taken as
data values (the ``inverted_cdf`` quantile: the smallest value with at least that share at
or below it), without repeats and without the maximum. Bins are right-closed:
``(-inf, c1], (c1, c2], ..., (cm, +inf)``, so every bin holds at least one training value.
Ties merge deciles: a feature whose values are 70 % ones gets one bin ``(-inf, 1]`` with
share 0.70, and fewer than ten bins. A constant feature gets a single bin, its PSI is 0 by
construction and its mean shift undefined (NaN): it carries no signal the model could
lose. In the warehouse the first bin's ``lower_edge`` and the last bin's ``upper_edge``
are null (no infinities in portable SQL).

PSI. ``sum over bins (a - e) * ln(a / e)`` where ``e`` is the training share and ``a`` the
new sample's share of a bin. A bin the new sample leaves empty would make ``ln(a / e)``
infinite, so both shares are floored at ``PSI_EPSILON`` = 0.0001 (one customer in ten
thousand) before the formula, without renormalizing; a fully emptied bin of training
share 0.10 then adds ``(0.0001 - 0.10) * ln(0.001)`` = 0.69, well inside "significant".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

#: Floor applied to both shares of a bin before the PSI formula (empty bins).
PSI_EPSILON = 1e-4

#: PSI below each bound earns that verdict; at or above the last, ``SIGNIFICANT``.
DRIFT_VERDICTS: tuple[tuple[float, str], ...] = (
    (0.10, "stable"),
    (0.25, "moderate"),
)
SIGNIFICANT = "significant"

_DECILES = np.arange(1, 10) / 10


@dataclass(frozen=True)
class FeatureReference:
    """A feature's training distribution, stored at fit time.

    ``cut_points`` is ``(m,)`` increasing, ``m`` <= 9; ``training_share`` is ``(m + 1,)``,
    the share of training values in each bin ``(-inf, c1], ..., (cm, +inf)`` (sums to 1).
    ``mean`` and ``std`` are the training mean and population standard deviation
    (``ddof=0``), in the feature's own units.
    """

    feature: str
    cut_points: np.ndarray
    training_share: np.ndarray
    mean: float
    std: float

    def rows(self) -> Iterator[dict[str, object]]:
        """One dict per bin as the registry stores it (decile 1.., edges null at the ends)."""
        edges = [None, *(float(c) for c in self.cut_points), None]
        for index, share in enumerate(self.training_share):
            yield {
                "feature": self.feature,
                "decile": index + 1,
                "lower_edge": edges[index],
                "upper_edge": edges[index + 1],
                "training_share": float(share),
                "training_mean": self.mean,
                "training_std": self.std,
            }


def training_deciles(values: np.ndarray, feature: str) -> FeatureReference:
    """Decile bins, shares, mean and std of one training feature, ``values`` shape ``(n,)``.

    Raises ``ValueError`` on an empty array or a missing or infinite value (the fit
    sample is validated before this point; a gap here is a bug upstream).
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"feature {feature!r}: expected a non-empty (n,) array")
    if not np.isfinite(values).all():
        raise ValueError(f"feature {feature!r}: training values must be finite")
    quantiles = np.quantile(values, _DECILES, method="inverted_cdf")
    cut_points = np.unique(quantiles)
    cut_points = cut_points[cut_points < values.max()]
    return FeatureReference(
        feature=feature,
        cut_points=cut_points,
        training_share=bin_shares(values, cut_points),
        mean=float(values.mean()),
        std=float(values.std()),
    )


def bin_shares(values: np.ndarray, cut_points: np.ndarray) -> np.ndarray:
    """Share of ``values`` ``(n,)`` in each right-closed bin of ``cut_points`` ``(m,)``.

    Returns ``(m + 1,)`` summing to 1 (all zeros for an empty ``values``).
    """
    values = np.asarray(values, dtype=np.float64)
    bins = np.searchsorted(np.asarray(cut_points, dtype=np.float64), values, side="left")
    counts = np.bincount(bins, minlength=len(cut_points) + 1)
    return counts / max(values.size, 1)


def population_stability_index(expected: np.ndarray, actual: np.ndarray) -> float:
    """PSI of bin shares ``actual`` against ``expected``, both ``(b,)``, floored at epsilon."""
    expected = np.maximum(np.asarray(expected, dtype=np.float64), PSI_EPSILON)
    actual = np.maximum(np.asarray(actual, dtype=np.float64), PSI_EPSILON)
    if expected.shape != actual.shape:
        raise ValueError(f"bin shares differ in shape: {expected.shape} vs {actual.shape}")
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def drift_verdict(psi: float) -> str:
    """``stable`` below 0.10, ``moderate`` below 0.25, else ``significant``."""
    for bound, verdict in DRIFT_VERDICTS:
        if psi < bound:
            return verdict
    return SIGNIFICANT


@dataclass(frozen=True)
class FeatureDrift:
    """Drift of one feature: PSI, mean shift in training standard deviations, verdict."""

    feature: str
    psi: float
    mean_shift_sd: float
    verdict: str


def feature_drift(reference: FeatureReference, values: np.ndarray) -> FeatureDrift:
    """Drift of new ``values`` ``(n,)`` of a feature against its training ``reference``.

    ``mean_shift_sd`` = (new mean - training mean) / training std; NaN for a constant
    training feature. Raises ``ValueError`` on an empty sample.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"feature {reference.feature!r}: no new values to compare")
    psi = population_stability_index(
        reference.training_share, bin_shares(values, reference.cut_points)
    )
    shift = (values.mean() - reference.mean) / reference.std if reference.std > 0 else np.nan
    return FeatureDrift(
        feature=reference.feature,
        psi=psi,
        mean_shift_sd=float(shift),
        verdict=drift_verdict(psi),
    )
