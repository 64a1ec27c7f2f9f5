"""Sample fit vs all-rows fit: does fitting on a 200,000-row sample change the segments?

Generates ``--rows`` customers (seed 42), fits the segment model once on the fixed-seed
sample of ``--sample`` rows (as the warehouse does) and once on every row, scores every
customer with both, and prints the adjusted Rand index between the two labelings and
the wall time of each fit as JSON. Target (issue 12): ARI >= 0.99 at 1M rows.

Usage: ``python bench/sample_agreement.py --rows 1000000 --sample 200000``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=200_000)
    args = parser.parse_args()

    import numpy as np
    from sklearn.metrics import adjusted_rand_score

    from bank_segments.generator import generate_customers
    from bank_segments.segment_model import fit_segment_model, score
    from tests.project_defaults import project_params
    from tests.test_clustering import feature_matrix
    from tests.test_segment_model import PERSONAS

    values = feature_matrix(generate_customers(args.rows, seed=42).customers)
    # the warehouse orders by a hash of id and seed; a fixed-seed permutation is the same
    order = np.random.default_rng(42).permutation(args.rows)
    params = project_params(fit_sample_size=None)
    result = {"rows": args.rows, "sample": args.sample}
    labels = {}
    for name, rows in (("sample", order[: args.sample]), ("all_rows", order)):
        start = time.perf_counter()
        model = fit_segment_model(values[rows], params, PERSONAS)
        result[f"{name}_fit_seconds"] = round(time.perf_counter() - start, 2)
        result[f"{name}_k"] = model.k
        labels[name] = score(values, model).cluster_id
    result["adjusted_rand_index"] = float(adjusted_rand_score(labels["sample"], labels["all_rows"]))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
