"""The fit parameters: the dbt vars a fit depends on, read from the model's config.

:class:`FitParams` holds every parameter of a fit besides the data; the dbt Python
model and ``bank-segments fit --target spark`` build it from the same model config
(:func:`fit_params_from_config`), whose values are rendered from the project vars.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

#: Every parameter that shapes the features a model reads: a scoring build whose vars
#: differ from the active version's in one of these stops (scores would be meaningless).
FEATURE_PARAMS: tuple[str, ...] = ("segment_features", "log1p_features")


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


@dataclass(frozen=True)
class FitParams:
    """Everything a fit depends on besides the data (dbt vars of the same names)."""

    segment_features: tuple[str, ...]
    log1p_features: tuple[str, ...] = ()
    k_min: int = 2
    k_max: int = 8
    segment_count: int | None = None
    random_state: int = 42
    n_init: int = 10
    fit_sample_size: int | None = 200_000
    k_selection_sample_size: int | None = 20_000
    silhouette_sample_size: int | None = 20_000
    min_segment_share: float = 0.02
    clip_quantile: float = 0.005
    #: Hennig's bootstrap stability at fit time: resamples (0 = not measured) and the
    #: bounded, fixed-seed subsample of the fit sample they are drawn from
    stability_resamples: int = 50
    stability_sample_size: int | None = 20_000

    def validate(self) -> FitParams:
        """Return ``self``, or raise ``ValueError`` naming the var and the fix."""
        if not self.segment_features:
            raise ValueError("var segment_features is empty: list at least one feature")
        if len(set(self.segment_features)) != len(self.segment_features):
            raise ValueError(f"var segment_features repeats a name: {list(self.segment_features)}")
        unknown = sorted(set(self.log1p_features) - set(self.segment_features))
        if unknown:
            raise ValueError(
                f"var log1p_features names {unknown}, which are not in segment_features"
            )
        if self.k_min < 2:
            raise ValueError(f"var k_min must be at least 2, got {self.k_min}")
        if self.k_max < self.k_min:
            raise ValueError(
                f"var k_max ({self.k_max}) is below k_min ({self.k_min}): set k_min <= k_max"
            )
        if self.segment_count is not None and self.segment_count < 2:
            raise ValueError(f"var segment_count must be at least 2, got {self.segment_count}")
        if self.n_init < 1:
            raise ValueError(f"var n_init must be at least 1, got {self.n_init}")
        if self.stability_resamples < 0:
            raise ValueError(
                f"var stability_resamples must be 0 (not measured) or more, "
                f"got {self.stability_resamples}"
            )
        for name in (
            "fit_sample_size",
            "k_selection_sample_size",
            "silhouette_sample_size",
            "stability_sample_size",
        ):
            size = getattr(self, name)
            if size is not None and size < 2:
                raise ValueError(
                    f"var {name} must be at least 2 (or null for all rows), got {size}"
                )
        if not 0 <= self.min_segment_share < 0.5:
            raise ValueError(
                f"var min_segment_share must be in [0, 0.5), got {self.min_segment_share}"
            )
        if not 0 <= self.clip_quantile < 0.5:
            raise ValueError(f"var clip_quantile must be in [0, 0.5), got {self.clip_quantile}")
        return self

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["segment_features"] = list(self.segment_features)
        data["log1p_features"] = list(self.log1p_features)
        return data


def feature_param_differences(requested: FitParams, stored: dict[str, Any]) -> list[str]:
    """Human-readable differences in :data:`FEATURE_PARAMS` between vars and a version.

    ``stored`` holds ``segment_features`` and ``log1p_features`` as lists (or
    comma-separated strings). An empty list means the version fits these vars.
    """
    differences = []
    for name in FEATURE_PARAMS:
        wanted = list(getattr(requested, name))
        have = stored.get(name) or []
        if isinstance(have, str):
            have = [item.strip() for item in have.split(",") if item.strip()]
        have = list(have)
        compare = (wanted, have) if name == "segment_features" else (sorted(wanted), sorted(have))
        if compare[0] != compare[1]:
            differences.append(f"{name}: vars {wanted} vs version {have}")
    return differences


#: Vars the fit reads (model config key = dbt var name), with their defaults.
FIT_CONFIG_DEFAULTS: dict[str, Any] = {
    "k_min": 2,
    "k_max": 8,
    "segment_count": None,
    "random_state": 42,
    "n_init": 10,
    "fit_sample_size": 200_000,
    "k_selection_sample_size": 20_000,
    "silhouette_sample_size": 20_000,
    "stability_resamples": 50,
    "stability_sample_size": 20_000,
}


def fit_params_from_config(get: Any) -> FitParams:
    """:class:`FitParams` from a dbt model config getter (``dbt.config.get``), validated."""
    # a sample size given as null means "all rows"; the yml always renders every var,
    # so a missing key (a direct call) falls back to the default
    integers = {
        name: config_int(
            get(name), name, None if name.endswith("_size") and get(name) is not None else default
        )
        for name, default in FIT_CONFIG_DEFAULTS.items()
    }
    for name in ("k_min", "k_max", "random_state", "n_init", "stability_resamples"):
        if integers[name] is None:
            raise ValueError(f"var {name} must be an integer, got null")
    return FitParams(
        segment_features=config_names(get("segment_features"), "segment_features"),
        log1p_features=config_names(get("log1p_features"), "log1p_features"),
        min_segment_share=config_float(get("min_segment_share"), "min_segment_share", 0.02),
        clip_quantile=config_float(get("clip_quantile"), "clip_quantile", 0.005),
        **integers,
    ).validate()


def config_float(raw: Any, name: str, default: float) -> float:
    """A number config with a clear error naming the var."""
    value = config_value(raw, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"var {name} must be a number, got {value!r}")
    return float(value)


def config_bool(raw: Any, name: str) -> bool:
    """A true/false config (``refit``)."""
    value = config_value(raw, False)
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        value = value.lower() == "true"
    if not isinstance(value, bool):
        raise ValueError(f"var {name} must be true or false, got {value!r}")
    return value
