"""What a chart shows, as data: drawn in the browser by Chart.js (``static/vendor/chartjs``).

A page puts each spec in a ``json_script`` element and a ``<canvas data-chart="its id">``;
``static/js/charts.js`` draws it (no inline script: the pages keep their strict CSP).
Numbers go out as JSON numbers (money with its 2 decimals), labels as text, never markup.
"""

from __future__ import annotations

from decimal import Decimal


def number(value) -> float | int:
    """A value as a JSON number (an unknown one as 0)."""
    if isinstance(value, bool) or value is None:
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal | float):
        return float(value)
    return 0


def spec(
    kind: str,
    title: str,
    labels: list[str],
    series: dict[str, list],
    *,
    unit: str,
    x_title: str = "",
    decimals: int = 0,
) -> dict:
    """One chart: ``kind`` "bar" or "line", one series (legend entry) per key of ``series``.

    ``unit`` names the y axis and follows each value on hover ("points", "EUR", "%");
    ``decimals`` is how many the values show (2 for money).
    """
    return {
        "type": kind,
        "title": title,
        "labels": [str(label) for label in labels],
        "series": {name: [number(v) for v in values] for name, values in series.items()},
        "unit": unit,
        "x_title": x_title,
        "decimals": decimals,
    }
