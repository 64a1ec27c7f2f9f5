"""Turn :class:`ReportData` into the HTML page: charts, words, template."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

import bank_segments
import bank_segments.report.charts as charts
import bank_segments.report.history as history
from bank_segments.report.data import MAP_SAMPLE_SIZE, ReportData, load_report_data

#: Kaufman & Rousseeuw's reading of the silhouette, in plain words; True = warn.
VERDICT_WORDS: dict[str, tuple[str, bool]] = {
    "strong": (
        "The customers fall into clearly separated groups: the segments are distinct.",
        False,
    ),
    "reasonable": (
        "The groups are reasonably distinct; customers near a boundary could belong to "
        "either neighbour.",
        False,
    ),
    "weak": (
        "The groups overlap heavily: customers differ by degree rather than by kind.",
        True,
    ),
    "no substantial structure": (
        "The data shows no substantial cluster structure: the segments cut a continuum into "
        "pieces rather than find groups that exist in the data.",
        True,
    ),
}
#: Folder beside the report holding the model cards it links to.
MODEL_CARDS_FOLDER = "model_cards"

WARNING_TEXT = (
    "These segments should not be over-interpreted. Use them as a rough sorting of "
    "customers, not as distinct customer types, and check any decision against the "
    "underlying figures."
)

METHOD_WORDS = {
    "silhouette": "the candidate with the highest silhouette",
    "fixed by segment_count": "fixed by the segment_count setting, not chosen from the data",
}

#: Features shown in a persona card, with how to format them.
CARD_FEATURES: tuple[tuple[str, str, str], ...] = (
    ("Age", "age", "{:,.0f} years"),
    ("Income", "income", "{:,.0f}"),
    ("Credit score", "credit_score", "{:,.0f}"),
    ("Avg. balance", "avg_account_balance", "{:,.0f}"),
    ("Monthly spending", "monthly_spending", "{:,.0f}"),
    ("Transactions / month", "transaction_frequency", "{:,.0f}"),
    ("Products", "num_products", "{:,.1f}"),
    ("App usage (0\u201310)", "app_usage_score", "{:,.1f}"),
    ("Support calls", "support_calls", "{:,.1f}"),
    ("CLV proxy", "clv_proxy", "{:,.0f}"),
)


def _number(value: Any, fmt: str = "{:,.0f}") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "\u2013"
    return fmt.format(value)


def _percent(value: Any, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "\u2013"
    return f"{float(value) * 100:.{digits}f} %"


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("bank_segments", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = _number
    env.filters["pct"] = _percent
    return env


def deviation_in_words(feature: str, z: float) -> str:
    """``('income', 1.8)`` → ``'Income much higher than average (+1.8 SD)'``.

    ``z`` is segment_feature_deviations.z_deviation: the segment centroid's distance from
    the average customer in standard deviations.
    """
    z = round(z, 1)  # the degree words follow the number the reader sees
    size = abs(z)
    degree = "much " if size >= 1.5 else "" if size >= 0.75 else "slightly "
    direction = "higher" if z > 0 else "lower"
    return f"{charts.humanize(feature)} {degree}{direction} than average ({z:+.1f} SD)".replace(
        "-", "\u2212"
    )


def _cards(data: ReportData) -> list[dict[str, Any]]:
    cards = []
    for persona, profile in zip(data.personas, data.profiles, strict=True):
        top_list = [
            deviation_in_words(row.feature, row.z_deviation)
            for row in data.top_features.get(persona.persona_id, [])
        ]
        levels = [
            {"label": "CLV", "value": profile.clv_level},
            {"label": "Risk", "value": profile.risk_level},
            {"label": "Digital", "value": profile.digital_adoption_level},
        ]
        figures = []
        for label, name, fmt in CARD_FEATURES:
            mean = getattr(profile, f"mean_{name}")
            median = getattr(profile, f"median_{name}")
            if mean is None and median is None:
                continue
            figures.append(
                {"label": label, "mean": _number(mean, fmt), "median": _number(median, fmt)}
            )
        cards.append(
            {
                "persona": persona,
                "customers": profile.customers,
                "share": profile.share_of_customers,
                "description": profile.persona_description,
                "top_features": top_list,
                "levels": levels,
                "figures": figures,
                "app_usage": _number(profile.mean_app_usage_score, "{:,.1f}"),
                "high_digital_share": profile.high_digital_adoption_share,
                "has_median": any(f["median"] != "\u2013" for f in figures),
                "low_confidence": profile.low_confidence_share,
                "strategies": data.strategies.get(persona.persona_id, []),
            }
        )
    return cards


def _clv_by_persona(data: ReportData, kind: str) -> dict[str, float]:
    return {
        profile.persona_id: float(getattr(profile, f"{kind}_clv_proxy"))
        for profile in data.profiles
        if getattr(profile, f"{kind}_clv_proxy") is not None
    }


def _headline(data: ReportData) -> dict[str, Any]:
    summary = data.summary
    verdict = (summary.structure_verdict or "").strip()
    words, warn = VERDICT_WORDS.get(
        verdict.lower(), (f"Structure verdict: {verdict or 'unknown'}.", True)
    )
    method = summary.k_selection_method or ""
    ks = [row.k for row in data.k_selection]
    method_words = METHOD_WORDS.get(method, method or "not recorded")
    if method == "silhouette" and ks:
        method_words += f" among K = {min(ks)}\u2013{max(ks)}"
    return {
        "customers": int(summary.customers),
        "quarantined": data.quality["rows_quarantined"],
        "k": int(summary.k),
        "method_words": method_words,
        "silhouette": float(summary.silhouette),
        "verdict": verdict,
        "verdict_words": words,
        "verdict_label": "no substantial cluster structure"
        if verdict.lower() == "no substantial structure"
        else f"{verdict} cluster structure",
        "warn": warn,
        "warning_text": WARNING_TEXT,
        "unnamed_note": summary.unnamed_segments_note if summary.unnamed_segments else None,
    }


def render_report(data: ReportData) -> str:
    """The complete HTML page for ``data``."""
    headline = _headline(data)
    chosen = next((row.k for row in data.k_selection if row.is_chosen), headline["k"])
    mean_clv = _clv_by_persona(data, "mean")
    median_clv = _clv_by_persona(data, "median")
    sampled = sum(len(v) for v in data.map_points.values())
    svg = {
        "k_selection": charts.k_selection_chart(data.k_selection, chosen),
        "pca_map": charts.pca_map_chart(
            data.personas, data.map_points, data.map_centroids, data.explained_variance
        ),
        "clv": charts.clv_chart(data.personas, mean_clv, median_clv or None),
        "risk": charts.stacked_share_chart(
            "chart-risk",
            "Credit risk band mix by segment",
            data.personas,
            data.risk,
            data.risk_bands,
            charts.RISK_COLOURS,
            "Credit band (worst → best)",
        ),
        "digital": charts.stacked_share_chart(
            "chart-digital",
            "Digital adoption by segment",
            data.personas,
            data.digital,
            data.digital_bands,
            charts.DIGITAL_COLOURS,
            "Digital adoption band (app usage score)",
        ),
        "correlations": charts.correlation_heatmap(data.correlations),
    }
    chosen_row = next((row for row in data.k_selection if row.k == chosen), None)
    context = {
        "headline": headline,
        "charts": {name: Markup(value) for name, value in svg.items()},
        "cards": _cards(data),
        "personas": data.personas,
        "k_rows": data.k_selection,
        "chosen_row": chosen_row,
        "map_total": data.map_total,
        "map_sampled": sampled,
        "map_sample_limit": MAP_SAMPLE_SIZE,
        "explained": data.explained_variance,
        "findings": data.findings,
        "quality": data.quality,
        "border_reasons": data.border_reasons,
        "comparison": data.comparison,
        "candidates": [row for row in data.comparison if row.status == "candidate"],
        "moves": data.moves,
        "model_cards": MODEL_CARDS_FOLDER,
        "active_version": data.summary.model_version,
        "meta": data.meta,
        "db_name": data.db_path.name,
        "version": bank_segments.__version__,
        "humanize": charts.humanize,
        # segments over time and stability: their own loader, published views only
        "history": history.history_context(history.load_history(data.db_path)),
    }
    return _environment().get_template("report.html.j2").render(**context)


def build_report(db_path: str | Path, out_path: str | Path, data: ReportData | None = None) -> Path:
    """Read the warehouse at ``db_path`` (or use ``data`` read from it) and write the report,
    with the model card of the active version and of each candidate beside it
    (``model_cards/<version>.md``, linked from the page)."""
    from bank_segments.model_card import write_model_card

    data = data if data is not None else load_report_data(db_path)
    html = render_report(data)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    versions = [data.summary.model_version]
    versions += [row.model_version for row in data.comparison if row.status == "candidate"]
    for version in versions:
        write_model_card(db_path, version, out_path.parent / MODEL_CARDS_FOLDER / f"{version}.md")
    out_path.write_text(html, encoding="utf-8")
    return out_path
