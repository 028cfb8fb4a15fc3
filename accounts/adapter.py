from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.forms import Form
from django.http import HttpRequest
from django.urls import reverse

from moisson import mail

from .models import User
from .waves import place_new_account


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user: User, form: Form, commit: bool = True) -> User:
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            # Opening in waves: admitted now (invitation, seat left in the wave) or in line.
            place_new_account(user=user, invitation_code=form.cleaned_data.get("invitation", ""))
        return user

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        # Someone waiting for their wave learns where they stand first.
        if request.user.is_waiting:
            return reverse("accounts:waiting")
        # The charter and the licence come before anything else a contributor does.
        if not request.user.has_accepted_terms:
            return reverse("accounts:terms")
        return super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        # Where a new person lands once logged in, including on confirming their e-mail address: where they
        # stand in line if their wave is not open yet, the terms otherwise.
        if request.user.is_waiting:
            return reverse("accounts:waiting")
        return reverse("accounts:terms")

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # allauth's, but a mail server that fails hands the e-mail to the worker instead of an error page
        # after the account is made (moisson.mail).
        request = allauth_context.request
        data = {"request": request, "email": email, "current_site": get_current_site(request), **context}
        mail.send(self.render_mail(template_prefix, email, data))
