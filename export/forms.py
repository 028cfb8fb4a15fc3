from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from .models import VERSION_PATTERN


class StartReleaseForm(forms.Form):
    version = forms.CharField(
        label=_("Version"),
        max_length=24,
        validators=[RegexValidator(VERSION_PATTERN, _("A version looks like v1.2.0."))],
        help_text=_("Minor (v1.3.0) for new pairs, major (v2.0.0) when the columns change."),
    )
