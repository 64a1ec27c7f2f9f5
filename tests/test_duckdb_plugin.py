"""The dbt-duckdb plugin's SQL functions (bank_segments/duckdb_plugin.py)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import duckdb
import pytest

from bank_segments.duckdb_plugin import BLOCK_BYTES, FILE_SHA256, Plugin, file_sha256


def test_the_file_hash_is_sha256sum_of_the_bytes_across_blocks(tmp_path: Path) -> None:
    for size in (0, 1, BLOCK_BYTES - 1, BLOCK_BYTES, 3 * BLOCK_BYTES + 7):
        path = tmp_path / f"f{size}.bin"
        data = os.urandom(size)
        path.write_bytes(data)
        assert file_sha256(str(path)) == hashlib.sha256(data).hexdigest()


def test_sql_hashes_a_file_larger_than_the_memory_limit(tmp_path: Path) -> None:
    """The export manifests' hash: DuckDB's own read_blob needs the file in memory."""
    path = tmp_path / "big.parquet"
    data = os.urandom(48 * BLOCK_BYTES)
    path.write_bytes(data)
    con = duckdb.connect()
    con.execute("set memory_limit = '16MB'")
    with pytest.raises(duckdb.OutOfMemoryException):
        con.execute(f"select sha256(content) from read_blob('{path}')").fetchall()
    Plugin.configure_connection(None, con)  # what dbt-duckdb calls for profiles.yml
    (row,) = con.execute(f"select {FILE_SHA256}(?)", [str(path)]).fetchall()
    assert row[0] == hashlib.sha256(data).hexdigest()
