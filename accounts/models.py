from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MODERATORS_GROUP = "moderators"


class User(AbstractUser):
    """A person of Moisson. The profile lives here: one row per person keeps queries simple."""

    pseudonym = models.CharField(
        _("pseudonym"),
        max_length=60,
        blank=True,
        help_text=_("The public name shown with your pairs if you choose to be credited."),
    )
    attribution_opt_in = models.BooleanField(
        _("credit me by my pseudonym"),
        default=False,
        help_text=_("Your pseudonym appears in the published dataset and the leaderboard."),
    )
    terms_accepted_at = models.DateTimeField(_("charter and licence accepted at"), null=True, blank=True)
    terms_license = models.CharField(_("licence accepted"), max_length=40, blank=True)
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)
    suspension_reason = models.TextField(_("suspension reason"), blank=True)
    review_domains = models.JSONField(_("domains I review"), default=list, blank=True)
    review_levels = models.JSONField(_("levels I review"), default=list, blank=True)
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
        ]
        indexes = [
            # accounts.waves: the waiting line in order (place in line, the next wave's members).
            models.Index(
                fields=["waiting_since", "id"],
                condition=Q(waiting_since__isnull=False),
                name="user_waiting_line",
            ),
        ]

    @property
    def has_accepted_terms(self) -> bool:
        return self.terms_accepted_at is not None

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None

    @property
    def is_moderator(self) -> bool:
        return self.has_perm("accounts.moderate")

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
        if self.attribution_opt_in and self.pseudonym:
            return self.pseudonym
        return None

    def accept_terms(self, *, license: str | None = None) -> None:
        self.terms_accepted_at = timezone.now()
        self.terms_license = license or settings.MOISSON_LICENSE
        self.save(update_fields=["terms_accepted_at", "terms_license"])


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
