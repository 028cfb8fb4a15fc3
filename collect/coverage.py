"""Coverage steering (issue 15, item 3): what Moisson has, against what it wants, per domain × school
level × task type.

Definitions, used by the home page, the writing page, the review queue, the API and the dataset card:
- a **cell** is one (domain, school level, task type); a pair without a school level counts in the
  "adult / general" column;
- its **target** is the moderators' `CoverageTarget` for it (no row: no target, the cell is never
  "needed");
- its **count** is the number of its pairs that are validated or pending (pending pairs are on their
  way: counting them stops everyone from piling into the same cell while review catches up);
- its **need** is `max(target − count, 0)`; the most needed cells have the largest need, then the
  lowest share of their target reached.

Counting every pair is a scan of the table: the result is cached for a minute, and dropped at once
when a moderator changes a target.
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count

from accounts.models import User

from .models import CoverageTarget, Domain, Level, Pair, Status, TaskType

COUNTED_STATUSES = [Status.VALIDATED, Status.PENDING]
# Where a pair without a school level is counted.
LEVEL_WHEN_NONE = Level.ADULT
CACHE_KEY = "collect:coverage"
CACHE_SECONDS = 60
MAX_TARGET = 1_000_000


@dataclass(frozen=True)
class Cell:
    domain: str
    level: str
    task_type: str
    target: int
    validated: int
    pending: int

    @property
    def count(self) -> int:
        return self.validated + self.pending

    @property
    def need(self) -> int:
        return max(self.target - self.count, 0)

    @property
    def reached(self) -> float:
        """Share of the target reached, from 0 to 1 (1 when there is no target)."""
        return min(self.count / self.target, 1.0) if self.target else 1.0

    @property
    def label(self) -> str:
        """ "mathématiques, collège, raisonnement pas à pas": the words of the site, in lower case."""
        parts = (Domain(self.domain).label, Level(self.level).label, TaskType(self.task_type).label)
        return ", ".join(_lower_first(str(part)) for part in parts)

    @property
    def write_query(self) -> str:
        """The query string that preselects this cell on the writing page."""
        return f"domain={self.domain}&level={self.level}&task_type={self.task_type}"


def coverage_cells() -> list[Cell]:
    """Every cell with a target or with pairs, in (domain, level, task type) order; cached a minute."""
    cells = cache.get(CACHE_KEY)
    if cells is None:
        cells = _compute_cells()
        cache.set(CACHE_KEY, cells, CACHE_SECONDS)
    return cells


def _compute_cells() -> list[Cell]:
    counts: dict[tuple[str, str, str], dict[str, int]] = {}
    rows = (
        Pair.objects.filter(status__in=COUNTED_STATUSES)
        .values_list("domain", "level", "task_type", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for domain, level, task_type, status, n in rows:
        key = (domain, level or LEVEL_WHEN_NONE, task_type)
        counts.setdefault(key, {"validated": 0, "pending": 0})[status] += n
    targets = {
        (domain, level, task_type): target
        for domain, level, task_type, target in CoverageTarget.objects.values_list(
            "domain", "level", "task_type", "target"
        )
    }
    keys = sorted(set(targets) | set(counts))
    return [
        Cell(
            domain=domain,
            level=level,
            task_type=task_type,
            target=targets.get((domain, level, task_type), 0),
            **counts.get((domain, level, task_type), {"validated": 0, "pending": 0}),
        )
        for domain, level, task_type in keys
        # Drafts and unknown codes never reach here; a code removed from the choices would.
        if domain in Domain.values and level in Level.values and task_type in TaskType.values
    ]


def most_needed(limit: int = 3) -> list[Cell]:
    """The cells furthest from their target, most needed first."""
    needed = [cell for cell in coverage_cells() if cell.need > 0]
    needed.sort(key=lambda cell: (-cell.need, cell.reached, cell.domain, cell.level, cell.task_type))
    return needed[:limit]


def coverage_summary() -> dict:
    """Totals against targets, for the API, the statistics page and the dataset card."""
    cells = coverage_cells()
    return {
        "target": sum(cell.target for cell in cells),
        "count": sum(min(cell.count, cell.target) for cell in cells),
        "need": sum(cell.need for cell in cells),
    }


def targets_by_domain() -> dict[str, int]:
    """The sum of the targets of each domain that has any, for the dataset card."""
    totals: dict[str, int] = {}
    for cell in coverage_cells():
        if cell.target:
            totals[cell.domain] = totals.get(cell.domain, 0) + cell.target
    return totals


def heatmap(*, rows: str = "domain", columns: str = "level") -> dict:
    """Coverage against targets, summed over the third dimension, as a grid for a heat map.

    `rows` and `columns` are two of "domain", "level", "task_type". Each cell of the grid says its count,
    its target and a shade from 0 (nothing yet) to 4 (target reached) for the colour.
    """
    choices = {"domain": Domain, "level": Level, "task_type": TaskType}
    totals: dict[tuple[str, str], list[int]] = {}
    for cell in coverage_cells():
        key = (getattr(cell, rows), getattr(cell, columns))
        total = totals.setdefault(key, [0, 0])
        total[0] += min(cell.count, cell.target) if cell.target else 0
        total[1] += cell.target
    grid = []
    for row_value, row_label in choices[rows].choices:
        line = []
        for column_value, _column_label in choices[columns].choices:
            count, target = totals.get((row_value, column_value), (0, 0))
            reached = count / target if target else None
            line.append(
                {
                    "count": count,
                    "target": target,
                    "percent": round(reached * 100) if reached is not None else None,
                    "shade": min(int(reached * 4), 4) if reached is not None else None,
                }
            )
        grid.append({"value": row_value, "label": row_label, "cells": line})
    return {"columns": [{"value": v, "label": label} for v, label in choices[columns].choices], "rows": grid}


def heatmap_context() -> dict:
    """What templates/collect/_coverage_heatmap.html needs: include it with this in the context."""
    return {"coverage_heatmap": heatmap(), "coverage_most_needed": most_needed(), **coverage_summary()}


def set_targets(*, by: User, domain: str, targets: dict[tuple[str, str], int]) -> dict[str, int]:
    """Set the targets of one domain, {(level, task_type): target}; returns what changed, as
    {"level/task_type": new target}, for the audit log. A target of 0 removes the cell's target."""
    if domain not in Domain.values:
        raise ValueError(f"unknown domain {domain!r}")
    changed: dict[str, int] = {}
    with transaction.atomic():
        existing = {
            (target.level, target.task_type): target
            for target in CoverageTarget.objects.select_for_update().filter(domain=domain)
        }
        for (level, task_type), value in sorted(targets.items()):
            if level not in Level.values or task_type not in TaskType.values or not 0 <= value <= MAX_TARGET:
                raise ValueError(f"invalid target {level}/{task_type}={value}")
            current = existing.get((level, task_type))
            if (current.target if current else 0) == value:
                continue
            changed[f"{level}/{task_type}"] = value
            if current is None:
                CoverageTarget.objects.create(
                    domain=domain, level=level, task_type=task_type, target=value, updated_by=by
                )
            elif value == 0:
                current.delete()
            else:
                current.target = value
                current.updated_by = by
                current.save(update_fields=["target", "updated_by", "updated_at"])
        # Now for this request's next page, and again once committed, in case another request cached
        # the old targets in between.
        cache.delete(CACHE_KEY)
        transaction.on_commit(lambda: cache.delete(CACHE_KEY))
    return changed


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
