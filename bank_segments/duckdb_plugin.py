"""A dbt-duckdb plugin: SQL functions the project needs that DuckDB does not have.

profiles.yml names it (``plugins: [{module: bank_segments.duckdb_plugin}]``); dbt-duckdb
calls :meth:`Plugin.configure_connection` on the connection every node shares.

``bank_segments_file_sha256(path)`` is the SHA-256 of a file's bytes, read a block at a
time. The export manifests need it: DuckDB's own ``sha256(content) from read_blob(path)``
reads the whole file into one value, which fails once an export is larger than the
memory limit, as the customer mart's file does at tens of millions of customers.
"""

from __future__ import annotations

import hashlib

import duckdb
from dbt.adapters.duckdb.plugins import BasePlugin

#: The SQL name of the streaming file hash (macro export_marts_file_sha256 checks for it).
FILE_SHA256 = "bank_segments_file_sha256"
BLOCK_BYTES = 1 << 20


def file_sha256(path: str) -> str:
    """The hex SHA-256 of the file at ``path`` (what ``sha256sum`` prints)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(BLOCK_BYTES), b""):
            digest.update(block)
    return digest.hexdigest()


class Plugin(BasePlugin):
    """Registers the project's SQL functions on each DuckDB connection dbt opens."""

    def configure_connection(self, conn: duckdb.DuckDBPyConnection) -> None:
        conn.create_function(
            FILE_SHA256,
            file_sha256,
            [duckdb.sqltypes.VARCHAR],
            duckdb.sqltypes.VARCHAR,
            side_effects=True,
        )
