"""The shapes of what reviewers and moderators send. The rules (a rejection needs a reason, which decision
is possible in which state...) are enforced by review.services, for the web and the API alike."""

import uuid

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from collect.coverage import MAX_TARGET
from collect.models import PAIR_TEXT_FIELDS, Domain, Level, RemovalReason, TaskType
from moisson.form_rendering import PLAIN_WIDGETS

from .contact import UUID_IN_TEXT
from .errors import COMMENT_MAX_LENGTH, REASON_MAX_LENGTH
from .models import AuditAction, ContactKind, RejectionReason, Verdict

RATINGS = [(n, str(n)) for n in range(1, 6)]


class ReviewForm(forms.Form):
    # The review page is among the pages served most: its inputs are written without widget templates.
    default_renderer = PLAIN_WIDGETS

    pair = forms.UUIDField(widget=forms.HiddenInput)
    revision = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    verdict = forms.ChoiceField(label=_("Verdict"), choices=Verdict.choices, widget=forms.RadioSelect)
    reasons = forms.MultipleChoiceField(
        label=_("Reasons (at least one to reject)"),
        choices=RejectionReason.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    correctness = forms.TypedChoiceField(
        label=_("Correctness"), choices=RATINGS, coerce=int, widget=forms.RadioSelect
    )
    fluency = forms.TypedChoiceField(
        label=_("Quality of French"), choices=RATINGS, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment for the author (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
    )
    suggested_question = forms.CharField(
        label=_("Suggested question"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=settings.MOISSON_QUESTION_MAX_LENGTH,
    )
    suggested_answer = forms.CharField(
        label=_("Suggested answer"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        max_length=settings.MOISSON_ANSWER_MAX_LENGTH,
    )
    suggested_final_answer = forms.CharField(
        label=_("Final answer"),
        help_text=_("Leave it as it is if it is right; otherwise write the correct one."),
        required=False,
        max_length=100,
    )


class QueueFilterForm(forms.Form):
    """The domains and levels a reviewer wants to see; empty means everything."""

    default_renderer = PLAIN_WIDGETS

    domains = forms.MultipleChoiceField(
        label=_("Domains"), choices=Domain.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    levels = forms.MultipleChoiceField(
        label=_("School levels"), choices=Level.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    by_need = forms.BooleanField(
        label=_("Most needed combinations first (domain, level and task type furthest from their target)"),
        required=False,
    )
    remember = forms.BooleanField(label=_("Remember this choice for my next visits"), required=False)


class ReportForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong with this pair?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=REASON_MAX_LENGTH,
        help_text=_("For example: personal data, copied text, offensive content, a dangerous mistake."),
    )


class DecisionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            (AuditAction.VALIDATE, _("Validate")),
            (AuditAction.REJECT, _("Reject")),
            (AuditAction.REMOVE, _("Remove")),
            (AuditAction.STOP_REVIEW, _("Stop the review")),
        ],
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(
        label=_("Reason (required to remove)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=REASON_MAX_LENGTH,
    )
    removal_reason = forms.ChoiceField(
        label=_("Kind of removal"),
        choices=[(value, label) for value, label in RemovalReason.choices if value != RemovalReason.TAKEDOWN],
        initial=RemovalReason.MODERATION,
        required=False,
    )


class ModeratorEditForm(forms.Form):
    # The texts a moderator may correct; the pair's kind, domain and level stay the author's.
    TEXT_FIELDS = PAIR_TEXT_FIELDS

    question = forms.CharField(
        label=_("Question"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=settings.MOISSON_QUESTION_MAX_LENGTH,
    )
    context = forms.CharField(
        label=_("Context"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=settings.MOISSON_CONTEXT_MAX_LENGTH,
    )
    answer = forms.CharField(
        label=_("Answer"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=settings.MOISSON_ANSWER_MAX_LENGTH,
    )
    final_answer = forms.CharField(label=_("Final answer"), required=False, max_length=100)
    reason = forms.CharField(label=_("Why this edit"), max_length=200)
    validate = forms.BooleanField(
        label=_("Validate the edited pair at once (otherwise it goes back to review)"), required=False
    )


class SuspendForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class TakedownForm(forms.Form):
    pair = forms.CharField(
        label=_("Pair"),
        max_length=500,
        help_text=_("The pair's identifier, or a link to it."),
    )
    requester = forms.CharField(label=_("Who asked"), max_length=200)
    reason = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def clean_pair(self) -> uuid.UUID:
        found = UUID_IN_TEXT.search(self.cleaned_data["pair"])
        if found is None:
            raise forms.ValidationError(_("No pair identifier found in this text."))
        return uuid.UUID(found.group(0))


class ContactForm(forms.Form):
    kind = forms.ChoiceField(label=_("Subject"), choices=ContactKind.choices, widget=forms.RadioSelect)
    name = forms.CharField(label=_("Your name (optional)"), max_length=200, required=False)
    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_("Only to answer you: it is never published nor shared."),
    )
    pair_reference = forms.CharField(
        label=_("Pair concerned (optional)"),
        max_length=500,
        required=False,
        help_text=_("A link to the pair, its identifier, or the beginning of its question."),
    )
    message = forms.CharField(
        label=_("Your message"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000
    )
    # A trap for robots: hidden from people and screen readers, filled in by scripts that fill everything.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )


class ContactHandledForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class CoverageTargetsForm(forms.Form):
    """The coverage targets of one domain: one number per school level × task type (0: no target)."""

    reason = forms.CharField(label=_("Why (optional)"), required=False, max_length=500)

    def __init__(self, *args: object, targets: dict[tuple[str, str], int], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for task_type, task_label in TaskType.choices:
            for level, level_label in Level.choices:
                self.fields[self.field_name(level, task_type)] = forms.IntegerField(
                    label=f"{task_label} · {level_label}",
                    min_value=0,
                    max_value=MAX_TARGET,
                    initial=targets.get((level, task_type), 0),
                    widget=forms.NumberInput(attrs={"aria-label": f"{task_label} · {level_label}"}),
                )

    @staticmethod
    def field_name(level: str, task_type: str) -> str:
        return f"target__{level}__{task_type}"

    def targets(self) -> dict[tuple[str, str], int]:
        return {
            (level, task_type): self.cleaned_data[self.field_name(level, task_type)]
            for task_type in TaskType.values
            for level in Level.values
        }
