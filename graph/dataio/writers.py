"""Writing export files row by row: CSV (UTF-8 with a byte-order mark, so Excel reads Chinese text
right) or XLSX (openpyxl's write-only mode, constant memory).

Cells are made safe for spreadsheets: a text cell starting with `=`, `+`, `-`, `@`, tab or carriage
return would be run as a formula by Excel or LibreOffice (CSV injection), so it is written with a
leading apostrophe, which spreadsheets show as text; plain numbers such as -5 are left as they are.
"""

from __future__ import annotations

import csv
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
CONTENT_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def safe_text(text: str) -> str:
    if text.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def cell(value: Any) -> str:
    """A stored value as the text of one cell (lists joined by '; ', money as 'amount currency')."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(cell(item) for item in value)
    if isinstance(value, dict) and "amount" in value:
        return f"{value['amount']} {value.get('currency') or ''}".strip()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


class TableWriter:
    """`write(row)` for each row, then `close()`; the file at `path` is complete only after close."""

    def __init__(self, path: Path, file_format: str, header: list[str]) -> None:
        self.file_format = file_format
        if file_format == "xlsx":
            from openpyxl import Workbook

            self.workbook = Workbook(write_only=True)
            self.sheet = self.workbook.create_sheet("Export")
            self.path = path
        else:
            self.handle = path.open("w", encoding="utf-8-sig", newline="")
            self.csv = csv.writer(self.handle)
        self.write(header)

    def write(self, values: list[Any]) -> None:
        row = [safe_text(cell(value)) for value in values]
        if self.file_format == "xlsx":
            # Every value a string cell: openpyxl would take "=..." for a formula otherwise.
            from openpyxl.cell import WriteOnlyCell

            cells = []
            for text in row:
                written = WriteOnlyCell(self.sheet, value=text)
                written.data_type = "s"
                cells.append(written)
            self.sheet.append(cells)
        else:
            self.csv.writerow(row)

    def close(self) -> None:
        if self.file_format == "xlsx":
            self.workbook.save(self.path)
        else:
            self.handle.close()
