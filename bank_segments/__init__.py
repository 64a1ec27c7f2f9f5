"""bank_segments: customer segmentation for a bank, inside a dbt + DuckDB warehouse."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bank-segments")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+local"
