"""``bank-segments-mf``: MetricFlow's ``mf`` command, without its update check.

dbt-metricflow's CLI asks the package index for a newer release on every command (a
network call that names the package and its version). MetricFlow's own telemetry only
writes to the Python log. This wrapper switches the update check off and is otherwise
``mf`` itself: ``bank-segments-mf query --metrics avg_clv --group-by
customer__persona_name``.
"""

from __future__ import annotations

import sys


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
    cli()


if __name__ == "__main__":
    main()
