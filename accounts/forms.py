from django import forms
from django.utils.translation import gettext_lazy as _

from collect.models import Domain, Level

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
    review_domains = forms.MultipleChoiceField(
        label=_("Domains I review"),
        choices=Domain.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty to review every domain."),
    )
    review_levels = forms.MultipleChoiceField(
        label=_("School levels I review"),
        choices=Level.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty to review every level."),
    )

    class Meta:
        model = User
        fields = ["pseudonym", "attribution_opt_in", "review_domains", "review_levels"]

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
