"""Background tasks of the recordings app (run by `manage.py db_worker`)."""

from django_tasks import task

from recordings.insight import recording_analyse


@task()
def analyse_recording(recording_id: int, sha256: str) -> str:
    return recording_analyse(recording_id=recording_id, sha256=sha256)
