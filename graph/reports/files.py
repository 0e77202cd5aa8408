"""A computed report as a table file, through the data area's export writer (graph/dataio/writers.py:
CSV with a byte-order mark or XLSX, cells safe from formula injection), one row per series."""

from __future__ import annotations

import tempfile
from pathlib import Path

from graph.dataio.writers import CONTENT_TYPES, TableWriter
from graph.reports.results import ReportResult

FORMATS = CONTENT_TYPES


def table_rows(result: ReportResult) -> list[list[object]]:
    header: list[object] = ["metric", "group", *[bucket.label for bucket in result.buckets], "total"]
    rows = [header]
    rows += [[s.metric.name, s.label, *s.values, s.total] for s in result.series]
    rows += [[t.metric.name, "all", *([""] * len(result.buckets)), t.value] for t in result.totals]
    return rows


def table_bytes(result: ReportResult, file_format: str) -> bytes:
    rows = table_rows(result)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"report.{file_format}"
        writer = TableWriter(path, file_format, [str(cell) for cell in rows[0]])
        for row in rows[1:]:
            writer.write(row)
        writer.close()
        return path.read_bytes()
