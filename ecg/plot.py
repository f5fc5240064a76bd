"""Clinical ECG paper plots as SVG (vector, in millimetres) or PNG (Pillow, at a stated DPI).

Standard paper: 25 mm/s, 10 mm/mV, a 1 mm minor and 5 mm major grid, and a 1 mV x 200 ms
calibration pulse at the start of every row. A recording with the twelve standard leads gets
the usual 3 x 4 layout (I, II, III | aVR, aVL, aVF | V1-V3 | V4-V6, 2.5 s per column, the
columns showing consecutive time) and a 10-second lead II rhythm strip; any other recording
gets one 10-second row per lead.

The page is first laid out in millimetres (grid, traces, pulses, labels); the SVG writer emits
those coordinates directly and the PNG rasteriser scales them by a whole number of pixels per
millimetre, so every grid line falls exactly on a pixel row or column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from io import BytesIO
from typing import Literal
from xml.sax.saxutils import escape

import numpy as np

from ecg.recording import RecordingReader

PAPER_SPEED_MM_PER_S = 25.0
GAIN_MM_PER_MV = 10.0
STRIP_SECONDS = 10.0
COLUMN_SECONDS = 2.5
ROW_HEIGHT_MM = 30
LEFT_MARGIN_MM = 15  # room for the calibration pulse
TOP_MARGIN_MM = 10  # room for the caption
BOTTOM_MARGIN_MM = 5
RIGHT_MARGIN_MM = 5
DEFAULT_PIXELS_PER_MM = 10  # 254 DPI
TWELVE_LEAD_COLUMNS = (
    ("I", "II", "III"),
    ("aVR", "aVL", "aVF"),
    ("V1", "V2", "V3"),
    ("V4", "V5", "V6"),
)
RHYTHM_LEAD = "II"

_MINOR_GRID = (246, 196, 196)
_MAJOR_GRID = (226, 120, 120)
_INK = (0, 0, 0)


@dataclass
class _Page:
    """Everything to draw, in millimetres from the top-left corner (y grows downwards)."""

    width_mm: int
    height_mm: int
    traces: list[np.ndarray] = field(default_factory=list)  # each (points, 2): x, y
    labels: list[tuple[float, float, str]] = field(default_factory=list)
    caption: str = ""


def _trace(samples: np.ndarray, x_mm: float, baseline_mm: float, rate: float) -> np.ndarray:
    times = np.arange(len(samples)) / rate
    finite = np.isfinite(samples)
    xs = x_mm + times[finite] * PAPER_SPEED_MM_PER_S
    ys = baseline_mm - samples[finite].astype(np.float64) * GAIN_MM_PER_MV
    return np.column_stack((xs, ys))


def _calibration_pulse(baseline_mm: float) -> np.ndarray:
    """1 mV high (10 mm) and 200 ms wide (5 mm), between short flat leads."""
    left = LEFT_MARGIN_MM - 9
    height = GAIN_MM_PER_MV
    width = 0.2 * PAPER_SPEED_MM_PER_S
    xs = [left, left + 2, left + 2, left + 2 + width, left + 2 + width, left + 4 + width]
    ys = [baseline_mm, baseline_mm, baseline_mm - height, baseline_mm - height]
    ys += [baseline_mm, baseline_mm]
    return np.column_stack((xs, ys)).astype(np.float64)


def _standard_lead_columns(reader: RecordingReader) -> dict[str, int] | None:
    """Column of each of the twelve standard leads, or None if any is missing."""
    by_name = {name.strip().lower(): index for index, name in enumerate(reader.lead_names)}
    wanted = [name for column in TWELVE_LEAD_COLUMNS for name in column]
    if not all(name.lower() in by_name for name in wanted):
        return None
    return {name: by_name[name.lower()] for name in wanted}


def _page_size(rows: int) -> tuple[int, int]:
    width = LEFT_MARGIN_MM + round(STRIP_SECONDS * PAPER_SPEED_MM_PER_S) + RIGHT_MARGIN_MM
    return width, TOP_MARGIN_MM + rows * ROW_HEIGHT_MM + BOTTOM_MARGIN_MM


def _baseline(row: int) -> float:
    return TOP_MARGIN_MM + row * ROW_HEIGHT_MM + ROW_HEIGHT_MM / 2


def _layout(reader: RecordingReader, start_s: float) -> _Page:
    rate = reader.sampling_rate
    first = max(0, round(start_s * rate))
    samples = reader.read(first, round(STRIP_SECONDS * rate))
    standard = _standard_lead_columns(reader)
    rows = 4 if standard else reader.lead_count
    width, height = _page_size(rows)
    page = _Page(width, height)
    page.caption = (
        f"{PAPER_SPEED_MM_PER_S:g} mm/s   {GAIN_MM_PER_MV:g} mm/mV   {rate:g} Hz   "
        f"from {first / rate:.2f} s"
    )
    for row in range(rows):
        page.traces.append(_calibration_pulse(_baseline(row)))
    if standard:
        _lay_out_twelve_leads(page, samples, standard, rate)
    else:
        for row, name in enumerate(reader.lead_names):
            page.traces.append(_trace(samples[:, row], LEFT_MARGIN_MM, _baseline(row), rate))
            page.labels.append((LEFT_MARGIN_MM + 1, _baseline(row) - 11, name))
    return page


def _lay_out_twelve_leads(
    page: _Page, samples: np.ndarray, columns: dict[str, int], rate: float
) -> None:
    span = round(COLUMN_SECONDS * rate)
    for column, leads in enumerate(TWELVE_LEAD_COLUMNS):
        x = LEFT_MARGIN_MM + column * COLUMN_SECONDS * PAPER_SPEED_MM_PER_S
        segment = samples[column * span : (column + 1) * span]
        for row, name in enumerate(leads):
            page.traces.append(_trace(segment[:, columns[name]], x, _baseline(row), rate))
            page.labels.append((x + 1, _baseline(row) - 11, name))
    rhythm_row = 3
    page.traces.append(
        _trace(samples[:, columns[RHYTHM_LEAD]], LEFT_MARGIN_MM, _baseline(rhythm_row), rate)
    )
    page.labels.append((LEFT_MARGIN_MM + 1, _baseline(rhythm_row) - 11, RHYTHM_LEAD))


def _svg(page: _Page) -> bytes:
    width, height = page.width_mm, page.height_mm
    minor = "".join(f"M{x} 0V{height}" for x in range(width + 1) if x % 5)
    minor += "".join(f"M0 {y}H{width}" for y in range(height + 1) if y % 5)
    major = "".join(f"M{x} 0V{height}" for x in range(0, width + 1, 5))
    major += "".join(f"M0 {y}H{width}" for y in range(0, height + 1, 5))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}mm" height="{height}mm" '
        f'viewBox="0 0 {width} {height}">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<path class="grid-minor" d="{minor}" stroke="rgb{_MINOR_GRID}" stroke-width="0.1"/>',
        f'<path class="grid-major" d="{major}" stroke="rgb{_MAJOR_GRID}" stroke-width="0.2"/>',
    ]
    for trace in page.traces:
        points = " ".join(f"{x:.2f},{y:.2f}" for x, y in trace)
        parts.append(
            f'<polyline class="trace" points="{points}" fill="none" stroke="black" '
            'stroke-width="0.25" stroke-linejoin="round"/>'
        )
    for x, y, text in page.labels:
        parts.append(
            f'<text x="{x:g}" y="{y:g}" font-family="sans-serif" font-size="3.5">'
            f"{escape(text)}</text>"
        )
    parts.append(
        f'<text x="{LEFT_MARGIN_MM}" y="6" font-family="sans-serif" font-size="3">'
        f"{escape(page.caption)}</text>"
    )
    parts.append("</svg>")
    return "\n".join(parts).encode()


def _png(page: _Page, pixels_per_mm: int) -> bytes:
    from PIL import Image, ImageDraw  # imported here: only PNG output needs Pillow

    scale = pixels_per_mm
    image = Image.new("RGB", (page.width_mm * scale, page.height_mm * scale), "white")
    draw = ImageDraw.Draw(image)
    right, bottom = page.width_mm * scale, page.height_mm * scale
    for millimetre in range(page.width_mm):
        if millimetre % 5:
            draw.line([(millimetre * scale, 0), (millimetre * scale, bottom)], _MINOR_GRID)
    for millimetre in range(page.height_mm):
        if millimetre % 5:
            draw.line([(0, millimetre * scale), (right, millimetre * scale)], _MINOR_GRID)
    thick = max(1, scale // 8)  # centred on the millimetre line
    for millimetre in range(0, page.width_mm, 5):
        x = millimetre * scale
        draw.rectangle([(x - thick // 2, 0), (x + thick // 2, bottom)], _MAJOR_GRID)
    for millimetre in range(0, page.height_mm, 5):
        y = millimetre * scale
        draw.rectangle([(0, y - thick // 2), (right, y + thick // 2)], _MAJOR_GRID)
    line_width = max(1, round(0.25 * scale))
    for trace in page.traces:
        if len(trace) > 1:
            draw.line([tuple(point) for point in trace * scale], _INK, line_width, "curve")
    label_font = _font(3.5 * scale)
    for x, y, text in page.labels:
        draw.text((x * scale, y * scale), text, _INK, font=label_font, anchor="ls")
    draw.text((LEFT_MARGIN_MM * scale, 6 * scale), page.caption, _INK, _font(3 * scale), "ls")
    output = BytesIO()
    dpi = scale * 25.4
    image.save(output, format="PNG", dpi=(dpi, dpi))
    return output.getvalue()


def _font(size_px: float):
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size_px)
    except (OSError, TypeError):  # Pillow built without FreeType: fixed bitmap font
        return ImageFont.load_default()


def render(
    reader: RecordingReader,
    *,
    start_s: float = 0.0,
    format: Literal["png", "svg"] = "png",
    pixels_per_mm: int = DEFAULT_PIXELS_PER_MM,
) -> bytes:
    """A 10-second ECG paper plot starting at `start_s`, as PNG or SVG bytes.

    PNG pixels are `pixels_per_mm` per millimetre (10 = 254 DPI, written in the file's pHYs
    chunk), so the image prints at true scale; SVG width and height are given in mm.
    """
    if pixels_per_mm < 1:
        raise ValueError("pixels_per_mm must be a positive whole number")
    page = _layout(reader, start_s)
    if format == "svg":
        return _svg(page)
    if format == "png":
        return _png(page, pixels_per_mm)
    raise ValueError(f"unknown plot format {format!r}")
