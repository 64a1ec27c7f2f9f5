"""The segmentation report: one self-contained HTML page built from the warehouse marts.

``build_report(db_path, out_path)`` reads the published marts and the model registry's
summary and views (read-only, through ``data.read_mart``), draws the charts as inline SVG
and renders ``templates/report.html.j2``. The page makes no network request and runs no
JavaScript.
"""

from bank_segments.report.data import REQUIRED_TABLES, ReportData, ReportError, load_report_data
from bank_segments.report.render import build_report, render_report

__all__ = [
    "REQUIRED_TABLES",
    "ReportData",
    "ReportError",
    "build_report",
    "load_report_data",
    "render_report",
]
