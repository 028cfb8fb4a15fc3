from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from . import waves
from .decorators import moderator_required
from .forms import DeleteAccountForm, InvitationCodeForm, InvitationForm, OpenWaveForm, ProfileForm, TermsForm
from .models import Invitation, SignupWave
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
    return render(
        request, "accounts/privacy.html", {"unconfirmed_days": settings.MOISSON_UNCONFIRMED_ACCOUNT_DAYS}
    )


@login_required
def delete(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        delete_account(user=request.user)
        logout(request)
        messages.success(request, _("Your account has been deleted. Thank you for your contributions."))
        return redirect("collect:home")
    return render(request, "accounts/delete.html", {"form": form})


@login_required
def waiting(request: HttpRequest) -> HttpResponse:
    """Where an account waiting for its wave stands, and the door for an invitation code."""
    if not request.user.is_waiting:
        return redirect("collect:home")
    form = InvitationCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            waves.use_invitation(user=request.user, code=form.cleaned_data["code"])
        except waves.InvitationRefused as refused:
            form.add_error("code", str(refused))
        else:
            messages.success(request, _("Welcome! Your invitation lets you start right away."))
            return redirect("accounts:terms" if not request.user.has_accepted_terms else "collect:home")
    context = {
        "form": form,
        "place": waves.place_in_line(request.user),
        "wave_size": settings.MOISSON_SIGNUP_WAVE_SIZE,
    }
    return render(request, "accounts/waiting.html", context)


@moderator_required
def wave_admin(request: HttpRequest) -> HttpResponse:
    """Moderators open the next wave of sign-ups and give invitation codes to classes and groups."""
    current = waves.current_wave()
    wave_form = OpenWaveForm(
        initial={"size": settings.MOISSON_SIGNUP_WAVE_SIZE or 100, "after": current.number if current else 0}
    )
    invitation_form = InvitationForm()
    if request.method == "POST" and request.POST.get("action") == "open":
        wave_form = OpenWaveForm(request.POST)
        if wave_form.is_valid():
            chosen = wave_form.cleaned_data
            try:
                wave = waves.open_next_wave(by=request.user, size=chosen["size"], after=chosen["after"])
            except waves.WaveAlreadyOpened as refused:
                messages.info(request, str(refused))
            else:
                opened = _(
                    "Wave %(number)d is open: %(admitted)d waiting people were admitted and told by e-mail."
                ) % {"number": wave.number, "admitted": wave.admitted_from_line}
                messages.success(request, opened)
            return redirect("accounts:waves")
    elif request.method == "POST" and request.POST.get("action") == "invite":
        invitation_form = InvitationForm(request.POST)
        if invitation_form.is_valid():
            invitation = waves.create_invitation(by=request.user, **invitation_form.cleaned_data)
            messages.success(
                request,
                _("Invitation code for %(label)s: %(code)s")
                % {"label": invitation.label, "code": waves.display_code(invitation.code)},
            )
            return redirect("accounts:waves")
    elif request.method == "POST" and request.POST.get("action") == "close":
        chosen = request.POST.get("invitation", "")
        invitation = get_object_or_404(Invitation, pk=int(chosen) if chosen.isdigit() else None)
        waves.close_invitation(by=request.user, invitation=invitation)
        messages.success(
            request,
            _("The code %(code)s is closed: nobody can use it any more.")
            % {"code": waves.display_code(invitation.code)},
        )
        return redirect("accounts:waves")
    context = {
        "enabled": waves.waves_enabled(),
        "current": current,
        "seats_taken": waves.seats_taken(current) if current else 0,
        "waiting_count": waves.waiting_count(),
        "unconfirmed_count": waves.unconfirmed_count(),
        "wave_form": wave_form,
        "invitation_form": invitation_form,
        "history": SignupWave.objects.select_related("opened_by")[:50],
        "invitations": [
            (invitation, waves.display_code(invitation.code))
            for invitation in Invitation.objects.select_related("created_by", "closed_by")[:100]
        ],
    }
    return render(request, "accounts/waves.html", context)
