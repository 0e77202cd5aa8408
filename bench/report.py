"""Markdown report: per scenario, the large tenant beside a small one."""

from __future__ import annotations

from collections.abc import Sequence

from bench.load import Stats


def number(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def results_table(results: Sequence[Stats], small_label: str) -> str:
    by_key = {(stats.scenario, stats.tenant): stats for stats in results}
    scenarios = list(dict.fromkeys(stats.scenario for stats in results))
    lines = [
        "| scenario | large req/s | small req/s | large p50 ms | small p50 ms | large p99 ms | small p99 ms"
        " | p50 large/small | requests (large / small) | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for scenario in scenarios:
        large, small = by_key.get((scenario, "large")), by_key.get((scenario, small_label))
        if large is None or small is None:
            continue
        ratio = large.percentile_ms(50) / small.percentile_ms(50) if small.latencies else float("nan")
        lines.append(
            f"| {scenario} | {number(large.throughput)} | {number(small.throughput)}"
            f" | {number(large.percentile_ms(50), 2)} | {number(small.percentile_ms(50), 2)}"
            f" | {number(large.percentile_ms(99), 2)} | {number(small.percentile_ms(99), 2)}"
            f" | {number(ratio, 2)} | {large.requests} / {small.requests} | {large.errors + small.errors} |"
        )
    return "\n".join(lines)


def error_notes(results: Sequence[Stats]) -> str:
    notes = [
        f"- {stats.scenario} ({stats.tenant}): {stats.errors} failed, first: {stats.first_error}"
        for stats in results
        if stats.errors
    ]
    return "\n".join(notes)


def key_value_table(rows: Sequence[tuple[str, str]]) -> str:
    lines = ["| | |", "| --- | --- |"]
    lines += [f"| {key} | {value} |" for key, value in rows]
    return "\n".join(lines)
