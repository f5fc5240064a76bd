"""Understanding stored recordings: background analysis, previews and plots.

The upload never waits: `recording_analysis_schedule` marks the recording pending and queues
`analyse_recording` in the upload's own transaction; the worker sees both once it commits. The
task reads the file in windows
(the `ecg` package), stores the results and a multi-resolution summary next to the recording, and
marks it done, unreadable (with the reason; the file stays stored as it is) or failed.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django_tasks_db import DatabaseBackend

from ecg import (
    RawHints,
    UnreadableRecording,
    analyse,
    build_summary,
    open_recording,
    preview,
    render,
)
from recordings.errors import AnalysisPending, RecordingUnreadable
from recordings.models import Recording, RecordingAnalysis
from recordings.storage import recording_storage

logger = logging.getLogger(__name__)

SUMMARY_FOLDER = "summaries"


def recording_analysis_schedule(*, recording: Recording, is_new: bool = False) -> RecordingAnalysis:
    """Mark `recording` pending and queue its analysis in the caller's transaction.

    With the database task backend (the configured one), the task row is written in the same
    transaction as the recording, so a recording is never committed without its analysis
    queued, and the upload pays for one commit, not two. Any other backend is handed the task
    only once the transaction commits. `is_new` (no analysis row yet) saves the lookup.
    """
    from recordings.tasks import analyse_recording

    pending = {"sha256": recording.sha256, "state": RecordingAnalysis.PENDING, "reason": ""}
    if is_new:
        analysis = RecordingAnalysis.objects.create(recording=recording, **pending)
    else:
        analysis, _ = RecordingAnalysis.objects.update_or_create(
            recording=recording, defaults=pending
        )
    recording_id, sha256 = recording.pk, recording.sha256
    if isinstance(analyse_recording.get_backend(), DatabaseBackend):
        analyse_recording.enqueue(recording_id=recording_id, sha256=sha256)
    else:  # a queue outside this database must not hear of a recording that may roll back
        transaction.on_commit(
            lambda: analyse_recording.enqueue(recording_id=recording_id, sha256=sha256)
        )
    return analysis


@contextlib.contextmanager
def _local_path(name: str) -> Iterator[Path]:
    """A path on this machine holding the stored file (object storage is copied to a temp file)."""
    storage = recording_storage()
    try:
        yield Path(storage.path(name))
        return
    except NotImplementedError:  # object storage has no local path: copy it below
        pass
    with tempfile.NamedTemporaryFile(suffix=".ecg", dir=settings.FILE_UPLOAD_TEMP_DIR) as copy:
        with storage.open(name, "rb") as stored:
            for chunk in iter(lambda: stored.read(1024 * 1024), b""):
                copy.write(chunk)
        copy.flush()
        yield Path(copy.name)


def _hints(recording: Recording) -> RawHints:
    lead_count = recording.device.lead_count if recording.device else None
    return RawHints(
        sampling_rate=recording.sampling_rate_hint,
        lead_count=lead_count,
        sample_type=recording.sample_format_hint or None,
        default_csv_sampling_rate=recording.sampling_rate_hint
        or settings.ECG_DEFAULT_SAMPLING_RATE,
    )


def _aware(moment):
    # EDF, DICOM and WFDB headers carry a wall-clock time without a zone: taken as UTC.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def recording_analyse(*, recording_id: int, sha256: str) -> str:
    """Analyse one version of a recording; returns the resulting state.

    A version that has been overwritten meanwhile is skipped: its successor has its own task.
    """
    recording = Recording.objects.select_related("device").filter(pk=recording_id).first()
    if recording is None or recording.sha256 != sha256:
        return "superseded"
    RecordingAnalysis.objects.filter(recording=recording, sha256=sha256).update(
        state=RecordingAnalysis.RUNNING
    )
    fields: dict = {}
    new_summary = ""
    try:
        with (
            _local_path(recording.file.name) as path,
            open_recording(path, hints=_hints(recording)) as reader,
        ):
            result = analyse(reader)
            with tempfile.TemporaryDirectory() as scratch:
                summary_path = build_summary(reader, Path(scratch) / "summary.ecgsum")
                with summary_path.open("rb") as summary:
                    new_summary = recording_storage().save(
                        f"{SUMMARY_FOLDER}/{uuid.uuid4().hex}.ecgsum", File(summary)
                    )
            fields = {
                "state": RecordingAnalysis.DONE,
                "reason": "",
                "format": reader.format,
                "sampling_rate": reader.sampling_rate,
                "lead_names": list(reader.lead_names),
                "sample_count": reader.sample_count,
                "duration_seconds": reader.duration_seconds,
                "units": reader.units,
                "gains": [g if g is None else float(g) for g in (reader.gains or [])],
                "recorded_start": _aware(reader.start_time),
                "beat_count": result.beat_count,
                "mean_bpm": result.mean_bpm,
                "min_bpm": result.min_bpm,
                "max_bpm": result.max_bpm,
                "algorithm": result.algorithm,
                "algorithm_version": result.algorithm_version,
                "summary_file": new_summary,
            }
    except UnreadableRecording as exc:
        fields = {"state": RecordingAnalysis.UNREADABLE, "reason": exc.reason[:2000]}
    except (
        Exception
    ) as exc:  # the upload is stored whatever happens here; record why analysis failed
        logger.exception("Analysis of recording %s failed", recording.data_id)
        fields = {
            "state": RecordingAnalysis.FAILED,
            "reason": f"{type(exc).__name__}: {exc}"[:2000],
        }
    with transaction.atomic():
        current = RecordingAnalysis.objects.select_for_update().filter(recording=recording).first()
        if current is None or current.sha256 != sha256:  # overwritten while we worked
            if new_summary:
                recording_storage().delete(new_summary)
            return "superseded"
        old_summary = current.summary_file
        for field, value in fields.items():
            setattr(current, field, value)
        if fields["state"] != RecordingAnalysis.DONE:
            current.summary_file = ""
        current.save()
        if old_summary and old_summary != current.summary_file:
            transaction.on_commit(lambda: recording_storage().delete(old_summary))
    return fields["state"]


def recording_analysis_require_done(*, recording: Recording) -> RecordingAnalysis:
    """The recording's finished analysis, or why there is none.

    `AnalysisPending` while the worker has not finished (worth retrying); `RecordingUnreadable`
    when the bytes are not an ECG this server reads, or the analysis failed (not worth retrying
    until the recording is uploaded again).
    """
    analysis = getattr(recording, "analysis", None)
    if analysis is None or analysis.state in (RecordingAnalysis.PENDING, RecordingAnalysis.RUNNING):
        raise AnalysisPending()
    if analysis.state != RecordingAnalysis.DONE:
        raise RecordingUnreadable(analysis.reason or None)
    return analysis


def recording_preview(
    *, recording: Recording, start_s: float, end_s: float, max_points: int = 2000
) -> dict:
    """Per-lead min/max of a time window, at most `max_points` points per lead, from the summary."""
    analysis = getattr(recording, "analysis", None)
    if analysis is None or analysis.state != RecordingAnalysis.DONE or not analysis.summary_file:
        raise ValueError("The recording has no analysis yet.")
    with _local_path(analysis.summary_file) as summary_path:
        return preview(summary_path, start_s, end_s, max_points)


def recording_plot(
    *, recording: Recording, image_format: str = "png", start_s: float = 0.0
) -> bytes:
    """The recording on clinical ECG paper (25 mm/s, 10 mm/mV), as PNG or SVG bytes."""
    with (
        _local_path(recording.file.name) as path,
        open_recording(path, hints=_hints(recording)) as reader,
    ):
        return render(reader, start_s=start_s, format=image_format)
