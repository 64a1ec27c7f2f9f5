"""Synthetic bank customers with four planted personas.

The demo data is synthetic on purpose: it contains known structure so that the
pipeline can be checked against a ground truth. Nothing here claims to describe
a real bank's customers.

Every draw goes through one ``numpy.random.Generator`` seeded by the caller, and
the whole table is produced column by column with vectorised operations, so
10 million rows take seconds and the same seed always gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

#: The ten attributes a bank export carries, in the order the seed stores them.
ATTRIBUTES: tuple[str, ...] = (
    "Age",
    "Income",
    "CreditScore",
    "AccountTenure",
    "MonthlySpending",
    "TransactionFrequency",
    "AvgAccountBalance",
    "NumProducts",
    "AppUsageScore",
    "SupportCalls",
)

ID_COLUMN = "CustomerID"

#: The same attributes as the warehouse names them (snake_case), in the same order.
WAREHOUSE_ATTRIBUTES: tuple[str, ...] = (
    "age",
    "income",
    "credit_score",
    "account_tenure",
    "monthly_spending",
    "transaction_frequency",
    "avg_account_balance",
    "num_products",
    "app_usage_score",
    "support_calls",
)

#: The default segmentation features: the ten attributes plus the two engineered ratios.
DEFAULT_SEGMENT_FEATURES: tuple[str, ...] = (
    *WAREHOUSE_ATTRIBUTES,
    "spending_ratio",
    "engagement_score",
)


@dataclass(frozen=True)
class PlantedPersona:
    """Sampling recipe for one planted persona.

    ``params`` maps an attribute to ``(centre, spread)``. Monetary attributes
    (Income, MonthlySpending, AvgAccountBalance) are log-normal: ``centre`` is
    the median in currency units and ``spread`` the standard deviation of the
    natural log. All other attributes are normal with mean ``centre`` and
    standard deviation ``spread``, then clipped and rounded.
    """

    persona_id: str
    persona_name: str
    share: float
    params: dict[str, tuple[float, float]]


LOG_NORMAL = frozenset({"Income", "MonthlySpending", "AvgAccountBalance"})

#: (low, high, decimals) applied after sampling so values stay plausible.
BOUNDS: dict[str, tuple[float, float, int]] = {
    "Age": (18, 90, 0),
    "Income": (12_000, 1_500_000, 2),
    "CreditScore": (300, 850, 0),
    "AccountTenure": (0, 45, 0),
    "MonthlySpending": (50, 60_000, 2),
    "TransactionFrequency": (0, 200, 0),
    "AvgAccountBalance": (0, 5_000_000, 2),
    "NumProducts": (1, 8, 0),
    "AppUsageScore": (0, 10, 1),
    "SupportCalls": (0, 30, 0),
}

PERSONAS: tuple[PlantedPersona, ...] = (
    PlantedPersona(
        "premium_investors",
        "Premium Investors",
        0.20,
        {
            "Age": (54, 7),
            "Income": (100_000, 0.20),
            "CreditScore": (790, 22),
            "AccountTenure": (17, 4),
            "MonthlySpending": (3_000, 0.25),
            "TransactionFrequency": (22, 5),
            "AvgAccountBalance": (140_000, 0.25),
            "NumProducts": (5.2, 0.8),
            "AppUsageScore": (5.0, 1.0),
            "SupportCalls": (1.0, 0.8),
        },
    ),
    PlantedPersona(
        "lifestyle_spenders",
        "Lifestyle Spenders",
        0.30,
        {
            "Age": (37, 6),
            "Income": (125_000, 0.20),
            "CreditScore": (665, 28),
            "AccountTenure": (8, 3),
            "MonthlySpending": (8_500, 0.18),
            "TransactionFrequency": (75, 9),
            "AvgAccountBalance": (9_000, 0.35),
            "NumProducts": (3.0, 0.8),
            "AppUsageScore": (7.0, 0.9),
            "SupportCalls": (2.6, 1.0),
        },
    ),
    PlantedPersona(
        "credit_dependent",
        "Credit Dependent",
        0.20,
        {
            "Age": (46, 8),
            "Income": (36_000, 0.22),
            "CreditScore": (565, 35),
            "AccountTenure": (7, 3),
            "MonthlySpending": (1_900, 0.25),
            "TransactionFrequency": (28, 6),
            "AvgAccountBalance": (1_200, 0.45),
            "NumProducts": (2.0, 0.7),
            "AppUsageScore": (1.8, 0.9),
            "SupportCalls": (9.0, 1.8),
        },
    ),
    PlantedPersona(
        "growth_segment",
        "Growth Segment",
        0.30,
        {
            "Age": (25, 3.5),
            "Income": (45_000, 0.22),
            "CreditScore": (705, 28),
            "AccountTenure": (2.5, 1.3),
            "MonthlySpending": (1_600, 0.25),
            "TransactionFrequency": (48, 7),
            "AvgAccountBalance": (7_000, 0.40),
            "NumProducts": (1.4, 0.6),
            "AppUsageScore": (8.9, 0.6),
            "SupportCalls": (1.5, 0.9),
        },
    ),
)


@dataclass(frozen=True)
class GeneratedCustomers:
    """A generated table and its planted truth (kept apart on purpose)."""

    customers: pa.Table
    truth: pa.Table


def _format_ids(count: int) -> pa.Array:
    width = max(6, len(str(count)))
    numbers = np.arange(1, count + 1).astype(str)
    padded = np.char.zfill(numbers, width)
    return pa.array(np.char.add("C", padded))


def generate_customers(rows: int, seed: int = 42) -> GeneratedCustomers:
    """Draw ``rows`` customers from the planted personas.

    Returns the customer table (``CustomerID`` plus the ten attributes, the
    columns a bank export carries) and, separately, the truth table
    (``CustomerID``, ``persona_id``, ``persona_name``). The truth never enters
    the customer table, so the model cannot see it.
    """
    ids, persona_index, latent = _draw_customers(rows, seed)
    return GeneratedCustomers(
        customers=_customer_table(ids, persona_index, latent),
        truth=_truth_table(ids, persona_index),
    )


def _draw_customers(rows: int, seed: int) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Ids, persona indices ``(rows,)`` and latent standard normals ``(10, rows)``."""
    if rows < 1:
        raise ValueError(f"rows must be at least 1, got {rows}")
    rng = np.random.default_rng(seed)
    persona_index = _draw_personas(rng, rows)
    # One standard-normal row per attribute, drawn in attribute order (the shipped seed's
    # bytes depend on this order).
    latent = np.stack([rng.standard_normal(rows) for _ in ATTRIBUTES])
    return _format_ids(rows), persona_index, latent


def _draw_personas(rng: np.random.Generator, rows: int) -> np.ndarray:
    """``(rows,)`` persona indices drawn with the planted shares."""
    shares = np.array([p.share for p in PERSONAS])
    return rng.choice(len(PERSONAS), size=rows, p=shares / shares.sum())


def _customer_table(
    ids: pa.Array,
    persona_index: np.ndarray,
    latent: np.ndarray,
    factors: dict[str, float] | None = None,
) -> pa.Table:
    """Customers from persona indices ``(n,)`` and latent standard normals ``(10, n)``.

    An attribute's value is its persona's centre moved by ``spread * latent`` (log-normal
    for money), times its ``factors`` entry (planted drift), then clipped and rounded.
    """
    factors = factors or {}
    columns: dict[str, pa.Array] = {ID_COLUMN: ids}
    for row, attribute in enumerate(ATTRIBUTES):
        centre = np.array([p.params[attribute][0] for p in PERSONAS])[persona_index]
        spread = np.array([p.params[attribute][1] for p in PERSONAS])[persona_index]
        noise = latent[row]
        if attribute in LOG_NORMAL:
            values = centre * np.exp(spread * noise)
        else:
            values = centre + spread * noise
        if attribute in factors:
            values = values * factors[attribute]
        low, high, decimals = BOUNDS[attribute]
        values = np.round(np.clip(values, low, high), decimals)
        if decimals == 0:
            columns[attribute] = pa.array(values.astype(np.int64))
        else:
            columns[attribute] = pa.array(values)
    return pa.table(columns)


def _truth_table(ids: pa.Array, persona_index: np.ndarray) -> pa.Table:
    return pa.table(
        {
            ID_COLUMN: ids,
            "persona_id": pa.array(np.array([p.persona_id for p in PERSONAS])[persona_index]),
            "persona_name": pa.array(np.array([p.persona_name for p in PERSONAS])[persona_index]),
        }
    )


def write_table(table: pa.Table, path: str | Path) -> Path:
    """Write ``table`` as CSV or Parquet, chosen by the file extension."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        # Header written by hand: pyarrow quotes header names even with quoting off.
        with pa.OSFile(str(path), "wb") as sink:
            sink.write((",".join(table.column_names) + "\n").encode())
            pacsv.write_csv(
                table,
                sink,
                write_options=pacsv.WriteOptions(include_header=False, quoting_style="none"),
            )
    elif suffix == ".parquet":
        pq.write_table(table, path, compression="zstd")
    else:
        raise ValueError(f"unsupported output extension {suffix!r}: use .csv or .parquet")
    return path
