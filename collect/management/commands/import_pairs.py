"""`manage.py import_pairs FILE --source NAME --license CODE`: load open pairs into review as pending.

Each row goes through the checks of a typed pair, with the verdict it would get alone
(collect.importing.import_batches); refused rows are listed with the reason. Rows are imported by batches of
`BATCH_ROWS`, one transaction each, and recognised by (source, source_id), so running the command again
imports only what is missing. See collect/importing.py.
"""

import gc
import itertools
import json
from contextlib import nullcontext
from pathlib import Path

from django.core.checks import Tags
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from collect.importing import (
    ALREADY,
    BATCH_ROWS,
    COMPATIBLE_LICENSES,
    FORMATS,
    IMPORTED,
    ColumnMap,
    Outcome,
    analyse_filled_tables,
    compatible_license,
    detect_format,
    import_account,
    import_batches,
    map_row,
    read_rows,
)

COLUMNS = ("question", "answer", "context", "id", "task_type", "domain", "level", "final_answer")


class _DryRun(Exception):
    """Raised at the end of a dry run to roll everything back."""


class Command(BaseCommand):
    help = "Import open question/answer pairs (JSONL, CSV or Parquet) as pending pairs for review."
    # The checks of what an import relies on, the models. All of them would load every URL, view and
    # template first (0.2 s, and the import's checking process is forked after them), for pages the
    # import never serves.
    requires_system_checks = [Tags.models]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", required=True, help="Name of the source, stored on each pair.")
        parser.add_argument(
            "--license",
            required=True,
            help=f"Licence of the file; one of: {', '.join(COMPATIBLE_LICENSES.values())}.",
        )
        parser.add_argument("--format", choices=FORMATS, help="Default: from the file's extension.")
        parser.add_argument("--dry-run", action="store_true", help="Check every row, save nothing.")
        parser.add_argument("--report", type=Path, help="Also write the refused rows to this JSONL file.")
        defaults = ColumnMap()
        for name in COLUMNS:
            option = "--" + name.replace("_", "-") + "-field"
            parser.add_argument(option, default=getattr(defaults, name), help=f"Column of the {name}.")
        parser.add_argument("--task-type", default=defaults.default_task_type, help="When no column says.")
        parser.add_argument("--domain", default=defaults.default_domain, help="When no column says.")
        parser.add_argument("--level", default=defaults.default_level, help="When no column says.")

    def handle(self, *args: object, **options: object) -> None:
        # What is loaded by now (Django, the apps, their libraries) lives as long as the command: frozen, it
        # is skipped by the garbage collector's passes, which the objects of each batch set off (they took
        # 1 s of the 11 s of CPU of a 10,000-row import, 0.2 s since). Thawed at the end for a caller that
        # goes on (tests).
        gc.freeze()
        try:
            self._import(**options)
        finally:
            gc.unfreeze()

    def _import(self, **options: object) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(_("File not found: %(path)s") % {"path": path})
        file_format = options["format"] or detect_format(path)
        if file_format is None:
            raise CommandError(_("Unknown file type: use --format jsonl, csv or parquet."))
        source = options["source"].strip()
        if not source or len(source) > 100:
            raise CommandError(_("Give the source a name of 1 to 100 characters."))
        license = compatible_license(options["license"])
        if license is None:
            raise CommandError(
                _("The licence %(license)s does not let Moisson publish these pairs. Accepted: %(list)s.")
                % {"license": options["license"], "list": ", ".join(COMPATIBLE_LICENSES.values())}
            )
        columns = ColumnMap(
            **{name: options[f"{name}_field"] for name in COLUMNS},
            default_task_type=options["task_type"],
            default_domain=options["domain"],
            default_level=options["level"],
        )
        counts = {"imported": 0, "already": 0, "refused": 0}
        refused: list[dict] = []
        try:
            # Each batch has its own transaction (in import_batches); a dry run wraps them all in one that is
            # rolled back, so that it sees the rows before it, as the real import would.
            with transaction.atomic() if options["dry_run"] else nullcontext():
                try:
                    author = import_account(source=source)
                except ValueError:
                    raise CommandError(
                        _("Another account already uses the name of this source: choose another --source.")
                    ) from None
                rows = read_rows(path, file_format=file_format)
                batches = iter(
                    lambda: [
                        map_row(number, row, columns=columns)
                        for number, row in itertools.islice(rows, BATCH_ROWS)
                    ],
                    [],
                )
                for outcome in import_batches(batches, author=author, source=source, license=license):
                    self._report(outcome, counts=counts, refused=refused)
                if options["dry_run"]:
                    raise _DryRun
        except _DryRun:
            pass
        else:
            if counts["imported"]:
                analyse_filled_tables()
        if options["report"]:
            with open(options["report"], "w", encoding="utf-8") as f:
                for item in refused:
                    f.write(json.dumps(item, ensure_ascii=False) + "\n")
        parts = [
            ngettext("%(n)d pair imported", "%(n)d pairs imported", counts["imported"]),
            ngettext("%(n)d already imported before", "%(n)d already imported before", counts["already"]),
            ngettext("%(n)d refused", "%(n)d refused", counts["refused"]),
        ]
        summary = ", ".join(part % {"n": n} for part, n in zip(parts, counts.values(), strict=True)) + "."
        if options["dry_run"]:
            summary = _("Dry run, nothing was saved: %(summary)s") % {"summary": summary}
        self.stdout.write(summary)

    def _report(self, outcome: Outcome, *, counts: dict, refused: list) -> None:
        if outcome.status == IMPORTED:
            counts["imported"] += 1
            return
        if outcome.status == ALREADY:
            counts["already"] += 1
            return
        row, problems = outcome.row, outcome.reasons
        counts["refused"] += 1
        refused.append({"line": row.line, "source_id": row.source_id, "reasons": problems})
        self.stdout.write(
            _("Line %(line)d (%(id)s) refused: %(reasons)s")
            % {"line": row.line, "id": row.source_id[:60], "reasons": " ".join(problems)}
        )
