"""Name each cluster after the persona its centroid profile matches best (one-to-one)."""

import pyarrow as pa

from bank_segments.personas import match_personas, personas_from_rows
from bank_segments.segment_models import centroids_from_relation, scaler_from_relation


def _rows(relation):
    table = relation.arrow().read_all()
    return table.to_pylist()


def model(dbt, session):
    scaler = scaler_from_relation(dbt.ref("segment_scaler"))
    centroids = centroids_from_relation(dbt.ref("segment_centroids"), scaler.features)
    personas = personas_from_rows(
        _rows(dbt.ref("personas")), _rows(dbt.ref("persona_signature_weights"))
    )
    matches = match_personas(centroids, scaler.features, personas)
    return pa.table(
        {
            "cluster_id": pa.array([m.cluster_id for m in matches], pa.int32()),
            "persona_id": pa.array([m.persona_id for m in matches], pa.string()),
            "persona_name": pa.array([m.persona_name for m in matches], pa.string()),
            "is_named": pa.array([m.is_named for m in matches], pa.bool_()),
            "match_score": pa.array([m.match_score for m in matches], pa.float64()),
            "runner_up_persona_id": pa.array(
                [m.runner_up_persona_id for m in matches], pa.string()
            ),
            "runner_up_score": pa.array([m.runner_up_score for m in matches], pa.float64()),
        }
    )
