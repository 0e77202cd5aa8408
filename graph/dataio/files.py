"""Reading an uploaded CSV or XLSX file row by row, in constant memory.

The blob is first copied to a temporary file (streamed in chunks): XLSX is a zip and needs seeking, and a
resumed import reopens the file and skips the rows already done. CSV text is decoded as UTF-8 (with or
without a byte-order mark), UTF-16 (with one), or, when the bytes are not UTF-8, GB18030 (the superset of
GBK that Excel on Chinese Windows saves); the caller may name the encoding instead. The delimiter is the
one of `,`, `;` and tab the header line uses most. Whatever makes the file unreadable is a
`FileProblem` naming the data row, never a partial import.
"""

from __future__ import annotations

import codecs
import csv
import os
import tempfile
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from storage import BlobStore, StorageUnavailable
from tenants.errors import DomainError, ErrorCode

ENCODINGS = {"utf-8": "utf-8-sig", "gbk": "gb18030", "gb18030": "gb18030", "utf-16": "utf-16"}
MAX_COLUMNS = 200
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
MAX_ROW_CHARS = 1_000_000
SNIFF_CHUNK = 1024 * 1024
MAX_XLSX_PART = 512 * 1024 * 1024  # one unpacked part of a workbook (a sheet, the shared strings)
MAX_ZIP_RATIO = 200  # unpacked / packed, beyond which a large part is a zip bomb rather than data

# Long cells are refused row by row (`records`); only a runaway field (an unclosed quote) stops the file.
csv.field_size_limit(MAX_ROW_CHARS)


class FileProblem(DomainError):
    """The file cannot be read (at `row`, 0 for the header or the file as a whole)."""

    def __init__(self, message: str, row: int = 0) -> None:
        super().__init__(ErrorCode.INVALID, message, "file")
        self.row = row


async def spool(blobs: BlobStore, key: str) -> Path:
    """The blob copied to a temporary file (the caller removes it)."""
    handle, name = tempfile.mkstemp(prefix="crm-import-")
    try:
        with os.fdopen(handle, "wb") as out:
            async for chunk in blobs.get(key):
                out.write(chunk)
    except KeyError:
        os.unlink(name)
        raise FileProblem("The uploaded file is no longer in storage; upload it again.") from None
    except StorageUnavailable:
        os.unlink(name)
        raise DomainError(
            ErrorCode.STORAGE_UNAVAILABLE, "The file store is unavailable; retry later."
        ) from None
    except BaseException:
        os.unlink(name)
        raise
    return Path(name)


def detect_encoding(path: Path) -> str:
    """utf-8-sig / utf-16 by their marks; utf-8 if every byte decodes as UTF-8; gb18030 otherwise."""
    with path.open("rb") as source:
        head = source.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        source.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := source.read(SNIFF_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"
    return "utf-8"


def csv_encoding(path: Path, requested: str | None) -> str:
    if requested is None:
        return detect_encoding(path)
    return ENCODINGS[requested]


def delimiter_of(header: str) -> str:
    return max((",", ";", "\t"), key=header.count)


def csv_rows(path: Path, encoding: str) -> Iterator[list[str]]:
    """The header, then every row, as lists of text."""
    shown = "GBK/GB18030" if encoding == "gb18030" else encoding.removesuffix("-sig").upper()
    read = 0  # rows yielded so far, the header included
    try:
        with path.open(encoding=encoding, newline="") as source:
            first = source.readline()
            source.seek(0)
            if "\x00" in first:
                raise FileProblem(
                    "The file holds NUL characters: it is not CSV text (XLSX? choose the format)."
                )
            reader = csv.reader(source, delimiter=delimiter_of(first), strict=True)
            for row in reader:
                yield row
                read += 1
    except UnicodeDecodeError:
        raise FileProblem(
            f"The file is not valid {shown} text after data row {max(read - 1, 0)}; save it as UTF-8 CSV or "
            "choose its encoding.",
            max(read, 1) if read else 0,
        ) from None
    except csv.Error as error:
        raise FileProblem(f"Malformed CSV after data row {max(read - 1, 0)}: {error}.", read) from None


def cell_text(value: Any) -> str:
    """An XLSX cell as the text a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
    return str(value)


def check_zip_sizes(path: Path) -> None:
    """A workbook is a zip: refuse one whose parts inflate beyond reason (a zip bomb) before reading it;
    openpyxl keeps the shared strings in memory even in read-only mode."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise FileProblem(
            "The file is not a readable XLSX workbook; save it again from Excel as .xlsx."
        ) from None
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > MAX_XLSX_PART or (part.file_size > 10 * 1024 * 1024 and ratio > MAX_ZIP_RATIO):
            raise FileProblem(
                f"The workbook's part {part.filename[:80]} unpacks to {part.file_size} bytes; split the file "
                "or save it as CSV."
            )


def xlsx_rows(path: Path) -> Iterator[list[str]]:
    """The first sheet's rows, read in openpyxl's streaming (read-only) mode."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    check_zip_sizes(path)
    source = path.open("rb")  # a file object: openpyxl judges a path by its extension, which a spool lacks
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        source.close()
        raise FileProblem(
            "The file is not a readable XLSX workbook; save it again from Excel as .xlsx."
        ) from None
    try:
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [cell_text(value) for value in values]
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise FileProblem(f"The workbook is damaged: {error}.") from None
    finally:
        workbook.close()
        source.close()


def table_rows(path: Path, file_format: str, encoding: str | None) -> Iterator[list[str]]:
    if file_format == "xlsx":
        return xlsx_rows(path)
    return csv_rows(path, csv_encoding(path, encoding))


def records(
    path: Path, file_format: str, encoding: str | None
) -> tuple[list[str], Iterator[tuple[int, Any]]]:
    """The header (trimmed) and an iterator of (data row number from 1, {column: text} or an error)."""
    rows = table_rows(path, file_format, encoding)
    header = [name.strip() for name in next(rows, [])]
    if not any(header):
        raise FileProblem("The file is empty: its first row must name the columns.")
    if len(header) > MAX_COLUMNS:
        raise FileProblem(f"The file has {len(header)} columns; at most {MAX_COLUMNS} are read.")

    def numbered() -> Iterator[tuple[int, Any]]:
        for number, row in enumerate(rows, start=1):
            if not any(cell.strip() for cell in row):
                yield number, None
            elif len(row) > len(header):
                yield (
                    number,
                    DomainError(
                        ErrorCode.INVALID,
                        f"The row has {len(row)} cells but the header names {len(header)}.",
                        "file",
                    ),
                )
            elif any(len(cell) > MAX_CELL_CHARS for cell in row):
                yield (
                    number,
                    DomainError(
                        ErrorCode.TOO_LONG,
                        f"A cell is longer than {MAX_CELL_CHARS} characters (Excel's limit).",
                        "file",
                    ),
                )
            elif sum(len(cell) for cell in row) > MAX_ROW_CHARS:
                yield (
                    number,
                    DomainError(
                        ErrorCode.TOO_LONG, f"The row is longer than {MAX_ROW_CHARS} characters.", "file"
                    ),
                )
            else:
                yield number, dict(zip(header, row, strict=False))

    return header, numbered()
