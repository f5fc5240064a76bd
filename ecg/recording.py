"""The reader interface every format implements, and the hints a caller can pass.

Readers never hold a whole recording in memory: they keep only metadata and the way to reach
the samples (a memory map, a byte offset, an index of CSV rows), and hand out bounded windows.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import numpy as np

from ecg.errors import UnreadableRecording

SampleType = Literal["int16", "float32"]

#: Sampling rate assumed for a CSV file when neither the caller nor a time column gives one.
DEFAULT_CSV_SAMPLING_RATE = 500.0

#: Units every reader converts to, so analysis and plotting never have to think about scale.
PHYSICAL_UNITS = "mV"

_VOLT_SCALE_TO_MV = {"mv": 1.0, "uv": 1e-3, "µv": 1e-3, "μv": 1e-3, "v": 1e3, "nv": 1e-6}


@dataclass(frozen=True)
class RawHints:
    """What the uploader knows about a file that its bytes cannot tell.

    A raw binary file is only read when `sampling_rate`, `lead_count` and `sample_type` are all
    given (it has no header to recognise). For CSV files `sampling_rate` and `lead_names` are
    used too, since CSV carries neither reliably.
    """

    sampling_rate: float | None = None
    lead_count: int | None = None
    sample_type: SampleType | None = None
    #: Raw int16 counts per millivolt (1000 means the device stores microvolts).
    counts_per_mv: float = 1000.0
    lead_names: tuple[str, ...] | None = None
    #: Used for CSV only when neither the hint above nor a time column gives a rate.
    default_csv_sampling_rate: float = DEFAULT_CSV_SAMPLING_RATE

    @property
    def describes_raw_layout(self) -> bool:
        """True when the hints are complete enough to read headerless binary samples."""
        return bool(self.sampling_rate and self.lead_count and self.sample_type)


def millivolts_per_unit(unit: str) -> float | None:
    """Scale from a voltage unit name to mV, or None when the unit is not a voltage."""
    return _VOLT_SCALE_TO_MV.get(unit.strip().lower())


def generic_lead_names(count: int) -> list[str]:
    """Names for formats that carry none, numbered from 1 as clinicians count leads."""
    return [f"lead {number}" for number in range(1, count + 1)]


class RecordingReader(abc.ABC):
    """Metadata of one recording plus bounded access to its samples in mV.

    Subclasses implement `_read`; everything else (clamping, windows, error wrapping) is here so
    every format behaves the same.
    """

    def __init__(
        self,
        *,
        format: str,
        sampling_rate: float,
        lead_names: list[str],
        sample_count: int,
        start_time: datetime | None = None,
        gains: list[float] | None = None,
    ) -> None:
        if not sampling_rate or sampling_rate <= 0 or not np.isfinite(sampling_rate):
            raise UnreadableRecording("the recording does not state a usable sampling rate")
        if not lead_names:
            raise UnreadableRecording("the recording holds no ECG leads")
        if sample_count <= 0:
            raise UnreadableRecording("the recording holds no samples")
        self.format = format
        self.sampling_rate = float(sampling_rate)
        self.lead_names = list(lead_names)
        self.sample_count = int(sample_count)
        self.start_time = start_time
        #: ADC counts per mV for each lead where the format stores integers; None otherwise.
        self.gains = gains
        self.units = PHYSICAL_UNITS

    @property
    def lead_count(self) -> int:
        return len(self.lead_names)

    @property
    def duration_seconds(self) -> float:
        return self.sample_count / self.sampling_rate

    def read(self, start: int, count: int) -> np.ndarray:
        """Samples [start, start + count) clamped to the recording, float32 (n, leads) in mV.

        Any failure of the underlying file (truncation found late, I/O error, a bad CSV row) is
        reported as UnreadableRecording, so callers need only one except clause.
        """
        start = max(0, int(start))
        stop = min(self.sample_count, start + max(0, int(count)))
        if stop <= start:
            return np.zeros((0, self.lead_count), dtype=np.float32)
        try:
            samples = self._read(start, stop - start)
        except UnreadableRecording:
            raise
        except Exception as error:  # a corrupt upload must never leak another exception type
            raise UnreadableRecording(
                f"the {self.format} samples could not be read ({type(error).__name__})"
            ) from error
        if samples.shape != (stop - start, self.lead_count):
            raise UnreadableRecording(f"the {self.format} file ends before its declared length")
        return np.ascontiguousarray(samples, dtype=np.float32)

    def blocks(self, samples_per_block: int) -> Iterator[tuple[int, np.ndarray]]:
        """Consecutive, non-overlapping blocks of at most `samples_per_block` samples."""
        if samples_per_block <= 0:
            raise ValueError("samples_per_block must be positive")
        for start in range(0, self.sample_count, samples_per_block):
            yield start, self.read(start, samples_per_block)

    def windows(self, seconds: float) -> Iterator[tuple[int, np.ndarray]]:
        """(first sample index, float32 (n, leads) mV) for consecutive windows of `seconds`."""
        return self.blocks(max(1, round(seconds * self.sampling_rate)))

    @abc.abstractmethod
    def _read(self, start: int, count: int) -> np.ndarray:
        """Samples [start, start + count), already inside the recording, in mV."""

    def close(self) -> None:
        """Release any file handle a reader keeps between reads (most keep none)."""
        return None

    def __enter__(self) -> RecordingReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self.format} {self.lead_count} leads "
            f"{self.sampling_rate:g} Hz {self.duration_seconds:.1f} s>"
        )
