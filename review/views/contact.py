"""The public contact form: anyone, account or not, can reach the moderators; a moderator marks a message
handled. The rules are review.contact's."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import moderator_required
from moisson.http import query_parameter
from moisson.network import client_ip
from review.contact import handle_contact_request, receive_contact_request
from review.errors import InvalidAction, TooManyMessages
from review.forms import ContactForm, ContactHandledForm
from review.models import ContactKind, ContactRequest


@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest) -> HttpResponse:
    initial = {
        "kind": query_parameter(request, "kind", former="objet"),
        "pair_reference": query_parameter(request, "pair", former="paire"),
    }
    if initial["kind"] not in ContactKind.values:
        initial["kind"] = ""
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["website"]:
            # A robot filled the hidden field: it gets the same answer as a person, and nothing is kept.
            return redirect("review:contact_sent")
        data = {
            name: form.cleaned_data[name] for name in ("kind", "email", "message", "name", "pair_reference")
        }
        try:
            receive_contact_request(client_ip=client_ip(request), **data)
        except TooManyMessages as refused:
            form.add_error(None, str(refused))
            return render(request, "review/contact.html", {"form": form}, status=429)
        except InvalidAction as refused:
            form.add_error(None, str(refused))
        else:
            return redirect("review:contact_sent")
    return render(request, "review/contact.html", {"form": form})


@require_GET
def contact_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "review/contact_sent.html")


@moderator_required
@require_POST
def contact_handled(request: HttpRequest, request_id: int) -> HttpResponse:
    contact_request = get_object_or_404(ContactRequest, pk=request_id)
    form = ContactHandledForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what was done with this message."))
        return redirect("review:queue")
    try:
        handle_contact_request(
            moderator=request.user, request=contact_request, note=form.cleaned_data["note"]
        )
    except InvalidAction as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("The message is marked as handled."))
    return redirect("review:queue")
