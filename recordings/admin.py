from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.html import format_html

from recordings.downloads import recording_file_response
from recordings.errors import RecordingFileMissing
from recordings.models import Recording


@admin.register(Recording)
class RecordingAdmin(admin.ModelAdmin):
    list_display = (
        "data_id",
        "patient",
        "device_serial_number",
        "start_time",
        "size_display",
        "uploaded_by",
        "download",
    )
    list_filter = ("start_time", "device_serial_number", "created_at")
    date_hierarchy = "start_time"
    search_fields = ("data_id", "patient__patient_number", "patient__name", "device_serial_number")
    list_select_related = ("patient", "uploaded_by")
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
    )
    exclude = ("file",)  # its widget would link to a public media URL, which does not exist

    def has_add_permission(self, request) -> bool:
        return False  # recordings arrive through the API

    @admin.display(description="size", ordering="size")
    def size_display(self, recording: Recording) -> str:
        return filesizeformat(recording.size)

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
            *super().get_urls(),
        ]

    def download_view(self, request, pk: int):
        # Staff see the list, but only those allowed to view recordings get the bytes.
        if not self.has_view_permission(request):
            raise PermissionDenied
        recording = get_object_or_404(Recording, pk=pk)
        try:
            return recording_file_response(recording=recording, request=request)
        except RecordingFileMissing:
            raise Http404("The recording's file is missing.") from None
