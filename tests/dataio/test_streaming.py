"""Files are read and written row by row: memory does not grow with the number of rows."""

from __future__ import annotations

import tracemalloc

from graph.dataio.files import records
from graph.dataio.writers import TableWriter

ROWS = 200_000


def peak_while(work) -> int:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def csv_file(path, rows: int):  # type: ignore[no-untyped-def]
    with path.open("w", encoding="gb18030", newline="") as out:
        out.write("名,姓,邮箱\r\n")
        for number in range(rows):
            out.write(f"伟{number},张,z{number}@example.com\r\n")
    return path


def reading_peak(path, rows: int) -> int:  # type: ignore[no-untyped-def]
    def read_all() -> None:
        header, found = records(path, "csv", None)
        assert (header, sum(1 for _ in found)) == (["名", "姓", "邮箱"], rows)

    return peak_while(read_all)


def test_reading_a_large_csv_keeps_memory_flat(tmp_path):
    small = reading_peak(csv_file(tmp_path / "small.csv", ROWS // 8), ROWS // 8)
    big_file = csv_file(tmp_path / "big.csv", ROWS)
    assert big_file.stat().st_size > 5_000_000
    big = reading_peak(big_file, ROWS)
    # 8 times the rows, about the same peak (the encoding check reads 1 MB chunks); a list of the rows
    # would take some 100 MB.
    assert big < 5_000_000 and big < small * 1.5


def test_writing_a_large_export_keeps_memory_flat(tmp_path):
    def write_all(file_format: str, rows: int | None = None) -> None:
        writer = TableWriter(tmp_path / f"out.{file_format}", file_format, ["name", "notes"])
        for number in range(rows if rows is not None else ROWS if file_format == "csv" else ROWS // 10):
            writer.write([f"=cmd{number}", "x" * 50])
        writer.close()

    # Warm: the writers' modules are imported lazily, and a test file alone in a worker (pytest-xdist)
    # would otherwise count the imports as the export's memory.
    write_all("csv", 10)
    write_all("xlsx", 10)
    assert peak_while(lambda: write_all("csv")) < 3_000_000
    assert peak_while(lambda: write_all("xlsx")) < 8_000_000


def test_a_zip_bomb_posing_as_a_workbook_is_refused_before_it_is_unpacked(tmp_path):
    import zipfile

    import pytest

    from graph.dataio.files import FileProblem

    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/sharedStrings.xml", "w") as part:
            for _ in range(64):
                part.write(b"\0" * (1024 * 1024))
    assert path.stat().st_size < 1_000_000
    with pytest.raises(FileProblem) as refused:
        records(path, "xlsx", None)
    assert refused.value.message.startswith(
        "The workbook's part xl/sharedStrings.xml unpacks to 67108864 bytes"
    )
