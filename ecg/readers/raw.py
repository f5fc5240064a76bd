"""Headerless little-endian samples, interleaved by lead, described only by the caller's hints."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ecg.errors import UnreadableRecording
from ecg.recording import RawHints, RecordingReader, generic_lead_names

_DTYPES = {"int16": np.dtype("<i2"), "float32": np.dtype("<f4")}


class RawReader(RecordingReader):
    """Memory-maps the file per read, so a 1 GB Holter costs only the window being read."""

    def __init__(self, path: Path, hints: RawHints) -> None:
        lead_count = hints.lead_count or 0
        if not hints.describes_raw_layout or lead_count < 1:
            raise UnreadableRecording("not a recognised ECG format")
        if hints.sample_type not in _DTYPES:
            raise UnreadableRecording(f"raw sample type {hints.sample_type!r} is not supported")
        self._path = path
        self._dtype = _DTYPES[hints.sample_type]
        self._lead_count = lead_count
        frame_bytes = self._dtype.itemsize * lead_count
        size = os.path.getsize(path)
        if size % frame_bytes:
            raise UnreadableRecording(
                f"raw file size is not a whole number of {lead_count}-lead frames"
            )
        names = list(hints.lead_names or generic_lead_names(lead_count))
        if len(names) != lead_count:
            raise UnreadableRecording("the lead names given do not match the lead count")
        is_integer = hints.sample_type == "int16"
        self._scale = 1.0 / hints.counts_per_mv if is_integer else 1.0
        super().__init__(
            format="raw",
            sampling_rate=float(hints.sampling_rate or 0),
            lead_names=names,
            sample_count=size // frame_bytes,
            gains=[hints.counts_per_mv] * lead_count if is_integer else None,
        )

    def _read(self, start: int, count: int) -> np.ndarray:
        frames = np.memmap(
            self._path,
            dtype=self._dtype,
            mode="r",
            offset=start * self._dtype.itemsize * self._lead_count,
            shape=(count, self._lead_count),
        )
        return np.multiply(frames, self._scale, dtype=np.float32)
