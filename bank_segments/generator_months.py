"""Monthly snapshots of the same synthetic customers, with planted moves and drift.

What "the same customers" means here:

- Month 1 is exactly ``generate_customers(rows, seed)`` (the same draws: same ids,
  personas and values) plus a ``snapshot_date`` column.
- Each customer keeps a persona and, per attribute, a latent standard-normal position
  inside that persona (the value is ``centre + spread * position``, log-normal for money).
  Each later month every position takes a small AR(1) step,
  ``position' = sqrt(1 - s^2) * position + s * fresh`` with ``s = month_noise``
  (default 0.1, month-to-month correlation 0.995): individual customers wobble a little,
  the population's distribution does not change. ``month_noise = 0`` keeps every
  unchanged customer's attributes identical across months. Nobody ages; tenure does not
  grow (a few months would not move the rounded values much, and it keeps "unchanged"
  simple).
- A planted move ``PlantedMove(from, to, share)`` redraws, each month after the first,
  ``round(share * m)`` of the ``m`` customers of persona ``from`` still present as persona
  ``to`` (new persona, fresh positions). A customer moves at most once a month.
- ``churn`` (share of the customers present) leave each month; ``arrivals`` (share of
  ``rows``) join with new ids continuing the numbering, drawn from the planted shares.
- A planted drift ``{attribute: factor}`` multiplies that attribute in every month after
  the first (before clipping and rounding); the truth is unaffected.

Random draws of month ``t`` > 1 come from ``numpy.random.default_rng([seed, t])``, so
adding months never changes earlier ones. The truth of each month lists every customer
present with ``persona_id``, ``persona_name``, ``previous_persona_id`` (null in month 1 and
for new customers) and ``change``: ``first`` (month 1), ``new``, ``stayed`` or ``moved``.
A customer in month ``t - 1`` and not in month ``t`` is gone.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from bank_segments.generator import (
    ATTRIBUTES,
    PERSONAS,
    WAREHOUSE_ATTRIBUTES,
    _customer_table,
    _draw_customers,
    _draw_personas,
    _truth_table,
)

SNAPSHOT_COLUMN = "snapshot_date"
_PERSONA_IDS = tuple(p.persona_id for p in PERSONAS)


@dataclass(frozen=True)
class PlantedMove:
    """Each month, ``share`` of persona ``from_persona`` is redrawn as ``to_persona``."""

    from_persona: str
    to_persona: str
    share: float


@dataclass(frozen=True)
class MonthlySnapshot:
    """One month: the export (with ``snapshot_date``) and its planted truth."""

    as_of: dt.date
    customers: pa.Table
    truth: pa.Table


def parse_move(spec: str) -> PlantedMove:
    """``'growth_segment:lifestyle_spenders:0.05'`` -> :class:`PlantedMove` (validated)."""
    parts = spec.split(":")
    if len(parts) != 3:
        raise ValueError(f"--move {spec!r}: expected FROM:TO:SHARE, e.g. {_MOVE_EXAMPLE}")
    source, target, share_text = parts
    for persona in (source, target):
        if persona not in _PERSONA_IDS:
            raise ValueError(
                f"--move {spec!r}: unknown persona {persona!r}; use one of {list(_PERSONA_IDS)}"
            )
    if source == target:
        raise ValueError(f"--move {spec!r}: FROM and TO are the same persona")
    share = _number(share_text, f"--move {spec!r}: SHARE")
    if not 0 < share <= 1:
        raise ValueError(f"--move {spec!r}: SHARE must be in (0, 1], got {share}")
    return PlantedMove(source, target, share)


_MOVE_EXAMPLE = "growth_segment:lifestyle_spenders:0.05"


def parse_drift(spec: str) -> tuple[str, float]:
    """``'income:1.3'`` -> ``('Income', 1.3)``; the attribute in either spelling."""
    name, _, factor_text = spec.partition(":")
    by_name = {**{a.lower(): a for a in ATTRIBUTES}}
    by_name.update(dict(zip(WAREHOUSE_ATTRIBUTES, ATTRIBUTES, strict=True)))
    attribute = by_name.get(name.lower())
    if attribute is None or not factor_text:
        raise ValueError(
            f"--drift {spec!r}: expected ATTRIBUTE:FACTOR with ATTRIBUTE one of "
            f"{list(WAREHOUSE_ATTRIBUTES)}, e.g. income:1.3"
        )
    factor = _number(factor_text, f"--drift {spec!r}: FACTOR")
    if factor <= 0:
        raise ValueError(f"--drift {spec!r}: FACTOR must be positive, got {factor}")
    return attribute, factor


def _number(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{what} must be a number, got {text!r}") from None
    if not np.isfinite(value):
        raise ValueError(f"{what} must be finite, got {text!r}")
    return value


def month_dates(start: dt.date, months: int) -> list[dt.date]:
    """``months`` as-of dates a month apart from ``start``.

    A month-end ``start`` gives month ends (2026-01-31, 2026-02-28, 2026-03-31); any other
    day keeps its day of month, clipped to shorter months.
    """
    if months < 1:
        raise ValueError(f"months must be at least 1, got {months}")
    month_end = start.day == calendar.monthrange(start.year, start.month)[1]
    dates = []
    for offset in range(months):
        year, month = divmod(start.month - 1 + offset, 12)
        year, month = start.year + year, month + 1
        last = calendar.monthrange(year, month)[1]
        dates.append(dt.date(year, month, last if month_end else min(start.day, last)))
    return dates


def generate_months(
    rows: int,
    months: int,
    start: dt.date,
    seed: int = 42,
    *,
    moves: Sequence[PlantedMove] = (),
    drift: Mapping[str, float] | None = None,
    month_noise: float = 0.1,
    churn: float = 0.0,
    arrivals: float = 0.0,
) -> list[MonthlySnapshot]:
    """``months`` monthly snapshots of ``rows`` customers (see the module docstring)."""
    if not 0 <= month_noise <= 1:
        raise ValueError(f"month_noise must be in [0, 1], got {month_noise}")
    for name, share in (("churn", churn), ("arrivals", arrivals)):
        if not 0 <= share < 1:
            raise ValueError(f"{name} must be in [0, 1), got {share}")
    factors = dict(drift or {})
    unknown = sorted(set(factors) - set(ATTRIBUTES))
    if unknown:
        raise ValueError(f"drift names unknown attribute(s) {unknown}; use {list(ATTRIBUTES)}")
    dates = month_dates(start, months)

    first_ids, persona, latent = _draw_customers(rows, seed)
    ids = np.asarray(first_ids.to_pylist(), dtype=object)
    next_number = rows + 1
    width = max(6, len(str(rows)))
    keep = np.sqrt(1 - month_noise**2)

    snapshots = [
        _snapshot(dates[0], ids, persona, latent, {}, None, np.full(rows, "first", dtype=object))
    ]
    for t in range(1, months):
        rng = np.random.default_rng([seed, t])
        previous = persona.copy()
        present = np.sort(
            rng.choice(len(ids), size=len(ids) - round(churn * len(ids)), replace=False)
        )
        ids, persona, previous, latent = (
            ids[present],
            persona[present],
            previous[present],
            latent[:, present],
        )
        latent = keep * latent + month_noise * rng.standard_normal(latent.shape)
        change = np.full(len(ids), "stayed", dtype=object)
        for move in moves:
            source = _PERSONA_IDS.index(move.from_persona)
            pool = np.flatnonzero((previous == source) & (change == "stayed"))
            chosen = np.sort(rng.choice(pool, size=round(move.share * len(pool)), replace=False))
            persona[chosen] = _PERSONA_IDS.index(move.to_persona)
            latent[:, chosen] = rng.standard_normal((len(ATTRIBUTES), len(chosen)))
            change[chosen] = "moved"
        joining = round(arrivals * rows)
        if joining:
            numbers = np.arange(next_number, next_number + joining).astype(str)
            next_number += joining
            ids = np.concatenate(
                [ids, np.char.add("C", np.char.zfill(numbers, width)).astype(object)]
            )
            persona = np.concatenate([persona, _draw_personas(rng, joining)])
            previous = np.concatenate([previous, np.full(joining, -1)])
            latent = np.concatenate(
                [latent, rng.standard_normal((len(ATTRIBUTES), joining))], axis=1
            )
            change = np.concatenate([change, np.full(joining, "new", dtype=object)])
        snapshots.append(_snapshot(dates[t], ids, persona, latent, factors, previous, change))
    return snapshots


def _snapshot(
    as_of: dt.date,
    ids: np.ndarray,
    persona: np.ndarray,
    latent: np.ndarray,
    factors: dict[str, float],
    previous: np.ndarray | None,
    change: np.ndarray,
) -> MonthlySnapshot:
    id_array = pa.array(ids.tolist(), pa.string())
    dates = pa.array([as_of] * len(ids), pa.date32())
    customers = _customer_table(id_array, persona, latent, factors).append_column(
        SNAPSHOT_COLUMN, dates
    )
    names = np.array((*_PERSONA_IDS, ""), dtype=object)
    previous_ids = None if previous is None else names[previous].tolist()
    truth = (
        _truth_table(id_array, persona)
        .append_column(SNAPSHOT_COLUMN, dates)
        .append_column(
            "previous_persona_id",
            pa.array(
                [None] * len(ids) if previous_ids is None else [p or None for p in previous_ids],
                pa.string(),
            ),
        )
        .append_column("change", pa.array(change.tolist(), pa.string()))
    )
    return MonthlySnapshot(as_of=as_of, customers=customers, truth=truth)
