"""Charts as inline SVG strings, drawn by matplotlib without pyplot.

Every chart is deterministic (fixed ``svg.hashsalt`` per chart, no date or creator
metadata), keeps text as text (``svg.fonttype: none``), and is returned as an ``<svg>``
element with ``role="img"``, a ``<title>`` and a ``<desc>`` so screen readers can read it.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping, Sequence
from html import escape

import matplotlib
import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from bank_segments.clustering import NO_STRUCTURE, STRUCTURE_VERDICTS
from bank_segments.report.data import CorrelationRow, KSelectionRow, Persona

INK = "#1f2933"
MUTED = "#616e7c"
GRID = "#e4e7eb"

#: Ordered credit bands, worst to best: ColorBrewer PuOr (colour-blind safe), grey middle.
RISK_COLOURS: tuple[str, ...] = ("#b35806", "#f1a340", "#d8dadf", "#998ec3", "#542788")
#: Ordered digital adoption bands, low to high: ColorBrewer Blues (sequential).
DIGITAL_COLOURS: tuple[str, ...] = ("#c6dbef", "#6baed6", "#2171b5", "#08306b")
#: Diverging blue-white-orange for correlations (colour-blind safe).
CORRELATION_CMAP = LinearSegmentedColormap.from_list(
    "bank_segments_corr", ["#2166ac", "#92c5de", "#f7f7f7", "#f4a582", "#b2182b"]
)

_BASE_RC = {
    "svg.fonttype": "none",
    "svg.image_inline": True,
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Helvetica", "Arial", "sans-serif"],
    "font.size": 9.5,
    "axes.titlesize": 10.5,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titlepad": 10,
    "axes.labelsize": 9.5,
    "axes.labelcolor": INK,
    "axes.edgecolor": "#9aa5b1",
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": GRID,
    "grid.linewidth": 0.8,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "xtick.labelcolor": INK,
    "ytick.labelcolor": INK,
    "legend.frameon": False,
    "legend.fontsize": 9,
    "text.color": INK,
    "figure.dpi": 100,
}

_METADATA_RE = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_COMMENT_RE = re.compile(r"<!--.*?-->\s*", re.DOTALL)
_PROLOG_RE = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)
_SIZE_RE = re.compile(r'\s(width|height)="[^"]*"')


#: Figure widths in inches matching the page's full and half columns at 96 px per inch,
#: so chart text renders at about the same size as the page text.
FULL_WIDTH = 11.6
HALF_WIDTH = 5.6


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _suptitle(fig: Figure, title: str) -> None:
    fig.suptitle(title, x=0.0, ha="left", fontsize=10.5, fontweight="bold", color=INK)


def to_svg(fig: Figure, chart_id: str, title: str, description: str) -> str:
    """Serialize ``fig`` as an accessible, deterministic ``<svg>`` element string."""
    buffer = io.StringIO()
    rc = {**_BASE_RC, "svg.hashsalt": f"bank-segments-{chart_id}", "svg.id": chart_id}
    with matplotlib.rc_context(rc):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    svg = _PROLOG_RE.sub("", svg, count=1)
    svg = _METADATA_RE.sub("", svg)
    svg = _COMMENT_RE.sub("", svg)
    head_end = svg.index(">") + 1
    head = _SIZE_RE.sub("", svg[:head_end])
    head = head[:-1] + (
        f' role="img" aria-labelledby="{chart_id}-title {chart_id}-desc"'
        ' preserveAspectRatio="xMidYMid meet" class="chart">'
    )
    accessible = (
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
    )
    return head + accessible + svg[head_end:].strip()


def _with_rc(function):
    """Run a chart function under the house rcParams (no global state is touched)."""

    def wrapper(*args, **kwargs):
        with matplotlib.rc_context(_BASE_RC):
            return function(*args, **kwargs)

    wrapper.__name__ = function.__name__
    wrapper.__doc__ = function.__doc__
    return wrapper


#: Readable names for the warehouse's feature columns; others are de-snake-cased.
FEATURE_NAMES = {
    "avg_account_balance": "Average balance",
    "num_products": "Number of products",
    "account_tenure": "Account tenure",
    "transaction_frequency": "Transactions per month",
    "clv_proxy": "CLV proxy",
}


def humanize(feature: str) -> str:
    """``num_products`` → ``Number of products``; ``credit_score`` → ``Credit score``."""
    if feature in FEATURE_NAMES:
        return FEATURE_NAMES[feature]
    words = feature.replace("_", " ").strip()
    words = re.sub(r"\bclv\b", "CLV", words)
    return words[:1].upper() + words[1:]


# --------------------------------------------------------------------------- charts


def _verdict_bands(ax, bottom: float) -> None:
    """Shade the silhouette ranges of each structure verdict and name them on the right."""
    bounds = sorted(STRUCTURE_VERDICTS, key=lambda item: item[0])
    edges = [bottom, *(bound for bound, _ in bounds), 1.0]
    names = [NO_STRUCTURE, *(name for _, name in bounds)]
    shades = ("#fbeee6", "#fdf6ec", "#f1f5f9", "#e8f3ee")
    top = ax.get_ylim()[1]
    for lower, upper, name, shade in zip(edges[:-1], edges[1:], names, shades, strict=False):
        if lower >= top:
            break
        ax.axhspan(lower, min(upper, top), color=shade, zorder=0, linewidth=0)
        label = "no structure" if name == NO_STRUCTURE else name
        ax.text(
            0.99,
            (lower + min(upper, top)) / 2,
            label,
            transform=ax.get_yaxis_transform(),
            ha="right",
            va="center",
            fontsize=8,
            color=MUTED,
            style="italic",
        )


@_with_rc
def k_selection_chart(rows: Sequence[KSelectionRow], chosen_k: int) -> str:
    """Silhouette (higher is better) and Davies-Bouldin (lower is better) by K."""
    ks = [int(row.k) for row in rows]
    silhouette = [float(row.silhouette) for row in rows]
    davies = [float(row.davies_bouldin) for row in rows]
    fig = _figure(FULL_WIDTH, 3.6)
    left, right = fig.subplots(1, 2)
    for ax, values, label, colour, better in (
        (left, silhouette, "Silhouette (\u22121 to 1)", "#0072B2", "higher is better"),
        (right, davies, "Davies\u2013Bouldin index (≥ 0)", "#D55E00", "lower is better"),
    ):
        ax.plot(ks, values, color=colour, marker="o", linewidth=2, markersize=5)
        ax.axvline(chosen_k, color=MUTED, linestyle="--", linewidth=1)
        chosen_value = values[ks.index(chosen_k)]
        ax.plot(
            [chosen_k],
            [chosen_value],
            marker="o",
            markersize=11,
            markerfacecolor="none",
            markeredgecolor=INK,
            markeredgewidth=1.6,
        )
        ax.annotate(
            f"chosen K = {chosen_k}\n{chosen_value:.2f}",
            (chosen_k, chosen_value),
            xytext=(10, 10),
            textcoords="offset points",
            fontsize=9,
            color=INK,
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85},
        )
        ax.set_xticks(ks)
        ax.set_xlabel("Number of segments, K")
        ax.set_ylabel(label)
        ax.set_title(f"{label.split(' (')[0]} by K ({better})")
        low, high = min(values), max(values)
        if ax is left:
            # the whole verdict scale, so a weak silhouette looks weak
            bottom = min(0.0, low - 0.05)
            ax.set_ylim(bottom, max(0.85, high + 0.08))
            _verdict_bands(ax, bottom)
        else:
            pad = (high - low) * 0.25 or 0.05
            ax.set_ylim(max(0.0, low - pad), high + pad * 1.6)
    silhouette_text = ", ".join(f"K={k}: {s:.2f}" for k, s in zip(ks, silhouette, strict=True))
    return to_svg(
        fig,
        "chart-k-selection",
        "Choosing K: silhouette and Davies\u2013Bouldin index by number of segments",
        f"Silhouette by K: {silhouette_text}. The chosen K is {chosen_k}.",
    )


@_with_rc
def pca_map_chart(
    personas: Sequence[Persona],
    points: Mapping[str, np.ndarray],
    centroids: Mapping[str, tuple[float, float]],
    explained: tuple[float, float],
) -> str:
    """Customers on the first two principal components, coloured by persona."""
    fig = _figure(FULL_WIDTH, 6.2)
    ax = fig.subplots()
    n_points = sum(len(points.get(p.persona_id, ())) for p in personas)
    size = 9 if n_points <= 2_000 else 5
    alpha = 0.55 if n_points <= 2_000 else 0.4
    for persona in personas:
        xy = points.get(persona.persona_id, np.empty((0, 2)))
        ax.scatter(
            xy[:, 0],
            xy[:, 1],
            s=size,
            color=persona.colour,
            alpha=alpha,
            linewidths=0,
            label=persona.persona_name,
            rasterized=False,
        )
    for persona in personas:
        if persona.persona_id not in centroids:
            continue
        x, y = centroids[persona.persona_id]
        ax.scatter(
            [x],
            [y],
            s=190,
            marker="X",
            color=persona.colour,
            edgecolors="white",
            linewidths=1.6,
            zorder=5,
        )
        ax.annotate(
            persona.persona_name,
            (x, y),
            xytext=(9, 7),
            textcoords="offset points",
            fontsize=9.5,
            fontweight="bold",
            color=INK,
            zorder=6,
            bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": "none", "alpha": 0.85},
        )
    ax.set_xlabel(f"Principal component 1 ({explained[0]:.0%} of variance, z-units)")
    ax.set_ylabel(f"Principal component 2 ({explained[1]:.0%} of variance, z-units)")
    _suptitle(fig, "Customers on the first two principal components (\u00d7 = segment centroid)")
    legend = ax.legend(
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        markerscale=2.2,
        title="Segment",
        alignment="left",
    )
    for handle in legend.legend_handles:
        handle.set_alpha(1)
    names = ", ".join(p.persona_name for p in personas)
    return to_svg(
        fig,
        "chart-pca-map",
        "Customer map: first two principal components, coloured by segment",
        f"Scatter of {n_points:,} customers coloured by segment ({names}); centroids "
        f"marked with crosses. The axes explain {explained[0]:.0%} and {explained[1]:.0%} "
        "of the variance.",
    )


@_with_rc
def clv_chart(
    personas: Sequence[Persona],
    mean_clv: Mapping[str, float],
    median_clv: Mapping[str, float] | None = None,
) -> str:
    """Average CLV proxy per persona, horizontal bars in persona colours."""
    fig = _figure(HALF_WIDTH, 0.6 * len(personas) + 1.5)
    ax = fig.subplots()
    names = [p.persona_name for p in personas]
    values = [float(mean_clv.get(p.persona_id) or 0.0) for p in personas]
    y = np.arange(len(personas))
    ax.barh(y, values, color=[p.colour for p in personas], height=0.62)
    if median_clv:
        medians = [median_clv.get(p.persona_id) for p in personas]
        for yi, med in zip(y, medians, strict=True):
            if med is not None:
                ax.plot([med, med], [yi - 0.31, yi + 0.31], color=INK, linewidth=1.5)
    for yi, value in zip(y, values, strict=True):
        ax.annotate(
            f"{value:,.0f}",
            (value, yi),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=9,
            color=INK,
        )
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    ax.set_xlim(0, max([*values, 1.0]) * 1.22)
    ax.xaxis.set_major_formatter(FuncFormatter(_compact_number))
    ax.set_xlabel("Mean CLV proxy (currency units)")
    _suptitle(fig, "Average customer lifetime value by segment")
    if median_clv:
        ax.legend(
            handles=[Line2D([], [], color=INK, linewidth=1.5, label="median")], loc="lower right"
        )
    text = ", ".join(f"{n}: {v:,.0f}" for n, v in zip(names, values, strict=True))
    return to_svg(
        fig,
        "chart-clv",
        "Average CLV proxy by segment",
        f"Mean CLV proxy in currency units: {text}.",
    )


def _compact_number(value: float, _position: int | None = None) -> str:
    magnitude = abs(value)
    if magnitude >= 1e6:
        return f"{value / 1e6:g}M"
    if magnitude >= 1e3:
        return f"{value / 1e3:g}k"
    return f"{value:g}"


@_with_rc
def stacked_share_chart(
    chart_id: str,
    title: str,
    personas: Sequence[Persona],
    shares: Mapping[str, Mapping[str, float]],
    bands: Sequence[str],
    colours: Sequence[str],
    band_label: str,
) -> str:
    """100 % stacked horizontal bars: one per persona, split by ordered band."""
    fig = _figure(HALF_WIDTH, 0.6 * len(personas) + 1.9)
    ax = fig.subplots()
    y = np.arange(len(personas))
    left = np.zeros(len(personas))
    palette = _spread(colours, len(bands))
    for band, colour in zip(bands, palette, strict=True):
        widths = np.array([shares.get(p.persona_id, {}).get(band, 0.0) for p in personas])
        ax.barh(
            y,
            widths * 100,
            left=left * 100,
            color=colour,
            height=0.62,
            label=band,
            edgecolor="white",
            linewidth=0.6,
        )
        dark = _is_dark(colour)
        for yi, start, width in zip(y, left, widths, strict=True):
            if width >= 0.1:
                ax.text(
                    (start + width / 2) * 100,
                    yi,
                    f"{width:.0%}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if dark else INK,
                )
        left += widths
    ax.scatter(
        np.full(len(personas), -0.03),
        y,
        marker="s",
        s=70,
        color=[p.colour for p in personas],
        clip_on=False,
        zorder=4,
        transform=ax.get_yaxis_transform(),
    )
    ax.set_yticks(y, [p.persona_name for p in personas])
    ax.tick_params(axis="y", pad=20, length=0)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.grid(visible=False)
    ax.spines["left"].set_visible(False)
    ax.set_xlabel("Share of the segment's customers (%)")
    _suptitle(fig, title)
    fig.legend(
        loc="outside lower center",
        ncols=min(len(bands), 5),
        title=band_label,
        fontsize=8.5,
        title_fontsize=8.5,
        handlelength=1.2,
        columnspacing=0.9,
    )
    parts = []
    for persona in personas:
        row = shares.get(persona.persona_id, {})
        parts.append(
            persona.persona_name
            + ": "
            + ", ".join(f"{band} {row.get(band, 0.0):.0%}" for band in bands)
        )
    return to_svg(fig, chart_id, title, "; ".join(parts) + ".")


def _spread(colours: Sequence[str], n: int) -> list[str]:
    """``n`` colours from an ordered palette, keeping both ends."""
    if n <= len(colours):
        if n == 1:
            return [colours[-1]]
        picks = np.linspace(0, len(colours) - 1, n).round().astype(int)
        return [colours[i] for i in picks]
    return [*colours, *["#bbbbbb"] * (n - len(colours))]


def _is_dark(colour: str) -> bool:
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5


@_with_rc
def correlation_heatmap(rows: Sequence[CorrelationRow]) -> str:
    """Pearson r between every pair of features, lower triangle, annotated."""
    features: list[str] = []
    for row in rows:
        for name in (row.feature_x, row.feature_y):
            if name not in features:
                features.append(name)
    index = {name: i for i, name in enumerate(features)}
    n = len(features)
    matrix = np.full((n, n), np.nan)
    for row in rows:
        i, j = index[row.feature_x], index[row.feature_y]
        value = row.pearson_r
        if value is not None and not (isinstance(value, float) and math.isnan(value)):
            matrix[i, j] = matrix[j, i] = float(value)
    np.fill_diagonal(matrix, 1.0)
    lower = np.where(np.tril(np.ones((n, n), bool)), matrix, np.nan)
    fig = _figure(6.6, 6.1)
    ax = fig.subplots()
    image = ax.imshow(lower, cmap=CORRELATION_CMAP, vmin=-1, vmax=1)
    labels = [humanize(name) for name in features]
    ax.set_xticks(range(n), labels, rotation=40, ha="right", rotation_mode="anchor")
    ax.set_yticks(range(n), labels)
    ax.grid(visible=False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.tick_params(length=0)
    for i in range(n):
        for j in range(i + 1):
            value = lower[i, j]
            if np.isnan(value):
                continue
            ax.text(
                j,
                i,
                f"{value:.2f}".replace("-", "\u2212"),
                ha="center",
                va="center",
                fontsize=7,
                color="white" if abs(value) > 0.6 else INK,
            )
    colorbar = fig.colorbar(image, ax=ax, shrink=0.7, pad=0.02)
    colorbar.set_label("Pearson correlation r (\u22121 to 1)")
    _suptitle(fig, "Correlation between features (Pearson r)")
    strongest = sorted(
        (row for row in rows if row.pearson_r is not None),
        key=lambda row: -abs(float(row.pearson_r)),
    )[:5]
    text = "; ".join(
        f"{humanize(r.feature_x)} and {humanize(r.feature_y)}: r = {float(r.pearson_r):.2f}"
        for r in strongest
    )
    return to_svg(
        fig,
        "chart-correlations",
        "Correlation heatmap of customer features",
        f"Pearson correlations between {n} features. Strongest pairs: {text}.",
    )
