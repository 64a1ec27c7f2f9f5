"""Glue for the dbt Python models in ``python_models/``: config parsing and table shapes.

The models stay thin: they read relations, call these helpers and the maths in
:mod:`bank_segments.segmentation` and :mod:`bank_segments.personas`, and return Arrow
tables. Relations arrive as DuckDB relations and leave as ``pyarrow.Table``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from bank_segments.segmentation import Scaler

ID_COLUMN = "customer_id"
#: File order of the customer; unique per valid customer and cheap to sort.
ORDER_COLUMN = "source_row_number"


def config_value(raw: Any, default: Any = None) -> Any:
    """Parse a dbt config value that may arrive as a JSON/YAML string (``"8"``, ``"null"``).

    Model configs are rendered with ``tojson(var(...))`` in the yml, so strings hold JSON.
    A missing value or JSON ``null`` gives ``default``.
    """
    if raw is None:
        return default
    if isinstance(raw, str):
        text = raw.strip()
        if text in {"", "None", "none", "null"}:
            return default
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    return raw


def config_int(raw: Any, name: str, default: int | None = None) -> int | None:
    """An integer config (or ``None``), with a clear error naming the var."""
    value = config_value(raw, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"var {name} must be an integer, got {value!r}")
    try:
        number = float(value)
    except ValueError as error:
        raise ValueError(f"var {name} must be an integer, got {value!r}") from error
    if not number.is_integer():
        raise ValueError(f"var {name} must be an integer, got {value!r}")
    return int(number)


def config_names(raw: Any, name: str, default: Sequence[str] = ()) -> tuple[str, ...]:
    """A list-of-names config; a single comma-separated string is accepted too."""
    value = config_value(raw, list(default))
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"var {name} must be a list of column names, got {value!r}")
    return tuple(item.strip().lower() for item in value)


def read_features(
    relation: Any, features: Sequence[str], *, with_ids: bool = False
) -> tuple[pa.ChunkedArray | None, np.ndarray]:
    """Customer ids (``(n,)`` Arrow strings, or None) and feature values ``(n, d)`` float64.

    ``relation`` is a DuckDB relation over ``int_customer_features``. Rows come in
    ``source_row_number`` order (file order), so row order, and so every sample, does not
    depend on how DuckDB scanned the table. The table is stored in that order and DuckDB
    keeps insertion order on scans, so the order is checked rather than sorted for; if the
    check fails the rows are sorted here. Data crosses as Arrow; ids stay Arrow strings and
    are only read when ``with_ids`` is set (Python strings for millions of ids are slow).
    """
    available = {column.lower() for column in relation.columns}
    missing = [name for name in features if name not in available]
    if missing:
        raise ValueError(
            f"segmentation features {missing} are not columns of int_customer_features "
            f"(available: {sorted(available)})"
        )
    columns = [ORDER_COLUMN, *(f'cast("{name}" as double) as "{name}"' for name in features)]
    if with_ids:
        columns.insert(0, ID_COLUMN)
    result = relation.project(", ".join(columns)).arrow()
    table = result.read_all() if isinstance(result, pa.RecordBatchReader) else result
    if table.num_rows == 0:
        raise ValueError("int_customer_features has no customers to segment")
    order = table.column(ORDER_COLUMN).to_numpy()
    if not np.all(order[1:] > order[:-1]):
        table = table.take(pa.array(np.argsort(order, kind="stable")))
    values = np.empty((table.num_rows, len(features)), dtype=np.float64)
    for j, name in enumerate(features):
        values[:, j] = table.column(name).to_numpy()  # nulls arrive as NaN
    ids = table.column(ID_COLUMN) if with_ids else None
    return ids, values


def scaler_table(scaler: Scaler) -> pa.Table:
    """One row per feature: index, name, transform, mean and std (transformed units)."""
    return pa.table(
        {
            "feature_index": pa.array(range(1, len(scaler.features) + 1), pa.int32()),
            "feature": pa.array(scaler.features, pa.string()),
            "transform": pa.array(scaler.transforms, pa.string()),
            "mean": pa.array(scaler.mean, pa.float64()),
            "std": pa.array(scaler.std, pa.float64()),
        }
    )


def scaler_from_relation(relation: Any) -> Scaler:
    """Rebuild the :class:`Scaler` from the ``segment_scaler`` table."""
    data = relation.order("feature_index").fetchnumpy()
    return Scaler(
        features=tuple(str(name) for name in data["feature"]),
        mean=np.asarray(data["mean"], dtype=np.float64),
        std=np.asarray(data["std"], dtype=np.float64),
        log1p=tuple(str(name) == "log1p" for name in data["transform"]),
    )


def centroids_from_relation(relation: Any, features: Sequence[str]) -> np.ndarray:
    """``(k, d)`` z-unit centroids from the long ``segment_centroids`` table (cluster order)."""
    data = relation.project("cluster_id, feature, centroid_z").order("cluster_id").fetchnumpy()
    clusters = np.unique(np.asarray(data["cluster_id"]))
    column = {name: j for j, name in enumerate(features)}
    centroids = np.full((len(clusters), len(features)), np.nan)
    row = {int(cluster): i for i, cluster in enumerate(clusters)}
    for cluster, feature, value in zip(
        data["cluster_id"], data["feature"], data["centroid_z"], strict=True
    ):
        centroids[row[int(cluster)], column[str(feature)]] = value
    if np.isnan(centroids).any():
        raise ValueError("segment_centroids does not cover every cluster x feature")
    return centroids
