"""``bank-segments-mf``: MetricFlow's ``mf`` command, without its update check.

dbt-metricflow's CLI asks the package index for a newer release on every command (a
network call that names the package and its version). MetricFlow's own telemetry only
writes to the Python log. This wrapper switches the update check off and is otherwise
``mf`` itself: ``bank-segments-mf query --metrics avg_clv --group-by
customer__persona_name``.

``mf`` queries the relations named in ``target/semantic_manifest.json``, and DuckDB names
a database after its file, so a manifest parsed with another ``BANK_SEGMENTS_DB`` would
send every query to a database that is not attached. The wrapper points the manifest at
the warehouse the profile opens now (one line on stderr says so) instead of asking for
a re-parse.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def point_manifest_at_warehouse(manifest: Path, database: str) -> str | None:
    """Rename the database of every relation ``manifest`` names to ``database``.

    Returns the database it named before, or None when it already named ``database``
    (or there is no manifest: mf then says what to do).
    """
    if not manifest.is_file():
        return None
    content = json.loads(manifest.read_text())
    relations = [model["node_relation"] for model in content.get("semantic_models", [])]
    relations += [
        spine["node_relation"]
        for spine in content.get("project_configuration", {}).get("time_spines", [])
    ]
    before = {relation.get("database") for relation in relations} - {database}
    if not before:
        return None
    for relation in relations:
        relation["database"] = database
        relation["relation_name"] = ".".join(
            json.dumps(part) for part in (database, relation["schema_name"], relation["alias"])
        )
    staged = manifest.with_suffix(".json.tmp")
    staged.write_text(json.dumps(content))
    staged.replace(manifest)
    return ", ".join(sorted(str(name) for name in before))


def main() -> None:
    try:
        import update_checker
        from dbt_metricflow.cli.main import cli
    except ImportError:
        sys.exit(
            "bank-segments-mf: MetricFlow is not installed; "
            "run `.venv/bin/pip install -c constraints.txt -e '.[semantic]'` (or `make install`)"
        )

    def _no_update_check(self: object, package_name: str, package_version: str) -> None:
        return None

    update_checker.UpdateChecker.check = _no_update_check
    from bank_segments.cli import default_db

    warehouse = Path(default_db())
    manifest = Path("target", "semantic_manifest.json")  # where mf reads it, as dbt wrote it
    before = point_manifest_at_warehouse(manifest, warehouse.stem)
    if before is not None:
        print(
            f"bank-segments-mf: {manifest} named database {before}; now {warehouse.stem}"
            f" ({warehouse}, BANK_SEGMENTS_DB)",
            file=sys.stderr,
        )
    cli()


if __name__ == "__main__":
    main()
