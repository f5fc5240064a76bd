"""Synthetic ECG and small writers for the supported formats, for tests and benchmarks.

The signal is a fixed P-QRS-T template repeated every `period` samples, so any stretch of a
long recording can be generated independently and chunk by chunk (a 24-hour file is written
without ever being in memory), and its true beat positions are known exactly.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

# Per-lead amplitude factors, so leads differ as real ones do (some inverted, some small).
_LEAD_FACTORS = (1.0, 1.3, 0.4, -1.1, 0.5, 0.8, -0.6, 0.9, 1.4, 1.6, 1.2, 0.9, 0.5, 0.7, 0.3)
R_OFFSET_SECONDS = 0.3  # where the R peak sits within each period


def beat_period(sampling_rate: float, bpm: float) -> int:
    """Samples between beats for a heart rate (rounded, so the true rate is fs*60/period)."""
    return round(sampling_rate * 60.0 / bpm)


def _template(period: int, sampling_rate: float) -> np.ndarray:
    """One cardiac cycle in mV: P wave, narrow QRS peaking at R_OFFSET_SECONDS, T wave."""
    times = np.arange(period) / sampling_rate - R_OFFSET_SECONDS

    def bump(centre: float, width: float, height: float) -> np.ndarray:
        return height * np.exp(-0.5 * ((times - centre) / width) ** 2)

    return (
        bump(-0.16, 0.025, 0.12)
        + bump(-0.025, 0.008, -0.12)
        + bump(0.0, 0.01, 1.1)
        + bump(0.03, 0.01, -0.25)
        + bump(0.26, 0.045, 0.3)
    )


def synthetic_ecg(
    first_sample: int,
    sample_count: int,
    *,
    sampling_rate: float,
    lead_count: int,
    bpm: float = 60.0,
    noise_mv: float = 0.01,
) -> np.ndarray:
    """Samples [first_sample, first_sample + sample_count) as float32 (n, leads) in mV."""
    period = beat_period(sampling_rate, bpm)
    template = _template(period, sampling_rate)
    indices = np.arange(first_sample, first_sample + sample_count)
    beat = template[indices % period]
    factors = np.resize(np.array(_LEAD_FACTORS), lead_count)
    generator = np.random.default_rng(first_sample)
    noise = generator.normal(0.0, noise_mv, (sample_count, lead_count))
    wander = 0.1 * np.sin(2 * np.pi * 0.2 * indices / sampling_rate)[:, None]
    return (beat[:, None] * factors + noise + wander).astype(np.float32)


def true_r_peaks(sample_count: int, sampling_rate: float, bpm: float = 60.0) -> np.ndarray:
    """Sample indices of the synthetic R peaks."""
    period = beat_period(sampling_rate, bpm)
    return np.arange(round(R_OFFSET_SECONDS * sampling_rate), sample_count, period)


def _chunks(
    sample_count: int, sampling_rate: float, lead_count: int, bpm: float
) -> Iterator[np.ndarray]:
    chunk = max(1, round(sampling_rate * 60))
    for start in range(0, sample_count, chunk):
        count = min(chunk, sample_count - start)
        yield synthetic_ecg(
            start, count, sampling_rate=sampling_rate, lead_count=lead_count, bpm=bpm
        )


def write_raw_int16(
    path: str | os.PathLike[str],
    *,
    seconds: float,
    sampling_rate: float,
    lead_count: int,
    bpm: float = 60.0,
    counts_per_mv: float = 1000.0,
) -> Path:
    """Headerless interleaved int16 (microvolts by default), written chunk by chunk."""
    with open(path, "wb") as handle:
        for chunk in _chunks(round(seconds * sampling_rate), sampling_rate, lead_count, bpm):
            handle.write(np.round(chunk * counts_per_mv).astype("<i2").tobytes())
    return Path(path)


def write_edf(
    path: str | os.PathLike[str],
    *,
    seconds: int,
    sampling_rate: int,
    lead_count: int,
    bpm: float = 60.0,
    lead_names: list[str] | None = None,
) -> Path:
    """An EDF file with one-second data records, int16 microvolts, written record by record."""
    names = lead_names or [f"ECG{index + 1}" for index in range(lead_count)]
    with open(path, "wb") as handle:
        handle.write(edf_header(seconds, sampling_rate, names))
        for chunk in _chunks(seconds * sampling_rate, sampling_rate, lead_count, bpm):
            counts = np.round(chunk * 1000).astype("<i2")
            for start in range(0, len(counts), sampling_rate):
                handle.write(np.ascontiguousarray(counts[start : start + sampling_rate].T))
    return Path(path)


def edf_header(record_count: int, samples_per_record: int, names: list[str]) -> bytes:
    """The EDF header for one-second records of int16 microvolts (±32.767 mV)."""

    def field(value: object, width: int) -> bytes:
        return str(value).ljust(width)[:width].encode("ascii")

    count = len(names)
    main = (
        field("0", 8)
        + field("X X X synthetic", 80)
        + field("Startdate 01-JAN-2024 X X X", 80)
        + field("01.01.24", 8)
        + field("08.30.00", 8)
        + field(256 * (count + 1), 8)
        + field("", 44)
        + field(record_count, 8)
        + field(1, 8)
        + field(count, 4)
    )
    columns = [
        [field(name, 16) for name in names],
        [field("AgAgCl electrode", 80)] * count,
        [field("uV", 8)] * count,
        [field(-32768, 8)] * count,
        [field(32767, 8)] * count,
        [field(-32768, 8)] * count,
        [field(32767, 8)] * count,
        [field("HP:0.05Hz LP:150Hz", 80)] * count,
        [field(samples_per_record, 8)] * count,
        [field("", 32)] * count,
    ]
    return main + b"".join(b"".join(column) for column in columns)


def _pack_212(counts: np.ndarray) -> bytes:
    """Two 12-bit samples in three bytes, as WFDB format 212 stores them."""
    flat = counts.astype(np.int64).reshape(-1) & 0xFFF
    if flat.size % 2:
        flat = np.append(flat, 0)
    first, second = flat[0::2], flat[1::2]
    packed = np.column_stack(
        (first & 0xFF, ((first >> 8) & 0x0F) | ((second >> 8) << 4), second & 0xFF)
    )
    return packed.astype(np.uint8).tobytes()


def write_wfdb_zip(
    path: str | os.PathLike[str],
    samples_mv: np.ndarray,
    *,
    sampling_rate: float,
    sample_format: int = 212,
    gain: float = 200.0,
    baseline: int = 0,
    lead_names: list[str] | None = None,
    base_time: str = "",
) -> Path:
    """A zip holding `rec.hea` and `rec.dat` for a small in-memory recording."""
    counts = np.round(samples_mv * gain).astype(np.int64) + baseline
    if sample_format == 212:
        data = _pack_212(counts)
    elif sample_format == 16:
        data = counts.astype("<i2").tobytes()
    else:
        raise ValueError("only formats 16 and 212 are written")
    names = lead_names or [f"lead{index}" for index in range(samples_mv.shape[1])]
    header = io.StringIO()
    header.write(f"rec {samples_mv.shape[1]} {sampling_rate:g} {len(samples_mv)} {base_time}\n")
    for name, first in zip(names, counts[0], strict=True):
        header.write(f"rec.dat {sample_format} {gain:g}({baseline})/mV 12 0 {first} 0 0 {name}\n")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("rec.hea", header.getvalue())
        archive.writestr("rec.dat", data)
    return Path(path)
