from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request: HttpRequest) -> str:
        # The charter and the licence come before anything else a contributor does.
        if not request.user.has_accepted_terms:
            return reverse("accounts:terms")
        return super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        # Where a new person lands once logged in, including on confirming their e-mail address.
        return reverse("accounts:terms")
