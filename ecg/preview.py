"""Multi-resolution min/max summaries, so a viewer can show any span of a recording quickly.

`build_summary` streams the recording once and writes, for each lead, the minimum and maximum
of every bucket of `factor` samples at several factors (8, 64, 512, ... by default, until the
coarsest level has at most `MAX_TOP_BUCKETS` buckets). `preview` then answers any window from
the level whose bucket count is closest above the point budget, merging neighbouring buckets
down to the budget, so it reads at most `LEVEL_RATIO * max_points` buckets: a 24-hour window
costs about what a 10-second one does, and never touches the raw recording.

File layout (little endian): the magic `ECGSUMM1`, a uint32 length, that many bytes of JSON
metadata, zero padding to a multiple of 16, then each level as float16 (buckets, leads, 2)
holding (min, max) in mV. float16 keeps the file small (half of float32); values are rounded
outwards (min down, max up) so the envelope still bounds every raw sample.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import struct
from pathlib import Path
from typing import Any

import numpy as np

from ecg.recording import RecordingReader

MAGIC = b"ECGSUMM1"
BASE_FACTOR = 8
LEVEL_RATIO = 8
MAX_TOP_BUCKETS = 1024
SUMMARY_DTYPE = np.dtype("<f2")
_FLOAT16_LIMIT = float(np.finfo(np.float16).max)
_BLOCK_BUCKETS = 4096  # finest-level buckets computed per read of the recording
_HEADER_STRUCT = struct.Struct("<8sI")


def level_factors(
    sample_count: int, base: int = BASE_FACTOR, ratio: int = LEVEL_RATIO
) -> list[int]:
    """Samples per bucket at each level, finest first, until the coarsest level is small."""
    factors = [base]
    while math.ceil(sample_count / factors[-1]) > MAX_TOP_BUCKETS:
        factors.append(factors[-1] * ratio)
    return factors


def _outward_float16(values: np.ndarray, direction: float) -> np.ndarray:
    """Round to float16 away from the data (direction -inf for minima, +inf for maxima)."""
    clipped = np.clip(values, -_FLOAT16_LIMIT, _FLOAT16_LIMIT)
    rounded = clipped.astype(np.float16)
    crossed = rounded < clipped if direction > 0 else rounded > clipped
    rounded[crossed] = np.nextafter(rounded[crossed], np.float16(direction))
    return np.clip(rounded, -_FLOAT16_LIMIT, _FLOAT16_LIMIT).astype(np.float16)


def _group_rows(rows: np.ndarray, group: int) -> np.ndarray:
    """Reshape to (groups, group, ...), padding the last group with NaN (ignored by fmin/fmax)."""
    group_count = math.ceil(len(rows) / group)
    missing = group_count * group - len(rows)
    if missing:
        padding = np.full((missing, *rows.shape[1:]), np.nan, dtype=rows.dtype)
        rows = np.concatenate((rows, padding))
    return rows.reshape(group_count, group, *rows.shape[1:])


def _bucket_extremes(samples: np.ndarray, factor: int) -> np.ndarray:
    """(buckets, leads, 2) min/max of consecutive runs of `factor` samples; NaN ignored."""
    grouped = _group_rows(samples, factor)
    return np.stack((np.fmin.reduce(grouped, axis=1), np.fmax.reduce(grouped, axis=1)), axis=-1)


def _merge_buckets(extremes: np.ndarray, group: int) -> np.ndarray:
    """Combine `group` neighbouring (min, max) buckets into one: min of mins, max of maxes."""
    grouped = _group_rows(extremes, group)
    return np.stack(
        (np.fmin.reduce(grouped[..., 0], axis=1), np.fmax.reduce(grouped[..., 1], axis=1)),
        axis=-1,
    )


def _to_float16_pairs(extremes: np.ndarray) -> np.ndarray:
    return np.stack(
        (
            _outward_float16(extremes[..., 0], -np.inf),
            _outward_float16(extremes[..., 1], np.inf),
        ),
        axis=-1,
    )


def _layout(reader: RecordingReader, factors: list[int]) -> tuple[bytes, list[dict[str, int]]]:
    levels = []
    offset = 0
    item_bytes = reader.lead_count * 2 * SUMMARY_DTYPE.itemsize
    for factor in factors:
        buckets = math.ceil(reader.sample_count / factor)
        levels.append({"factor": factor, "buckets": buckets, "offset": offset})
        offset += buckets * item_bytes
    metadata = {
        "version": 1,
        "format": reader.format,
        "sampling_rate": reader.sampling_rate,
        "sample_count": reader.sample_count,
        "lead_names": reader.lead_names,
        "units": reader.units,
        "dtype": SUMMARY_DTYPE.str,
        "levels": levels,
    }
    text = json.dumps(metadata).encode()
    header = _HEADER_STRUCT.pack(MAGIC, len(text)) + text
    header += b"\0" * (-len(header) % 16)
    return header, levels


def build_summary(reader: RecordingReader, path_out: str | os.PathLike[str]) -> Path:
    """Write the summary of `reader` to `path_out` (atomically) in one pass; returns the path.

    Memory stays at one block of `_BLOCK_BUCKETS * BASE_FACTOR` samples; the levels are filled
    in a disk-backed memory map, the finest from the recording and each coarser one from the
    level below it.
    """
    destination = Path(path_out)
    partial = destination.with_name(destination.name + ".partial")
    factors = level_factors(reader.sample_count)
    header, levels = _layout(reader, factors)
    leads = reader.lead_count
    data_bytes = sum(level["buckets"] for level in levels) * leads * 2 * SUMMARY_DTYPE.itemsize
    with open(partial, "wb") as handle:
        handle.write(header)
        handle.truncate(len(header) + data_bytes)
    try:
        _fill_levels(reader, partial, len(header), levels)
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    return destination


def _level_map(path: Path, data_offset: int, level: dict[str, int], leads: int, mode: str):
    return np.memmap(
        path,
        dtype=SUMMARY_DTYPE,
        mode=mode,
        offset=data_offset + level["offset"],
        shape=(level["buckets"], leads, 2),
    )


def _fill_levels(
    reader: RecordingReader, path: Path, data_offset: int, levels: list[dict[str, int]]
) -> None:
    """Plain positioned reads and writes, not a memory map: a map of a 300 MB level would stay
    resident (and count against the worker's memory) for the whole pass."""
    leads = reader.lead_count
    bucket_bytes = leads * 2 * SUMMARY_DTYPE.itemsize
    with open(path, "r+b") as handle:

        def write_buckets(level: dict[str, int], first: int, extremes: np.ndarray) -> None:
            handle.seek(data_offset + level["offset"] + first * bucket_bytes)
            handle.write(extremes.astype(SUMMARY_DTYPE).tobytes())

        def read_buckets(level: dict[str, int], first: int, count: int) -> np.ndarray:
            handle.seek(data_offset + level["offset"] + first * bucket_bytes)
            data = handle.read(min(count, level["buckets"] - first) * bucket_bytes)
            return np.frombuffer(data, SUMMARY_DTYPE).reshape(-1, leads, 2)

        finest = levels[0]
        for start, block in reader.blocks(_BLOCK_BUCKETS * finest["factor"]):
            extremes = _bucket_extremes(block, finest["factor"])
            write_buckets(finest, start // finest["factor"], _to_float16_pairs(extremes))
        for finer, coarser in itertools.pairwise(levels):
            ratio = coarser["factor"] // finer["factor"]
            step = _BLOCK_BUCKETS * ratio
            for first in range(0, finer["buckets"], step):
                source = read_buckets(finer, first, step).astype(np.float32)
                write_buckets(coarser, first // ratio, _merge_buckets(source, ratio))


def read_summary_metadata(summary_path: str | os.PathLike[str]) -> tuple[dict[str, Any], int]:
    """(metadata, byte offset of the level data) of a summary file."""
    with open(summary_path, "rb") as handle:
        magic, length = _HEADER_STRUCT.unpack(handle.read(_HEADER_STRUCT.size))
        if magic != MAGIC:
            raise ValueError(f"{summary_path} is not an ECG summary file")
        metadata = json.loads(handle.read(length))
    header_length = _HEADER_STRUCT.size + length
    return metadata, header_length + (-header_length % 16)


def _choose_level(levels: list[dict[str, int]], first: int, stop: int, max_points: int):
    """The finest level whose buckets over the window fit in LEVEL_RATIO * max_points."""
    for level in levels:
        bucket_count = math.ceil(stop / level["factor"]) - first // level["factor"]
        if bucket_count <= max_points * LEVEL_RATIO:
            return level
    return levels[-1]


def preview(
    summary_path: str | os.PathLike[str],
    start_s: float,
    end_s: float,
    max_points: int,
    *,
    reader: RecordingReader | None = None,
) -> dict[str, Any]:
    """Per-lead min/max envelopes of [start_s, end_s) with at most `max_points` points per lead.

    Each point i covers [t[i], t[i] + seconds_per_point). Points may start a little before
    `start_s` or end after `end_s` (bucket edges), so the envelope always covers the window.
    Given `reader`, a window short enough to show every sample is answered from raw samples
    (min equals max); otherwise only the summary file is read. The result holds plain lists,
    ready for JSON.
    """
    if max_points < 1:
        raise ValueError("max_points must be at least 1")
    metadata, data_offset = read_summary_metadata(summary_path)
    rate = float(metadata["sampling_rate"])
    total = int(metadata["sample_count"])
    first = min(total - 1, max(0, math.floor(start_s * rate)))
    stop = max(first + 1, min(total, math.ceil(end_s * rate)))
    if reader is not None and stop - first <= max_points:
        samples = reader.read(first, stop - first).astype(np.float64)
        return _preview_result(metadata, first, 1, np.stack((samples, samples), axis=-1))
    level = _choose_level(metadata["levels"], first, stop, max_points)
    factor = level["factor"]
    first_bucket = first // factor
    stop_bucket = math.ceil(stop / factor)
    leads = len(metadata["lead_names"])
    stored = _level_map(Path(summary_path), data_offset, level, leads, "r")
    extremes = np.asarray(stored[first_bucket:stop_bucket], dtype=np.float32)
    del stored
    group = max(1, math.ceil(len(extremes) / max_points))
    if group > 1:
        extremes = _merge_buckets(extremes, group)
    return _preview_result(metadata, first_bucket * factor, factor * group, extremes)


def _preview_result(
    metadata: dict[str, Any], first_sample: int, samples_per_point: int, extremes: np.ndarray
) -> dict[str, Any]:
    rate = float(metadata["sampling_rate"])
    starts = first_sample + samples_per_point * np.arange(len(extremes))
    values = extremes.astype(np.float64)
    return {
        "sampling_rate": rate,
        "units": metadata["units"],
        "samples_per_point": samples_per_point,
        "seconds_per_point": samples_per_point / rate,
        "t": (starts / rate).tolist(),
        "leads": [
            {
                "name": name,
                "min": _json_numbers(values[:, index, 0]),
                "max": _json_numbers(values[:, index, 1]),
            }
            for index, name in enumerate(metadata["lead_names"])
        ],
    }


def _json_numbers(values: np.ndarray) -> list[float | None]:
    """Floats for JSON; buckets with no finite sample (e.g. CSV "nan") become None."""
    return [None if math.isnan(value) else value for value in values.tolist()]
