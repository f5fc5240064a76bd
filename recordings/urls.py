from django.urls import re_path

from ecg_server.legacy import legacy_path
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
