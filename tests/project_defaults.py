"""The project vars' defaults, for tests that call the package without dbt.

The defaults live in dbt_project.yml only; these helpers read them from there, the way
the dbt Python model receives them (rendered as JSON into the model config).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import yaml

from bank_segments.fit_params import FitParams, fit_params_from_config

PROJECT_VARS: dict[str, Any] = yaml.safe_load(
    (Path(__file__).resolve().parents[1] / "dbt_project.yml").read_text()
)["vars"]


def project_params(**changes: Any) -> FitParams:
    """:class:`FitParams` of the project's default vars, with ``changes``."""
    params = fit_params_from_config(lambda name, default: json.dumps(PROJECT_VARS[name]))
    return dataclasses.replace(params, **changes)


def select_k_args(**changes: Any) -> dict[str, Any]:
    """The keyword arguments of ``clustering.select_k`` at the project's default vars."""
    names = (
        "segment_count", "random_state", "n_init", "k_selection_sample_size",
        "silhouette_sample_size", "min_segment_share",
    )  # fmt: skip
    return {name: PROJECT_VARS[name] for name in names} | changes
