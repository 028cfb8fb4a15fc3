from django.core.management.base import BaseCommand, CommandError, CommandParser

from export.models import Release, ReleaseState
from export.releases import ReleaseRefused, build_release, start_release


class Command(BaseCommand):
    help = (
        "Start a dataset release: enqueue its build for the Celery worker, or build it here with --sync. "
        "Starting a failed release again re-runs it."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: object) -> CommandParser:
        # Here `--version` names the release to build; it replaces Django's "print Django's version".
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--sync",
            action="store_true",
            help="build in the foreground, without the worker; exit with an error when the build fails",
        )
        parser.add_argument("--version", dest="release_version", help="e.g. v1.2.0; default: the next minor")
        parser.add_argument(
            "--if-none",
            action="store_true",
            help="do nothing when a release already exists, queued, building or published "
            "(`make run` uses it so that a fresh install has a first release of the demo data)",
        )

    def handle(
        self, *args: object, sync: bool, release_version: str | None, if_none: bool, **options: object
    ) -> None:
        if if_none and Release.objects.exclude(state=ReleaseState.FAILED).exists():
            self.stdout.write("A release already exists: nothing to do.")
            return
        try:
            release = start_release(by=None, version=release_version, enqueue=not sync)
        except ReleaseRefused as refused:
            raise CommandError(str(refused)) from None
        if not sync:
            self.stdout.write(f"Release {release.version} queued: the worker builds it.")
            return
        self.stdout.write(f"Building release {release.version}...")
        release = build_release(release.pk)
        if release is None or release.state != ReleaseState.PUBLISHED:
            error = release.error if release is not None else "the release disappeared"
            raise CommandError(f"Release failed: {error}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Release {release.version} published: {release.total} pairs in {release.directory}"
            )
        )
