"""Small hand-written SVG charts for the report, and the palette both outputs share.

Hand-written rather than a charting library: the report needs three simple charts (the
ranking's bars, a heat map of levels, cumulative disbursement by quarter against its
targets). A few dozen lines of SVG give them with no dependency, no script and not a byte
fetched at view time, a few kilobytes each, sharp in print; a library would bring a
JavaScript runtime (or a large Python stack) for the same three pictures. Every mark
carries its number as text, so colour is never the only sign; the hues are ColorBrewer's
colour-blind-safe RdBu (levels) and PuOr-like blues and oranges (disbursement series).

Every text is escaped (:func:`markupsafe.escape`): names come from the centre's master and
labels never become markup. No ``xmlns`` attribute: inline SVG in HTML needs none, and the
page then holds no URL outside its text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape

LEVEL_COLOURS = ("#F4A582", "#F7F7F7", "#92C5DE")
"""Level 0 (orange), 3 (near white) and 5 (blue): ColorBrewer RdBu, colour-blind safe."""
SERIES_COLOURS = {
    "investment": ("#2166AC", "#67A9CF"),
    "overall": ("#B35806", "#F1A340"),
}
"""Disbursement series: investment in blues, overall in oranges (one shade a KPI)."""
FONT = "'TH Sarabun New', Sarabun, Laksaman, 'Noto Sans Thai', sans-serif"
BAR = "#4393C3"
INK = "#222222"
MUTED = "#666666"


def _mix(a: str, b: str, t: float) -> str:
    pa = [int(a[i : i + 2], 16) for i in (1, 3, 5)]
    pb = [int(b[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02X}" for x, y in zip(pa, pb, strict=True))


def level_colour(level: float | None) -> str:
    """The fill of a level 0–5, as the workbook's colour scale paints it (grey for none)."""
    if level is None or level != level:
        return "#D9D9D9"
    low, mid, high = LEVEL_COLOURS
    if level <= 3:
        return _mix(low, mid, max(level, 0) / 3)
    return _mix(mid, high, (min(level, 5) - 3) / 2)


def _text(x: float, y: float, text: str, **attrs: Any) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{escape(v)}"' for k, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{escape(text)}</text>'


def _svg(
    width: float, height: float, body: list[str], label: str, *, fixed: bool = False
) -> Markup:
    # A fixed-size chart scrolls sideways on a phone; a fluid one shrinks to fit.
    size = f'width="{width:.0f}" height="{height:.0f}"' if fixed else 'width="100%"'
    head = (
        f'<svg {size} viewBox="0 0 {width:.0f} {height:.0f}" role="img"'
        f' aria-label="{escape(label)}" font-family="{FONT}" font-size="15" fill="{INK}">'
    )
    return Markup(head + "".join(body) + "</svg>")


def ranking_bars(rows: Sequence[Mapping[str, Any]]) -> Markup:
    """Horizontal bars of the score out of 100, best first (``code``, ``score``, ``rank``)."""
    left, width, line = 74.0, 250.0, 26.0
    body = [
        f'<line x1="{left + width * t / 100:.1f}" y1="4" x2="{left + width * t / 100:.1f}"'
        f' y2="{8 + line * len(rows):.1f}" stroke="#E0E0E0"/>'
        for t in (0, 25, 50, 75, 100)
    ]
    for i, row in enumerate(rows):
        y = 8 + i * line
        rank = "" if row["rank"] is None else f"{row['rank']}."
        body.append(_text(2, y + 17, f"{rank} {row['code']}", font_weight="bold"))
        score = row["score"]
        if score is None:
            body.append(_text(left + 4, y + 17, "ยังไม่มีคะแนน", fill=MUTED))
            continue
        size = width * max(0.0, min(float(score), 100.0)) / 100
        body.append(
            f'<rect class="bar" data-division="{escape(row["code"])}" x="{left}" y="{y + 3}"'
            f' width="{size:.1f}" height="{line - 8}" fill="{BAR}"/>'
        )
        body.append(_text(left + size + 5, y + 17, f"{score:.2f}"))
    ticks = [_text(left + width * t / 100, 22 + line * len(rows), str(t), text_anchor="middle",
                   fill=MUTED, font_size="13") for t in (0, 50, 100)]  # fmt: skip
    return _svg(left + width + 60, 28 + line * len(rows), body + ticks, "คะแนนเต็ม 100 ของทุกกอง")


def level_heatmap(
    ids: Sequence[str], codes: Sequence[str], levels: Mapping[tuple[str, str], float | None]
) -> Markup:
    """KPI ids (rows) × divisions (columns); a cell per KPI a division has, its level
    written in it ("—" when it has none). ``levels`` maps (id, code) to a level or None."""
    left, cell, high, top = 60.0, 44.0, 26.0, 30.0
    body = [_text(left + cell * j + cell / 2, 20, code, text_anchor="middle", font_weight="bold")
            for j, code in enumerate(codes)]  # fmt: skip
    for i, kpi_id in enumerate(ids):
        y = top + i * high
        body.append(_text(4, y + 18, kpi_id))
        for j, code in enumerate(codes):
            if (kpi_id, code) not in levels:
                continue
            level = levels[(kpi_id, code)]
            x = left + cell * j
            shown = "—" if level is None else f"{level:.0f}"
            data = "" if level is None else f"{level:.0f}"
            body.append(
                f'<g class="cell" data-kpi="{escape(kpi_id)}" data-division="{escape(code)}"'
                f' data-level="{data}"><rect x="{x + 1}" y="{y + 1}" width="{cell - 2}"'
                f' height="{high - 2}" fill="{level_colour(level)}"/>'
                + _text(x + cell / 2, y + 18, shown, text_anchor="middle")
                + "</g>"
            )
    width, height = left + cell * len(codes) + 4, top + high * len(ids) + 4
    return _svg(width, height, body, "ระดับคะแนนรายตัวชี้วัดของทุกกอง", fixed=True)


def quarter_chart(series: Sequence[Mapping[str, Any]], title: str) -> Markup:
    """Cumulative disbursement by quarter: each series' results as bars (its number on
    top) and its targets as a dashed line of diamonds.

    Args:
        series: ``label``, ``kind`` (investment/overall), ``shade`` (0 or 1),
            ``values`` and ``targets`` (four numbers or None each).
        title: the chart's accessible name.
    """
    left, top, width, height = 34.0, 12.0, 420.0, 200.0
    body = []
    for t in range(0, 101, 20):
        y = top + height * (1 - t / 100)
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + width}" y2="{y:.1f}" stroke="#E0E0E0"/>'
        )
        body.append(_text(left - 4, y + 5, str(t), text_anchor="end", fill=MUTED, font_size="13"))
    slot = width / 4
    bar = min(28.0, (slot - 16) / max(len(series), 1))
    for q in range(4):
        x = left + slot * q + slot / 2
        body.append(_text(x, top + height + 20, f"ไตรมาส {q + 1}", text_anchor="middle"))
    for k, item in enumerate(series):
        colour = SERIES_COLOURS[item["kind"]][item["shade"]]
        points = []
        for q in range(4):
            x = left + slot * q + slot / 2 - bar * len(series) / 2 + bar * k
            value, target = item["values"][q], item["targets"][q]
            if value is not None:
                h = height * max(0.0, min(float(value), 100.0)) / 100
                body.append(f'<rect x="{x:.1f}" y="{top + height - h:.1f}" width="{bar - 2:.1f}"'
                            f' height="{h:.1f}" fill="{colour}"/>')  # fmt: skip
                body.append(_text(x + bar / 2 - 1, top + height - h - 4, f"{value:.0f}",
                                  text_anchor="middle", font_size="13"))  # fmt: skip
            if target is not None:
                points.append(
                    (left + slot * q + slot / 2, top + height * (1 - float(target) / 100))
                )
        if points:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"'
                        ' stroke-dasharray="6 4"/>')  # fmt: skip
            body += [f'<path d="M{x:.1f} {y - 6:.1f} l6 6 l-6 6 l-6 -6 z" fill="{colour}"/>'
                     for x, y in points]  # fmt: skip
    legend = top + height + 44
    for k, item in enumerate(series):
        colour = SERIES_COLOURS[item["kind"]][item["shade"]]
        y = legend + k * 22
        body.append(f'<rect x="{left}" y="{y - 12}" width="14" height="14" fill="{colour}"/>')
        body.append(_text(left + 20, y, f"{item['label']}: แท่ง = ผล, เส้นประ = เป้าหมาย"))
    return _svg(left + width + 8, legend + 22 * len(series), body, title)
