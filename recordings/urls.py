from django.urls import path, re_path

from ecg_server.legacy import legacy_path
from recordings.api import (
    RecordingDetailView,
    RecordingFileView,
    RecordingListView,
    RecordingPlotPngView,
    RecordingPlotSvgView,
    RecordingPreviewView,
)
from recordings.legacy import GetDataByPathView, GetDataView, PostDataView

legacy_urlpatterns = [
    legacy_path("post_data", PostDataView),
    legacy_path("get_data", GetDataView),
    # For browsers, curl and apps: the data_id in the path, the session in a header.
    re_path(
        r"^get_data/(?P<data_id>[^/]+)/?$",
        GetDataByPathView.as_view(),
        name="legacy-get-data-by-path",
    ),
]

v2_urlpatterns = [
    path("recordings", RecordingListView.as_view(), name="v2-recordings"),
    path("recordings/<str:data_id>", RecordingDetailView.as_view(), name="v2-recording"),
    path("recordings/<str:data_id>/file", RecordingFileView.as_view(), name="v2-recording-file"),
    path(
        "recordings/<str:data_id>/preview",
        RecordingPreviewView.as_view(),
        name="v2-recording-preview",
    ),
    path(
        "recordings/<str:data_id>/plot.png",
        RecordingPlotPngView.as_view(),
        name="v2-recording-plot-png",
    ),
    path(
        "recordings/<str:data_id>/plot.svg",
        RecordingPlotSvgView.as_view(),
        name="v2-recording-plot-svg",
    ),
]
