import sys
from datetime import timedelta

from django.core.management.base import BaseCommand

from recordings.integrity import recordings_verify


class Command(BaseCommand):
    help = (
        "Recompute every stored recording's SHA-256 and report missing files, corrupt files and "
        "stray files that have no row (and abandoned uploads). Exits 1 when anything is wrong."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--fix",
            action="store_true",
            help="delete stray files and abandoned uploads older than --stale-after",
        )
        parser.add_argument(
            "--stale-after",
            type=int,
            default=3600,
            metavar="SECONDS",
            help="only strays older than this are removed (default 3600: spares uploads in flight)",
        )

    def handle(self, *args, fix: bool, stale_after: int, **options) -> None:
        report = recordings_verify(fix=fix, stale_after=timedelta(seconds=stale_after))
        for data_id in report.missing:
            self.stdout.write(f"MISSING  {data_id}: the row exists but its file is gone")
        for data_id in report.corrupt:
            self.stdout.write(f"CORRUPT  {data_id}: size or SHA-256 differs from the row")
        for name in report.stray_files:
            state = "removed" if name in report.removed else "kept"
            self.stdout.write(f"STRAY    {name}: no recording refers to it ({state})")
        for path in report.stray_uploads:
            state = "removed" if path in report.removed else "kept"
            self.stdout.write(f"UPLOAD   {path}: an abandoned upload ({state})")
        self.stdout.write(
            f"Checked {report.checked} recording(s): {len(report.missing)} missing, "
            f"{len(report.corrupt)} corrupt, {len(report.stray_files)} stray file(s), "
            f"{len(report.stray_uploads)} abandoned upload(s), {len(report.removed)} removed."
        )
        if not report.healthy:
            sys.exit(1)
