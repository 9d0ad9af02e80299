"""Small server-side SVG charts for the reports page: no JavaScript, no CDN.

Every label goes through ``format_html``, so text from the database is escaped.
"""

from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

COLOURS = ["#417690", "#e0a526", "#ba2121", "#5b9b5b", "#8c6bb1", "#666666"]
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 240, 70, 40, 24


def _scale(values) -> float:
    top = max([float(v) for v in values if v is not None] + [0])
    return top or 1.0


def _frame(top: float, title: str) -> str:
    plot_h = HEIGHT - BOTTOM - TOP
    ticks = format_html_join(
        "",
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#ddd"/>'
        '<text x="{}" y="{}" font-size="10" text-anchor="end">{}</text>',
        (
            (
                LEFT,
                WIDTH,
                TOP + plot_h * (1 - i / 4),
                TOP + plot_h * (1 - i / 4),
                LEFT - 4,
                TOP + plot_h * (1 - i / 4) + 3,
                f"{top * i / 4:,.0f}",
            )
            for i in range(5)
        ),
    )
    return format_html(
        '<text x="{}" y="14" font-size="12" font-weight="bold">{}</text>{}', LEFT, title, ticks
    )


def _legend(names) -> str:
    return format_html_join(
        "",
        '<rect x="{}" y="{}" width="10" height="10" fill="{}"/>'
        '<text x="{}" y="{}" font-size="11">{}</text>',
        (
            (WIDTH - 150, 4 + 14 * i, COLOURS[i % len(COLOURS)], WIDTH - 136, 13 + 14 * i, name)
            for i, name in enumerate(names)
        ),
    )


def _svg(body: str, title: str) -> SafeString:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{}" '
        'viewBox="0 0 {} {}" width="{}" class="chart">{}</svg>',
        title,
        WIDTH,
        HEIGHT,
        WIDTH,
        mark_safe(body),  # noqa: S308 - built from format_html pieces only
    )


def bar_chart(title: str, labels: list[str], series: dict[str, list]) -> SafeString:
    """Grouped bars: one group per label, one bar per series."""
    values = [v for vs in series.values() for v in vs]
    top = _scale(values)
    plot_w, plot_h = WIDTH - LEFT - 10, HEIGHT - BOTTOM - TOP
    group = plot_w / max(len(labels), 1)
    bar = group * 0.8 / max(len(series), 1)
    parts = [_frame(top, title), _legend(series)]
    for s, (_name, data) in enumerate(series.items()):
        for i, value in enumerate(data):
            height = plot_h * max(float(value or 0), 0) / top
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}">'
                    "<title>{}: {}</title></rect>",
                    f"{LEFT + i * group + group * 0.1 + s * bar:.1f}",
                    f"{TOP + plot_h - height:.1f}",
                    f"{bar:.1f}",
                    f"{height:.1f}",
                    COLOURS[s % len(COLOURS)],
                    labels[i],
                    value,
                )
            )
    parts += _x_labels(labels, group)
    return _svg("".join(parts), title)


def line_chart(title: str, labels: list[str], series: dict[str, list]) -> SafeString:
    values = [v for vs in series.values() for v in vs]
    top = _scale(values)
    plot_w, plot_h = WIDTH - LEFT - 10, HEIGHT - BOTTOM - TOP
    step = plot_w / max(len(labels) - 1, 1)
    parts = [_frame(top, title), _legend(series)]
    for s, (_name, data) in enumerate(series.items()):
        points = " ".join(
            f"{LEFT + i * step:.1f},{TOP + plot_h - plot_h * float(v or 0) / top:.1f}"
            for i, v in enumerate(data)
        )
        parts.append(
            format_html(
                '<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>',
                COLOURS[s % len(COLOURS)],
                points,
            )
        )
    parts += _x_labels(labels, step if len(labels) > 1 else plot_w, centred=False)
    return _svg("".join(parts), title)


def _x_labels(labels, step, centred=True) -> list[str]:
    every = max(1, len(labels) // 12)
    return [
        format_html(
            '<text x="{}" y="{}" font-size="10" text-anchor="middle">{}</text>',
            f"{LEFT + i * step + (step / 2 if centred else 0):.1f}",
            HEIGHT - BOTTOM + 14,
            label,
        )
        for i, label in enumerate(labels)
        if i % every == 0
    ]


def number(value) -> float:
    return float(value) if isinstance(value, Decimal | int | float) else 0.0
