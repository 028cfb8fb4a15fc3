"""Default coverage targets: a first guess that moderators refine in the site.

Every domain gets a base target per school level and task type, raised where open French models are
known to be weak (step-by-step reasoning in maths and sciences, closed questions and extraction), and
set to zero where the combination makes little sense (code outside computing, translation outside the
language domains, legal or economic questions for primary school). The values are spelled out here
rather than imported, so that later code changes never change what this migration did.
"""

from django.db import migrations

DOMAINS = [
    "maths",
    "sciences",
    "french",
    "history_geography",
    "philosophy",
    "languages",
    "computing",
    "law",
    "health",
    "economy",
    "arts",
    "practical_life",
    "other",
]
LEVELS = ["primaire", "college", "lycee", "superieur", "adulte"]
TASK_TYPES = [
    "open_qa",
    "closed_qa",
    "explanation",
    "reasoning",
    "brainstorming",
    "classification",
    "extraction",
    "summarization",
    "rewriting",
    "translation",
    "creative_writing",
    "code",
    "advice",
]
BASE_TARGET = 20


def default_target(domain: str, level: str, task_type: str) -> int:
    if task_type == "code" and domain != "computing":
        return 0
    if task_type == "translation" and domain not in ("languages", "french"):
        return 0
    if level == "primaire" and domain in ("law", "economy", "philosophy", "computing"):
        return 0
    if task_type == "reasoning" and domain in ("maths", "sciences"):
        return BASE_TARGET * 5
    if task_type == "reasoning" or (task_type, domain) in {("code", "computing"), ("rewriting", "french")}:
        return BASE_TARGET * 2
    if task_type in ("closed_qa", "extraction", "explanation"):
        return BASE_TARGET * 2
    return BASE_TARGET


def forward(apps, schema_editor):
    CoverageTarget = apps.get_model("collect", "CoverageTarget")
    existing = set(CoverageTarget.objects.values_list("domain", "level", "task_type"))
    CoverageTarget.objects.bulk_create(
        CoverageTarget(domain=domain, level=level, task_type=task_type, target=target)
        for domain in DOMAINS
        for level in LEVELS
        for task_type in TASK_TYPES
        if (domain, level, task_type) not in existing
        and (target := default_target(domain, level, task_type))
    )


class Migration(migrations.Migration):
    dependencies = [("collect", "0002_final_answer_source_and_coverage_targets")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
