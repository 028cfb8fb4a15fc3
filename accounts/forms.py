from allauth.account.forms import AddEmailForm as AllauthAddEmailForm
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import User


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


# One vocabulary for accounts on every page: "Adresse e-mail", "Se connecter", "Créer un compte".
# The labels are visible above each field, so allauth's placeholders would only repeat them.
_ACCOUNT_LABELS = {
    "email": _("E-mail address"),
    "username": _("Username"),
    "login": _("Username or e-mail address"),
    "password": _("Password"),
    "password1": _("Password"),
    "password2": _("Password (again)"),
}


def _relabel(form: forms.Form) -> None:
    for name, field in form.fields.items():
        if name in _ACCOUNT_LABELS:
            field.label = _ACCOUNT_LABELS[name]
        field.widget.attrs.pop("placeholder", None)


class SignupForm(AllauthSignupForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        _relabel(self)


class LoginForm(AllauthLoginForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        _relabel(self)


class AddEmailForm(AllauthAddEmailForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        _relabel(self)


class ResetPasswordForm(AllauthResetPasswordForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        _relabel(self)


class InvitationCodeForm(forms.Form):
    code = forms.CharField(label=_("Invitation code"), max_length=32)


class OpenWaveForm(forms.Form):
    size = forms.IntegerField(label=_("Seats in the wave"), min_value=1, max_value=100_000)
    # The newest wave when the page was shown: a second click opens no second wave (waves.open_next_wave).
    after = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)


class InvitationForm(forms.Form):
    label = forms.CharField(
        label=_("For whom"), max_length=120, help_text=_("A class, a school, an association…")
    )
    max_uses = forms.IntegerField(label=_("Number of uses"), min_value=1, max_value=1000)
