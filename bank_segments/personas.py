"""Name clusters from their profiles: score centroids against persona signatures.

A persona's signature is a set of weights on standardized (z-unit) centroid features,
kept as data in ``seeds/persona_signature_weights.csv``. A cluster's match score for a
persona is the weighted mean of its centroid's z-values, ``Σ w·z / Σ |w|``, over the
signature features the model used (features not in the model contribute nothing). The
one-to-one assignment with the highest total score is found with the Hungarian method.
Clusters are never named from their numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

UNNAMED_ID = "unnamed_{cluster_id}"
UNNAMED_NAME = "Unnamed segment {cluster_id}"


@dataclass(frozen=True)
class Persona:
    """A persona and its signature: ``weights`` maps a feature name to a weight."""

    persona_id: str
    persona_name: str
    weights: Mapping[str, float]


@dataclass(frozen=True)
class PersonaMatch:
    """The persona given to one cluster (``cluster_id`` is 1-based).

    ``match_score`` is ``None`` for an unnamed cluster (more clusters than personas); the
    runner-up is the best-scoring persona other than the one given (``None`` when there is
    no other persona).
    """

    cluster_id: int
    persona_id: str
    persona_name: str
    is_named: bool
    match_score: float | None
    runner_up_persona_id: str | None
    runner_up_score: float | None


def score_matrix(
    centroids_z: np.ndarray, features: Sequence[str], personas: Sequence[Persona]
) -> np.ndarray:
    """Match scores ``(k, p)`` of ``(k, d)`` z-unit centroids against ``p`` personas."""
    centroids_z = np.asarray(centroids_z, dtype=np.float64)
    if centroids_z.ndim != 2 or centroids_z.shape[1] != len(features):
        raise ValueError(
            f"centroids shape {centroids_z.shape} does not match {len(features)} features"
        )
    column = {name: j for j, name in enumerate(features)}
    weights = np.zeros((len(features), len(personas)))
    for p, persona in enumerate(personas):
        used = {name: w for name, w in persona.weights.items() if name in column}
        total = sum(abs(w) for w in used.values())
        for name, w in used.items():
            weights[column[name], p] = w / total
    return centroids_z @ weights


def match_personas(
    centroids_z: np.ndarray, features: Sequence[str], personas: Sequence[Persona]
) -> tuple[PersonaMatch, ...]:
    """Give each cluster (row of ``centroids_z``, in order) one persona, at most once each.

    With fewer clusters than personas only ``k`` personas are used; with more, the extra
    clusters are named ``Unnamed segment <cluster_id>``. Ties between equally good
    assignments are broken by the order of ``personas`` (seed ``display_order``).
    """
    if not personas:
        raise ValueError("no personas given")
    ids = [persona.persona_id for persona in personas]
    if len(set(ids)) != len(ids):
        raise ValueError(f"persona ids repeat: {ids}")
    scores = score_matrix(centroids_z, features, personas)
    rows, cols = linear_sum_assignment(scores, maximize=True)
    given = dict(zip(rows.tolist(), cols.tolist(), strict=True))
    matches = []
    for cluster in range(scores.shape[0]):
        cluster_id = cluster + 1
        ranked = sorted(range(len(personas)), key=lambda p: (-scores[cluster, p], p))
        if cluster in given:
            chosen = given[cluster]
            others = [p for p in ranked if p != chosen]
            runner = others[0] if others else None
            persona = personas[chosen]
            matches.append(
                PersonaMatch(
                    cluster_id=cluster_id,
                    persona_id=persona.persona_id,
                    persona_name=persona.persona_name,
                    is_named=True,
                    match_score=float(scores[cluster, chosen]),
                    runner_up_persona_id=None if runner is None else personas[runner].persona_id,
                    runner_up_score=None if runner is None else float(scores[cluster, runner]),
                )
            )
        else:
            runner = ranked[0]
            matches.append(
                PersonaMatch(
                    cluster_id=cluster_id,
                    persona_id=UNNAMED_ID.format(cluster_id=cluster_id),
                    persona_name=UNNAMED_NAME.format(cluster_id=cluster_id),
                    is_named=False,
                    match_score=None,
                    runner_up_persona_id=personas[runner].persona_id,
                    runner_up_score=float(scores[cluster, runner]),
                )
            )
    return tuple(matches)


def personas_from_rows(
    persona_rows: Sequence[Mapping[str, object]], weight_rows: Sequence[Mapping[str, object]]
) -> tuple[Persona, ...]:
    """Build personas from seed rows, ordered by ``display_order``.

    ``persona_rows`` carry ``persona_id``, ``persona_name``, ``display_order``;
    ``weight_rows`` carry ``persona_id``, ``feature``, ``weight``. A persona without
    weights, or weights for an unknown persona, is a ``ValueError``.
    """
    weights: dict[str, dict[str, float]] = {}
    for row in weight_rows:
        weights.setdefault(str(row["persona_id"]), {})[str(row["feature"])] = float(row["weight"])
    known = {str(row["persona_id"]) for row in persona_rows}
    orphans = sorted(set(weights) - known)
    if orphans:
        raise ValueError(f"signature weights for unknown personas: {orphans}")
    ordered = sorted(
        persona_rows, key=lambda row: (int(row["display_order"]), str(row["persona_id"]))
    )
    personas = []
    for row in ordered:
        persona_id = str(row["persona_id"])
        if not weights.get(persona_id):
            raise ValueError(f"persona {persona_id!r} has no signature weights")
        personas.append(Persona(persona_id, str(row["persona_name"]), weights[persona_id]))
    return tuple(personas)
