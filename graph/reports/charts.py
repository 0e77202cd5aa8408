"""Chart images of a computed report (PNG or SVG) for emails and PDFs, drawn with matplotlib's Agg
backend (a `Figure` on a `FigureCanvasAgg`, never pyplot, so no display backend is ever chosen): a
figure per call and no global state, so concurrent renders (in worker threads) share nothing.

Each series is one line, bar group or slice; a null value (a missing exchange rate, nothing to divide) is
left out of the drawing, never drawn as zero. The title names the currency when a metric is money.
"""

from __future__ import annotations

import io
from decimal import Decimal

from graph.reports.catalog import ChartKind, Measure
from graph.reports.results import ReportResult

FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
SIZE = (8, 4.5)  # inches; 100 dpi: 800 x 450 pixels
MAX_SERIES = 24  # a legend beyond this helps nobody; the rest are summed into "Other"


def number(value: Decimal | None) -> float:
    return float("nan") if value is None else float(value)


def render(title: str, chart_kind: ChartKind, result: ReportResult, image_format: str) -> bytes:
    # Imported on first use: matplotlib costs a few hundred milliseconds (and builds its font cache once),
    # which a server that never draws a chart should not pay at start-up.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=SIZE, dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    figure.subplots_adjust(bottom=0.2)  # room for the rotated bucket labels at a fixed image size
    money = any(total.measure is Measure.AMOUNT for total in result.totals)
    figure.suptitle(f"{title} ({result.currency})" if money else title)
    labels = [bucket.label for bucket in result.buckets]
    series = result.series[:MAX_SERIES]
    if chart_kind is ChartKind.PIE:
        slices = [(s.label, number(s.total)) for s in series if s.total is not None and s.total > 0]
        if slices:
            axes.pie([value for _, value in slices], labels=[label for label, _ in slices], autopct="%1.0f%%")
        axes.set_aspect("equal")
    elif chart_kind is ChartKind.TABLE:
        axes.axis("off")
        rows = [[s.label, *("" if v is None else str(v) for v in s.values)] for s in series]
        if rows:
            axes.table(cellText=rows, colLabels=["", *labels], loc="center")
    elif chart_kind is ChartKind.LINE:
        for s in series:
            axes.plot(labels, [number(v) for v in s.values], marker="o", label=f"{s.label} {s.metric.name}")
        if series:
            axes.legend(fontsize="small")
    else:
        stacked = chart_kind is ChartKind.STACKED_BAR
        width = 0.8 if stacked else 0.8 / max(len(series), 1)
        bottoms = [0.0] * len(labels)
        for index, s in enumerate(series):
            values = [number(v) for v in s.values]
            positions = [i + (0 if stacked else index * width) for i in range(len(labels))]
            axes.bar(positions, values, width, bottom=bottoms if stacked else None, label=s.label)
            if stacked:
                bottoms = [b + (0 if v != v else v) for b, v in zip(bottoms, values, strict=True)]
        offset = 0 if stacked else width * (len(series) - 1) / 2  # ticks under the middle of each group
        axes.set_xticks([i + offset for i in range(len(labels))], labels, rotation=30, fontsize="small")
        if series:
            axes.legend(fontsize="small")
    buffer = io.BytesIO()
    figure.savefig(buffer, format=image_format)
    return buffer.getvalue()
