"""Min/max summaries answer any window within the point budget, and plots are true to scale."""

from __future__ import annotations

import io
import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from ecg import RawHints, build_summary, open_recording, preview, render
from ecg.preview import level_factors, read_summary_metadata


@pytest.fixture(scope="module")
def record_100_summary(mitdb_100_zip, tmp_path_factory):
    reader = open_recording(mitdb_100_zip)
    path = build_summary(reader, tmp_path_factory.mktemp("summary") / "100.ecgsum")
    return reader, path


def test_summary_has_levels_down_to_a_small_top_level(record_100_summary):
    _, path = record_100_summary
    metadata, _ = read_summary_metadata(path)
    factors = [level["factor"] for level in metadata["levels"]]
    assert factors == level_factors(650_000) == [8, 64, 512, 4096]
    assert metadata["lead_names"] == ["MLII", "V5"]
    # (min, max) float16 at 1/8 + 1/64 + ... of the samples: under 30 % of int16 samples
    assert path.stat().st_size < 0.3 * 650_000 * 2 * 2


@pytest.mark.parametrize(
    ("start_s", "end_s", "max_points"),
    [(0, 1806, 1000), (0, 1806, 7), (100, 110, 300), (100, 110, 5000), (1800, 1806, 50)],
)
def test_preview_stays_within_the_point_budget(record_100_summary, start_s, end_s, max_points):
    _, path = record_100_summary
    answer = preview(path, start_s, end_s, max_points)
    assert 0 < len(answer["t"]) <= max_points
    for lead in answer["leads"]:
        assert len(lead["min"]) == len(lead["max"]) == len(answer["t"])
    assert answer["t"][0] <= start_s
    assert answer["t"][-1] + answer["seconds_per_point"] >= min(end_s, 650_000 / 360) - 1e-9


@pytest.mark.parametrize(("start_s", "end_s", "max_points"), [(0, 1806, 500), (60, 70, 200)])
def test_preview_envelopes_bound_the_raw_signal(record_100_summary, start_s, end_s, max_points):
    reader, path = record_100_summary
    answer = preview(path, start_s, end_s, max_points)
    per_point = answer["samples_per_point"]
    for index, when in enumerate(answer["t"]):
        first = round(when * reader.sampling_rate)
        raw = reader.read(first, per_point)
        for lead_index, lead in enumerate(answer["leads"]):
            assert lead["min"][index] <= raw[:, lead_index].min()
            assert lead["max"][index] >= raw[:, lead_index].max()
    # and they are tight: float16 rounding only, not slack
    whole = reader.read(round(answer["t"][0] * 360), per_point)
    assert answer["leads"][0]["max"][0] == pytest.approx(whole[:, 0].max(), abs=2e-3)


def test_preview_of_a_tiny_window_uses_raw_samples_when_given_the_reader(record_100_summary):
    reader, path = record_100_summary
    answer = preview(path, 10, 11, 1000, reader=reader)
    assert answer["samples_per_point"] == 1
    assert len(answer["t"]) == 360
    np.testing.assert_allclose(answer["leads"][0]["min"], reader.read(3600, 360)[:, 0])


def test_a_whole_day_gets_levels_up_to_a_small_top_level():
    """Enough levels that a full-day preview reads about a thousand buckets, not millions."""
    factors = level_factors(24 * 3600 * 500)
    top_buckets = math.ceil(24 * 3600 * 500 / factors[-1])
    assert top_buckets <= 1024
    assert factors[:4] == [8, 64, 512, 4096]


def _parse_svg(svg: bytes) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input


def _png_size(data: bytes) -> tuple[tuple[int, int], tuple[float, float]]:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image.size, image.info["dpi"]


def test_twelve_lead_png_is_true_to_scale(dicom_ecg):
    png = render(open_recording(dicom_ecg))
    (width, height), dpi = _png_size(png)
    # 15 mm pulse margin + 250 mm (10 s at 25 mm/s) + 5 mm; 10 + 4 rows x 30 + 5 mm; 10 px/mm
    assert (width, height) == (2700, 1350)
    assert dpi == pytest.approx((254, 254))


def test_png_grid_lines_sit_on_whole_millimetres(dicom_ecg):
    image = Image.open(io.BytesIO(render(open_recording(dicom_ecg), pixels_per_mm=8)))
    pixels = np.asarray(image.convert("RGB")).astype(int)
    row = pixels[3]  # the top margin: only grid there
    reddish = np.flatnonzero((row[:, 0] > 200) & (row[:, 1] < 235))
    lines = reddish[np.diff(reddish, prepend=-10) > 1]
    assert set((lines[:40] % 8).tolist()) <= {0, 7}  # every line starts on (or 1 px before) a mm


def test_twelve_lead_svg_has_standard_layout_and_millimetre_size(dicom_ecg):
    svg = render(open_recording(dicom_ecg), format="svg")
    root = _parse_svg(svg)
    assert (root.get("width"), root.get("height")) == ("270mm", "135mm")
    assert root.get("viewBox") == "0 0 270 135"
    labels = [element.text for element in root.iter("{http://www.w3.org/2000/svg}text")]
    assert labels[:13] == ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3",
                           "V4", "V5", "V6", "II"]  # fmt: skip
    traces = list(root.iter("{http://www.w3.org/2000/svg}polyline"))
    assert len(traces) == 4 + 12 + 1  # calibration pulses, lead segments, rhythm strip
    pulse = [tuple(map(float, point.split(","))) for point in traces[0].get("points").split()]
    xs, ys = zip(*pulse, strict=True)
    assert max(ys) - min(ys) == pytest.approx(10.0)  # 1 mV at 10 mm/mV
    assert xs[3] - xs[2] == pytest.approx(5.0)  # 200 ms at 25 mm/s
    grid = root.find("{http://www.w3.org/2000/svg}path[@class='grid-major']").get("d")
    assert "M5 0V135" in grid and "M0 25H270" in grid


def test_other_lead_counts_are_stacked_one_row_per_lead(ptb_csv):
    reader = open_recording(ptb_csv, hints=RawHints(sampling_rate=1000))
    root = _parse_svg(render(reader, format="svg"))
    assert root.get("height") == f"{10 + 15 * 30 + 5}mm"
    labels = [element.text for element in root.iter("{http://www.w3.org/2000/svg}text")]
    assert labels[:15] == [f"lead {n}" for n in range(1, 16)]
    (width, height), _ = _png_size(render(reader, pixels_per_mm=4))
    assert (width, height) == (270 * 4, 465 * 4)


def test_render_starts_where_asked(mitdb_100_zip):
    reader = open_recording(mitdb_100_zip)
    root = _parse_svg(render(reader, start_s=60, format="svg"))
    caption = [element.text for element in root.iter("{http://www.w3.org/2000/svg}text")][-1]
    assert "from 60.00 s" in caption
