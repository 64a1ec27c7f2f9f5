"""The fit parameters: the dbt vars a fit depends on, read from the model's config.

:class:`FitParams` holds every parameter of a fit besides the data. Its values come
from the project vars, whose defaults live in ``dbt_project.yml`` and nowhere else, and
which ``macros/project_vars.sql`` checks before anything is built (on-run-start): the
dbt Python model and ``bank-segments fit --target spark`` read them from the same model
config (:func:`fit_params_from_config`) and only convert what the yml rendered.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from typing import Any

#: Every parameter that shapes the features a model reads: a scoring build whose vars
#: differ from the active version's in one of these stops (scores would be meaningless).
FEATURE_PARAMS: tuple[str, ...] = ("segment_features", "log1p_features")


@dataclass(frozen=True)
class FitParams:
    """Everything a fit depends on besides the data (dbt vars of the same names).

    No field has a default: the values are the project vars (``dbt_project.yml``), or a
    stored version's.
    """

    segment_features: tuple[str, ...]
    log1p_features: tuple[str, ...]
    k_min: int
    k_max: int
    segment_count: int | None
    random_state: int
    n_init: int
    fit_sample_size: int | None
    k_selection_sample_size: int | None
    silhouette_sample_size: int | None
    min_segment_share: float
    clip_quantile: float
    #: Hennig's bootstrap stability at fit time: resamples (0 = not measured) and the
    #: bounded, fixed-seed subsample of the fit sample they are drawn from
    stability_resamples: int
    stability_sample_size: int | None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["segment_features"] = list(self.segment_features)
        data["log1p_features"] = list(self.log1p_features)
        return data


#: Marks a config key that is absent (a key rendered as null reads as None or "null").
_MISSING = object()

#: How each field is read from its (already checked) config value.
_NAMES = ("segment_features", "log1p_features")
_FLOATS = ("min_segment_share", "clip_quantile")


def config_value(raw: Any) -> Any:
    """A model config value as the yml rendered it: ``tojson(var(...))`` text is parsed
    back (``"8"`` -> 8, ``"null"`` -> None); anything else is returned as it is."""
    if isinstance(raw, str):
        text = raw.strip()
        if text in {"", "None", "none", "null"}:
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    return raw


def _names(value: Any) -> tuple[str, ...]:
    """A list of names; a single comma-separated string is accepted too."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = value.split(",")
    return tuple(str(item).strip().lower() for item in value if str(item).strip())


def fit_params_from_config(get: Callable[[str, Any], Any]) -> FitParams:
    """:class:`FitParams` from a dbt model config getter (``dbt.config.get``; it takes a
    default, as ``dict.get`` does).

    Every field's var is rendered into the config by the yml, and was checked by
    ``validate_vars()`` before the build started; a missing key is a project error.
    """
    values = {}
    for field in fields(FitParams):
        raw = get(field.name, _MISSING)
        if raw is _MISSING:
            raise ValueError(
                f"the model config has no {field.name}: render var('{field.name}') into "
                "segment_model_fit's config (python_models/_python_models.yml)"
            )
        value = config_value(raw)
        if field.name in _NAMES:
            value = _names(value)
        elif value is not None:
            value = float(value) if field.name in _FLOATS else int(float(value))
        values[field.name] = value
    return FitParams(**values)


def config_bool(raw: Any) -> bool:
    """A true/false config (``refit``), as checked by ``validate_vars()``."""
    value = config_value(raw)
    return value is True or (isinstance(value, str) and value.lower() == "true")


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


def fit_params_from_row(row: dict[str, Any]) -> FitParams:
    """The parameters a stored version was fitted with (a ``segment_model_fit`` row)."""
    return fit_params_from_config(lambda name, default: json.dumps(row[name]))
