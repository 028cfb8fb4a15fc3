from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .forms import DeleteAccountForm, ProfileForm, TermsForm
from .services import delete_account


@login_required
def terms(request: HttpRequest) -> HttpResponse:
    next_url = request.GET.get("next") or request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    form = TermsForm(request.POST or None, license_name=settings.MOISSON_LICENSE_NAME)
    if request.method == "POST" and form.is_valid():
        request.user.accept_terms()
        messages.success(request, _("Thank you! You can now write and review pairs."))
        return redirect(next_url)
    return render(request, "accounts/terms.html", {"form": form, "next": next_url})


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile has been saved."))
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


def license_page(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/license.html")


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/privacy.html")


@login_required
def delete(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        delete_account(user=request.user)
        logout(request)
        messages.success(request, _("Your account has been deleted. Thank you for your contributions."))
        return redirect("collect:home")
    return render(request, "accounts/delete.html", {"form": form})
