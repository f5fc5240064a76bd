"""Recognising an upload's format from its bytes, and opening the matching reader.

File names are never trusted: devices and browsers name files freely. The bytes decide, in an
order where each test is unambiguous: DICOM's "DICM" magic, EDF's fixed ASCII header, a zip
archive (WFDB record), then numeric text (CSV). Headerless binary cannot be recognised, so it is
read as raw samples only when the caller's hints describe its layout.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from ecg.errors import UnreadableRecording
from ecg.readers.csv import SNIFF_BYTES, CsvReader, sniff_csv
from ecg.readers.dicom import DicomReader, looks_like_dicom
from ecg.readers.edf import EdfReader, looks_like_edf
from ecg.readers.raw import RawReader
from ecg.readers.wfdb import WfdbZipReader
from ecg.recording import RawHints, RecordingReader

ZIP_MAGIC = b"PK\x03\x04"
FORMATS = ("dicom", "edf", "wfdb", "csv", "raw")


def detect_format(path: str | os.PathLike[str], hints: RawHints | None = None) -> str:
    """One of FORMATS, decided by content; raises UnreadableRecording when none fits."""
    head = _read_head(Path(path))
    if looks_like_dicom(head):
        return "dicom"
    if looks_like_edf(head):
        return "edf"
    if head.startswith(ZIP_MAGIC):
        return "wfdb"
    if sniff_csv(head) is not None:
        return "csv"
    if hints is not None and hints.describes_raw_layout:
        return "raw"
    raise UnreadableRecording("not a recognised ECG format")


def open_recording(
    path: str | os.PathLike[str], *, hints: RawHints | None = None
) -> RecordingReader:
    """A reader for the recording at `path`; UnreadableRecording is the only error it raises.

    `hints` supply what bytes cannot: the layout of a raw binary file, and the sampling rate or
    lead names of a CSV file.
    """
    file_path = Path(path)
    try:
        return _open(file_path, hints)
    except UnreadableRecording:
        raise
    except zipfile.BadZipFile:
        raise UnreadableRecording("the zip archive is corrupt") from None
    except (OSError, MemoryError) as error:
        raise UnreadableRecording(f"the file could not be read ({type(error).__name__})") from None
    except Exception as error:  # a corrupt upload must never surface as another exception
        raise UnreadableRecording(
            f"the file is corrupt or malformed ({type(error).__name__})"
        ) from error


def _open(path: Path, hints: RawHints | None) -> RecordingReader:
    recognised = detect_format(path, hints)
    if recognised == "dicom":
        return DicomReader(path)
    if recognised == "edf":
        return EdfReader(path)
    if recognised == "wfdb":
        return WfdbZipReader(path)
    if recognised == "csv":
        dialect = sniff_csv(_read_head(path))
        if dialect is None:  # pragma: no cover - detect_format just accepted it
            raise UnreadableRecording("not a recognised ECG format")
        return CsvReader(path, dialect, hints)
    if hints is None:  # pragma: no cover - detect_format only says raw with hints
        raise UnreadableRecording("not a recognised ECG format")
    return RawReader(path, hints)


def _read_head(path: Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError as error:
        raise UnreadableRecording(f"the file could not be read ({error.strerror})") from None
    if not head:
        raise UnreadableRecording("the file is empty")
    return head
