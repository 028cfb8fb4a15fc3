"""The fields Moisson adds to allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS).

A module of its own: allauth builds its SignupForm on top of this class when `allauth.account.forms` is
imported, and `accounts.forms` imports that module, so this class cannot live there.
"""

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import User
from .waves import InvitationRefused, check_invitation


class SignupExtraForm(forms.Form):
    """What Moisson adds to allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS): an invitation code."""

    invitation = forms.CharField(
        label=_("Invitation code (optional)"),
        required=False,
        max_length=32,
        help_text=_("Given by a teacher or a group leader: you join without waiting."),
    )

    def clean_invitation(self) -> str:
        code = self.cleaned_data["invitation"].strip()
        if code:
            try:
                check_invitation(code)
            except InvitationRefused as refused:
                raise forms.ValidationError(str(refused)) from None
        return code

    def signup(self, request: HttpRequest, user: User) -> None:
        """allauth's hook; the account's place is decided in AccountAdapter.save_user (accounts.waves)."""
