"""Checking stored recordings against their rows: missing, corrupt and stray files."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.utils import timezone

from recordings.models import Recording
from recordings.storage import incoming_directory, recording_storage

logger = logging.getLogger(__name__)

READ_SIZE = 1024 * 1024
RECORDINGS_FOLDER = "recordings"


@dataclass
class IntegrityReport:
    checked: int = 0
    missing: list[str] = field(default_factory=list)  # data_ids whose file is gone
    corrupt: list[str] = field(default_factory=list)  # data_ids whose bytes changed
    stray_files: list[str] = field(default_factory=list)  # stored names with no row
    stray_uploads: list[str] = field(default_factory=list)  # abandoned temporary uploads
    removed: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        unfixed_strays = set(self.stray_files + self.stray_uploads) - set(self.removed)
        return not (self.missing or self.corrupt or unfixed_strays)


def _stored_names(folder: str = RECORDINGS_FOLDER) -> Iterator[str]:
    storage = recording_storage()
    try:
        directories, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}"
    for directory in directories:
        yield from _stored_names(f"{folder}/{directory}")


def _digest(name: str) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with recording_storage().open(name, "rb") as stored:
        while chunk := stored.read(READ_SIZE):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _older_than(moment: datetime, cutoff: datetime) -> bool:
    return moment < cutoff


def recordings_verify(
    *, fix: bool = False, stale_after: timedelta = timedelta(hours=1)
) -> IntegrityReport:
    """Recompute every stored file's SHA-256 and find files that belong to no recording.

    With `fix`, files with no row and abandoned uploads older than `stale_after` are deleted (the
    grace period spares uploads in flight, whose file is stored just before their row). Missing
    and corrupt files cannot be fixed here; they are reported.
    """
    report = IntegrityReport()
    known: set[str] = set()
    for data_id, name, size, sha256 in Recording.objects.values_list(
        "data_id", "file", "size", "sha256"
    ).iterator(chunk_size=500):
        known.add(name)
        report.checked += 1
        try:
            actual_size, actual_sha256 = _digest(name)
        except FileNotFoundError:
            report.missing.append(data_id)
            continue
        if (actual_size, actual_sha256) != (size, sha256):
            report.corrupt.append(data_id)

    cutoff = timezone.now() - stale_after
    storage = recording_storage()
    for name in _stored_names():
        if name in known:
            continue
        report.stray_files.append(name)
        if fix and _older_than(storage.get_modified_time(name), cutoff):
            storage.delete(name)
            report.removed.append(name)

    for path in sorted(Path(incoming_directory()).glob("upload-*.part")):
        report.stray_uploads.append(str(path))
        modified = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.get_current_timezone())
        if fix and _older_than(modified, cutoff):
            path.unlink(missing_ok=True)
            report.removed.append(str(path))
    for problem, items in (("missing", report.missing), ("corrupt", report.corrupt)):
        for data_id in items:
            logger.error("Integrity error: recording %s is %s", data_id, problem)
    return report
