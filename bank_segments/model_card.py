"""A model card per segment model version, generated from the warehouse.

``bank-segments model card [--version V] [--out FILE]`` writes Markdown in the shape
of Mitchell et al.'s model cards (2019): intended use, training data, parameters, how K
was chosen, quality, limitations, drift since the fit and the version's activation
history. Every number on the card is a column the last green build published to
``main``; the card computes nothing and types no figure by hand. :func:`card_facts`
reads them, :func:`render_card` lays them out (``templates/model_card.md.j2``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import jinja2

from bank_segments.report.data import connect

#: The registry's fit parameters, in the order the card lists them.
PARAMETERS = (
    "segment_features",
    "features_used",
    "dropped_features",
    "log1p_features",
    "k_min",
    "k_max",
    "segment_count",
    "random_state",
    "n_init",
    "fit_sample_size",
    "k_selection_sample_size",
    "silhouette_sample_size",
    "min_segment_share",
    "clip_quantile",
    "stability_resamples",
    "stability_sample_size",
)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _has(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    found = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'main' and table_name = ?",
        [table],
    ).fetchone()
    return bool(found and found[0])


def card_facts(con: duckdb.DuckDBPyConnection, version: str | None = None) -> dict[str, Any]:
    """Everything the card shows for ``version`` (default: the champion), read from
    ``main``. Raises ``ValueError`` naming the known versions for an unknown one."""
    known = [
        row[0]
        for row in con.execute(
            "select model_version from main.segment_model_versions order by version_number"
        ).fetchall()
    ]
    if version is None:
        champion = con.execute(
            "select model_version from main.segment_model_versions where status = 'champion'"
        ).fetchall()
        version = champion[0][0] if champion else (known[-1] if known else None)
    if version not in known:
        raise ValueError(
            f"no model version {version!r} in the warehouse; known: {', '.join(known) or 'none'}"
        )
    one = [version]
    (row,) = _rows(
        con,
        "select versions.*, fit.stability_resamples, fit.stability_sample_size "
        "from main.segment_model_versions as versions "
        "inner join main.segment_model_fit as fit using (model_version) "
        "where versions.model_version = ?",
        one,
    )
    for column in ("training_as_of_date", "fit_purpose", "warm_started_from"):
        row.setdefault(column, None)  # a version fitted before these were recorded
    facts: dict[str, Any] = {"version": row, "parameters": [(p, row[p]) for p in PARAMETERS]}
    facts["k_selection"] = _rows(
        con, "select * from main.segment_model_k_selection where model_version = ? order by k", one
    )
    facts["personas"] = _rows(
        con,
        "select * from main.segment_model_personas where model_version = ? order by cluster_id",
        one,
    )
    facts["clusters"] = _rows(
        con,
        "select clusters.*, stability.mean_jaccard, stability.stability_verdict "
        "from main.segment_model_clusters as clusters "
        "left join main.segment_model_stability as stability using (model_version, cluster_id) "
        "where clusters.model_version = ? order by clusters.cluster_id",
        one,
    )
    facts["activations"] = _rows(
        con,
        "select * from main.segment_model_activations "
        "where model_version = ? or previous_version = ? order by activation_number",
        [version, version],
    )
    facts["scored_dates"] = _rows(
        con,
        "select as_of_date, count(*) as customers, "
        "avg(case when is_outlier then 1.0 else 0.0 end) as outlier_share "
        "from main.customer_segments where model_version = ? group by as_of_date "
        "order by as_of_date",
        one,
    )
    facts["history_dates"] = _rows(
        con,
        "select min(as_of_date) as first_as_of_date, max(as_of_date) as last_as_of_date, "
        "count(distinct as_of_date) as as_of_dates "
        "from main.customer_segment_history where model_version = ?",
        one,
    )[0]
    facts["drift"] = _rows(
        con,
        "select * from main.segment_drift where model_version = ? and as_of_date = "
        "(select max(as_of_date) from main.segment_drift where model_version = ?) "
        "order by psi desc, feature",
        [version, version],
    )
    facts["comparison"] = None
    if _has(con, "segment_model_comparison"):
        compared = _rows(
            con, "select * from main.segment_model_comparison where model_version = ?", one
        )
        facts["comparison"] = compared[0] if compared else None
    facts["build"] = _rows(
        con,
        "select invocation_id, finished_at from main.build_log where published "
        "order by finished_at desc limit 1",
        [],
    )[0]
    return facts


def integer(value: Any) -> str:
    """A count with thousands separators; an em dash for none."""
    return "—" if value is None else f"{int(value):,}"


def number(value: Any, digits: int = 3) -> str:
    """A measure with ``digits`` decimals; an em dash for none."""
    return "—" if value is None else f"{float(value):.{digits}f}"


def percent(value: Any) -> str:
    """A share as a percentage with one decimal; an em dash for none."""
    return "—" if value is None else f"{100 * float(value):.1f} %"


def text(value: Any) -> str:
    """A parameter as written in the registry; an em dash for none or empty."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def render_card(facts: dict[str, Any]) -> str:
    """The card as Markdown."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("bank_segments", "templates"),
        autoescape=False,  # Markdown, not HTML
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters.update(integer=integer, number=number, percent=percent, text=text)
    return environment.get_template("model_card.md.j2").render(**facts)


def write_model_card(db: str | Path, version: str | None, out: str | Path | None) -> str:
    """Render the card of ``version`` from warehouse ``db``; write it to ``out`` when
    given (creating its folder) and return the Markdown."""
    con = connect(db)
    try:
        markdown = render_card(card_facts(con, version))
    finally:
        con.close()
    if out is not None:
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(markdown, encoding="utf-8")
    return markdown
