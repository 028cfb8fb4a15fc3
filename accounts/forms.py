from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import User
from .waves import InvitationRefused, check_invitation


class TermsForm(forms.Form):
    accept_charter = forms.BooleanField(
        label=_("I have read the contributor charter and I will follow it."), required=True
    )
    accept_license = forms.BooleanField(required=True)

    def __init__(self, *args: object, license_name: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["accept_license"].label = _(
            "I agree that my contributions are published under the %(license)s licence."
        ) % {"license": license_name}


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["pseudonym", "attribution_opt_in"]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("attribution_opt_in") and not data.get("pseudonym"):
            self.add_error("pseudonym", _("Choose a pseudonym to be credited."))
        return data


class DeleteAccountForm(forms.Form):
    password = forms.CharField(label=_("Your password, to confirm"), widget=forms.PasswordInput)

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This password is not correct."))
        return password


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


class InvitationCodeForm(forms.Form):
    code = forms.CharField(label=_("Invitation code"), max_length=32)


class OpenWaveForm(forms.Form):
    size = forms.IntegerField(label=_("Seats in the wave"), min_value=1, max_value=100_000)


class InvitationForm(forms.Form):
    label = forms.CharField(
        label=_("For whom"), max_length=120, help_text=_("A class, a school, an association…")
    )
    max_uses = forms.IntegerField(label=_("Number of uses"), min_value=1, max_value=1000)
