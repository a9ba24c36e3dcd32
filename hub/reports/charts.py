"""Server-rendered SVG bar charts: readable without JavaScript, no third-party resources, with titles."""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup, escape

from hub.reports.metrics import Table

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 230
BAR_WIDTH = 360
VALUE_WIDTH = 110


def bar_chart(table: Table, title: str | None = None, shown: Callable[[float], str] | None = None) -> Markup:
    """A horizontal bar chart of the table's rows, with a title and each value written beside its bar."""
    heading = title or table.title
    rows = table.rows or [("—", 0.0)]
    top = max((value for _, value in rows), default=0.0) or 1.0
    height = len(rows) * (BAR_HEIGHT + GAP) + GAP
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="chart-{escape(table.name)}" class="chart">',
        f'<title id="chart-{escape(table.name)}">{escape(heading)}</title>',
    ]
    for index, (label, value) in enumerate(rows):
        y = GAP + index * (BAR_HEIGHT + GAP)
        length = round(BAR_WIDTH * value / top, 1)
        middle = y + BAR_HEIGHT * 0.7
        parts.append(
            f'<g><text x="{LABEL_WIDTH - 8}" y="{middle}" text-anchor="end" font-size="13" '
            f'fill="currentColor">{escape(label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}" fill="#2b6cb0"></rect>'
            f'<text x="{LABEL_WIDTH + length + 6}" y="{middle}" font-size="13" fill="currentColor">'
            f"{escape(shown(value) if shown else f'{value:g}')}</text></g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
