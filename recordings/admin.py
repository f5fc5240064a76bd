from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.html import format_html

from ecg import UnreadableRecording
from recordings.downloads import recording_file_response
from recordings.errors import RecordingFileMissing
from recordings.insight import recording_plot
from recordings.models import Recording


@admin.register(Recording)
class RecordingAdmin(admin.ModelAdmin):
    list_display = (
        "data_id",
        "patient",
        "device_serial_number",
        "start_time",
        "duration",
        "heart_rate",
        "size_display",
        "uploaded_by",
        "download",
    )
    list_filter = ("start_time", "device_serial_number", "created_at")
    date_hierarchy = "start_time"
    search_fields = ("data_id", "patient__patient_number", "patient__name", "device_serial_number")
    list_select_related = ("patient", "uploaded_by", "analysis")
    readonly_fields = (
        "data_id",
        "device",
        "device_serial_number",
        "patient",
        "uploaded_by",
        "start_time",
        "end_time",
        "original_name",
        "size",
        "sha256",
        "content_type",
        "stored_name",
        "created_at",
        "updated_at",
        "download",
        "analysis_summary",
        "plot",
    )
    exclude = ("file",)  # its widget would link to a public media URL, which does not exist

    def has_add_permission(self, request) -> bool:
        return False  # recordings arrive through the API

    @admin.display(description="size", ordering="size")
    def size_display(self, recording: Recording) -> str:
        return filesizeformat(recording.size)

    @admin.display(description="duration")
    def duration(self, recording: Recording) -> str:
        analysis = getattr(recording, "analysis", None)
        if analysis is None or analysis.duration_seconds is None:
            return "-"
        return f"{analysis.duration_seconds:.1f} s"

    @admin.display(description="heart rate")
    def heart_rate(self, recording: Recording) -> str:
        analysis = getattr(recording, "analysis", None)
        if analysis is None or analysis.mean_bpm is None:
            return analysis.state if analysis else "-"
        return f"{analysis.mean_bpm:.0f} bpm"

    @admin.display(description="analysis")
    def analysis_summary(self, recording: Recording) -> str:
        analysis = getattr(recording, "analysis", None)
        if analysis is None:
            return "-"
        if analysis.state != analysis.DONE:
            return f"{analysis.state}: {analysis.reason}" if analysis.reason else analysis.state
        # format_html escapes its arguments into text, so numbers are formatted first.
        return format_html(
            "{} &middot; {} Hz &middot; {} leads ({}) &middot; {} samples &middot; {} s<br>"
            "{} beats, mean {} bpm (min {}, max {}) &middot; {} {}",
            analysis.format.upper(),
            f"{analysis.sampling_rate:g}",
            len(analysis.lead_names),
            ", ".join(analysis.lead_names),
            analysis.sample_count,
            f"{analysis.duration_seconds:.1f}",
            analysis.beat_count,
            f"{analysis.mean_bpm or 0:.0f}",
            f"{analysis.min_bpm or 0:.0f}",
            f"{analysis.max_bpm or 0:.0f}",
            analysis.algorithm,
            analysis.algorithm_version,
        )

    @admin.display(description="ECG")
    def plot(self, recording: Recording) -> str:
        analysis = getattr(recording, "analysis", None)
        if not recording.pk or analysis is None or analysis.state != analysis.DONE:
            return "-"
        url = reverse("admin:recordings_recording_plot", args=[recording.pk])
        return format_html(
            '<img src="{}" alt="ECG of {}" style="max-width: 100%">', url, recording.data_id
        )

    @admin.display(description="stored as")
    def stored_name(self, recording: Recording) -> str:
        return recording.file.name

    @admin.display(description="file")
    def download(self, recording: Recording) -> str:
        if not recording.pk:
            return "-"
        url = reverse("admin:recordings_recording_download", args=[recording.pk])
        return format_html('<a href="{}">download</a>', url)

    def get_urls(self):
        return [
            path(
                "<int:pk>/download/",
                self.admin_site.admin_view(self.download_view),
                name="recordings_recording_download",
            ),
            path(
                "<int:pk>/plot.png",
                self.admin_site.admin_view(self.plot_view),
                name="recordings_recording_plot",
            ),
            *super().get_urls(),
        ]

    def plot_view(self, request, pk: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        recording = get_object_or_404(Recording, pk=pk)
        try:
            image = recording_plot(recording=recording, image_format="png")
        except (UnreadableRecording, FileNotFoundError):
            raise Http404("No plot for this recording.") from None
        return HttpResponse(image, content_type="image/png")

    def download_view(self, request, pk: int):
        # Staff see the list, but only those allowed to view recordings get the bytes.
        if not self.has_view_permission(request):
            raise PermissionDenied
        recording = get_object_or_404(Recording, pk=pk)
        try:
            return recording_file_response(recording=recording, request=request)
        except RecordingFileMissing:
            raise Http404("The recording's file is missing.") from None
