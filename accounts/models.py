from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

# The pure text rules shared with collect (no models, no HTTP): a pseudonym is published like a pair's
# text, so it goes through the same normalisation and personal-data checks.
from moisson.personal_data import find_personal_data
from moisson.text import has_bidi_controls, normalize_text, skeleton, skeletons

from .permissions import permission_names

MODERATORS_GROUP = "moderators"


class User(AbstractUser):
    """A person of Moisson. The profile lives here: one row per person keeps queries simple."""

    pseudonym = models.CharField(
        _("pseudonym"),
        max_length=60,
        blank=True,
        help_text=_("The public name shown with your pairs if you choose to be credited."),
    )
    # What makes two pseudonyms the same for a reader: case, invisible characters and lookalike letters
    # folded (`moisson.text.skeleton`). Kept in step with `pseudonym` by save(); unique when set.
    pseudonym_key = models.CharField(max_length=240, blank=True, editable=False)
    attribution_opt_in = models.BooleanField(
        _("credit me by my pseudonym"),
        default=False,
        help_text=_("Your pseudonym appears in the published dataset and the leaderboard."),
    )
    terms_accepted_at = models.DateTimeField(_("charter and licence accepted at"), null=True, blank=True)
    terms_license = models.CharField(_("licence accepted"), max_length=40, blank=True)
    # The licence (terms_license) may be accepted again later than the charter, when it changes.
    license_accepted_at = models.DateTimeField(_("licence accepted at"), null=True, blank=True)
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)
    suspension_reason = models.TextField(_("suspension reason"), blank=True)
    review_domains = models.JSONField(_("domains I review"), default=list, blank=True)
    review_levels = models.JSONField(_("levels I review"), default=list, blank=True)
    # The writing form starts from the person's last choices, and from nothing before their first pair
    # (a preselected "Mathématiques" ended up on pairs about everything else).
    last_task_type = models.CharField(_("last task type written"), max_length=40, blank=True)
    last_domain = models.CharField(_("last domain written"), max_length=40, blank=True)
    last_level = models.CharField(_("last school level written"), max_length=40, blank=True)
    # Opening in waves (accounts.waves): an account made while its wave was full waits, from this moment,
    # until a moderator opens the next wave or it brings an invitation code. Null: not waiting.
    waiting_since = models.DateTimeField(_("waiting for a wave since"), null=True, blank=True)
    wave = models.ForeignKey(
        "SignupWave", null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    invitation = models.ForeignKey(
        "Invitation", null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [
            ("moderate", "Can use the moderation queue and decide pairs"),
            ("start_release", "Can start a dataset release"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["pseudonym"], condition=~Q(pseudonym=""), name="unique_pseudonym_when_set"
            ),
            models.UniqueConstraint(
                fields=["pseudonym_key"], condition=~Q(pseudonym_key=""), name="unique_pseudonym_key_when_set"
            ),
        ]
        indexes = [
            # accounts.waves: the waiting line in order (place in line, the next wave's members).
            models.Index(
                fields=["waiting_since", "id"],
                condition=Q(waiting_since__isnull=False),
                name="user_waiting_line",
            ),
        ]

    def clean(self) -> None:
        super().clean()
        self.pseudonym = check_pseudonym(self.pseudonym, user=self)

    def save(self, *args: object, **kwargs: object) -> None:
        # A derived value, not a rule: the rules are in check_pseudonym, which forms, the admin and the
        # services call. Deriving it here keeps it true whichever way the pseudonym was written.
        self.pseudonym_key = skeleton(self.pseudonym)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "pseudonym" in update_fields:
            kwargs["update_fields"] = {*update_fields, "pseudonym_key"}
        super().save(*args, **kwargs)

    @property
    def has_accepted_terms(self) -> bool:
        return self.terms_accepted_at is not None

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None

    def may(self, permission: str) -> bool:
        """An active, unsuspended account holding `permission` (codename of this app): the one test of
        every role (moderating, starting a release), whichever door asks."""
        if not self.is_active or self.is_suspended:
            return False
        return self.is_superuser or f"accounts.{permission}" in permission_names(self)

    @cached_property
    def is_moderator(self) -> bool:
        # Asked by the menu, the decorators, the API and the services in one request: computed once.
        return self.may("moderate")

    @property
    def has_accepted_current_license(self) -> bool:
        """Whether the licence the person accepted is the one contributions are published under now."""
        return self.terms_license == settings.MOISSON_LICENSE

    @property
    def is_waiting(self) -> bool:
        """Signed up while sign-ups open in waves and the wave was full: may not write nor review yet."""
        return self.waiting_since is not None

    @property
    def can_contribute(self) -> bool:
        return (
            self.is_authenticated
            and self.has_accepted_terms
            and not self.is_suspended
            and not self.is_waiting
            and self.is_active
        )

    @property
    def public_name(self) -> str | None:
        """The name the public may see: the pseudonym, only for people who opted in."""
        return public_name(self.pseudonym, attribution_opt_in=self.attribution_opt_in)

    @property
    def browser_storage_id(self) -> str:
        """A stable id for this person's copies of drafts in the browser (localStorage keys).

        Keyed by person so that two accounts on one shared browser never see each other's text; a keyed
        hash rather than the primary key, so the id says nothing about who the person is.
        """
        return salted_hmac("moisson.browser-storage", str(self.pk)).hexdigest()[:16]

    def remember_writing_choices(self, *, task_type: str, domain: str, level: str) -> None:
        if (self.last_task_type, self.last_domain, self.last_level) == (task_type, domain, level):
            return
        self.last_task_type, self.last_domain, self.last_level = task_type, domain, level
        self.save(update_fields=["last_task_type", "last_domain", "last_level"])

    def accept_terms(self, *, license: str | None = None) -> None:
        self.terms_accepted_at = timezone.now()
        self.terms_license = license or settings.MOISSON_LICENSE
        self.license_accepted_at = self.terms_accepted_at
        self.save(update_fields=["terms_accepted_at", "terms_license", "license_accepted_at"])

    def accept_license(self) -> None:
        """Accept the current licence again (it changed since the terms step), with its date."""
        self.terms_license = settings.MOISSON_LICENSE
        self.license_accepted_at = timezone.now()
        self.save(update_fields=["terms_license", "license_accepted_at"])


def public_name(pseudonym: str | None, *, attribution_opt_in: bool) -> str | None:
    """The name the public may see of someone with this pseudonym: only for people who opted in
    (`User.public_name`; also for the API's list, which reads these two columns, not the account)."""
    if attribution_opt_in and pseudonym:
        return pseudonym
    return None


def check_pseudonym(pseudonym: str, *, user: User | None = None) -> str:
    """The pseudonym as it is stored, or ValidationError (French message) when it cannot be used.

    Refused: direction controls (they can reverse what is displayed), anything the personal-data checks
    find (an e-mail address or a phone number would be published with every credited pair), and a
    pseudonym that a reader could not tell from someone else's ("alice", "Alice\u200b" and "Аlice" with a
    Cyrillic А are all "Alice").
    """
    if has_bidi_controls(pseudonym):
        raise ValidationError(
            {
                "pseudonym": _(
                    "Your pseudonym contains invisible characters that change the direction of text."
                )
            }
        )
    pseudonym = normalize_text(pseudonym).strip()
    if not pseudonym:
        return ""
    if "\n" in pseudonym or "\t" in pseudonym:
        raise ValidationError({"pseudonym": _("Your pseudonym must fit on one line.")})
    if find_personal_data(pseudonym, field="pseudonym"):
        raise ValidationError(
            {
                "pseudonym": _(
                    "Your pseudonym looks like personal data (an e-mail address, a phone number...). "
                    "It is published with your pairs: please choose another one."
                )
            }
        )
    others = User.objects.filter(pseudonym_key__in=skeletons(pseudonym))
    if user is not None and user.pk is not None:
        others = others.exclude(pk=user.pk)
    if others.exists():
        raise ValidationError(
            {
                "pseudonym": _(
                    "This pseudonym, or one that looks the same, is already taken: please choose another one."
                )
            }
        )
    return pseudonym


class SignupWave(models.Model):
    """One wave of sign-ups (issue 14): opened by a moderator (or automatically, the first), `size` seats.

    Rows are never changed after the wave is opened: together they are the record of who opened what.
    """

    number = models.PositiveIntegerField(_("wave"), unique=True)
    size = models.PositiveIntegerField(_("seats"))
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    admitted_from_line = models.PositiveIntegerField(_("admitted from the waiting line"), default=0)

    class Meta:
        verbose_name = _("sign-up wave")
        verbose_name_plural = _("sign-up waves")
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"#{self.number}"


class Invitation(models.Model):
    """A code a moderator gives a class or a group: whoever signs up with it skips the waiting line."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    label = models.CharField(_("for whom"), max_length=120)
    max_uses = models.PositiveIntegerField(_("number of uses"))
    uses = models.PositiveIntegerField(_("used"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A moderator closes a code that went further than its group (posted publicly, say): no use is spent
    # after that, those already made stay.
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(uses__lte=models.F("max_uses")), name="invitation_uses_within_limit"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def remaining(self) -> int:
        return max(0, self.max_uses - self.uses)
