import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from collect.models import Pair, Status
from review.models import RejectionReason, Report, Review, Skip, SuggestionState, Verdict
from tests.factories import make_pair, make_user, vote

pytestmark = pytest.mark.django_db

NEXT = reverse("review:next")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def vote_data(pair: Pair, **overrides: object) -> dict:
    data = {
        "pair": str(pair.pk),
        "revision": pair.revision_number,
        "verdict": "approve",
        "correctness": "4",
        "fluency": "5",
        "comment": "",
        "suggested_question": pair.question,
        "suggested_answer": pair.answer,
    }
    data.update(overrides)
    return data


# The review page


def test_the_review_page_shows_the_next_pair_with_the_vote_form(contributor_client):
    pair = make_pair()
    response = contributor_client.get(NEXT)
    assert response.status_code == 200
    assert escape(pair.question) in response.content.decode()
    assert b'name="verdict"' in response.content


def test_the_review_page_shows_how_many_pairs_wait(contributor_client):
    make_pair()
    make_pair()
    response = contributor_client.get(NEXT)
    assert response.context["pending_count"] == 2


def test_the_review_page_shows_the_keyboard_shortcuts(contributor_client):
    make_pair()
    response = contributor_client.get(NEXT)
    assert b"js/review.js" in response.content
    assert b"<kbd>A</kbd>" in response.content


def test_the_review_page_never_shows_the_reviewers_own_pair(contributor_client, contributor):
    pair = make_pair(author=contributor)
    response = contributor_client.get(NEXT)
    assert response.context["pair"] is None
    assert escape(pair.question) not in response.content.decode()


def test_the_review_page_hides_the_author_and_the_other_votes_before_voting(contributor_client):
    author = make_user(username="zephyrine_autrice", pseudonym="Zéphyrine", attribution_opt_in=True)
    pair = make_pair(author=author)
    vote(pair, verdict=Verdict.REJECT, comment="commentaire-secret-du-premier-relecteur")
    content = contributor_client.get(NEXT).content.decode()
    assert escape(pair.question) in content
    assert "Zéphyrine" not in content
    assert "zephyrine_autrice" not in content
    assert "commentaire-secret-du-premier-relecteur" not in content


def test_after_voting_on_an_undecided_pair_the_tally_stays_blind(contributor_client):
    author = make_user(pseudonym="Zéphyrine", attribution_opt_in=True)
    pair = make_pair(author=author)
    vote(pair, verdict=Verdict.REJECT, comment="commentaire-du-premier-relecteur")
    contributor_client.get(NEXT)
    response = contributor_client.post(NEXT, vote_data(pair, comment="mon-commentaire"), follow=True)
    content = response.content.decode()
    pair.refresh_from_db()
    assert pair.status == Status.PENDING
    assert response.redirect_chain[-1][0] == reverse("review:tally", args=[pair.pk])
    assert "mon-commentaire" in content
    assert "Zéphyrine" not in content
    assert "commentaire-du-premier-relecteur" not in content


def test_once_the_pair_is_decided_the_tally_shows_the_votes_and_the_author(contributor_client, contributor):
    author = make_user(pseudonym="Zéphyrine", attribution_opt_in=True)
    pair = make_pair(author=author)
    vote(pair, comment="commentaire-du-premier-relecteur")
    vote(pair, reviewer=contributor)
    pair.refresh_from_db()
    assert pair.status == Status.VALIDATED
    content = contributor_client.get(reverse("review:tally", args=[pair.pk])).content.decode()
    assert "Zéphyrine" in content
    assert "commentaire-du-premier-relecteur" in content


def test_the_tally_is_hidden_from_someone_who_has_not_voted(contributor_client):
    pair = make_pair()
    vote(pair, comment="commentaire-cache")
    response = contributor_client.get(reverse("review:tally", args=[pair.pk]))
    assert response.status_code == 302
    assert response["Location"] == NEXT


def test_voting_records_the_review(contributor_client, contributor):
    pair = make_pair()
    contributor_client.get(NEXT)  # the review page hands the pair out
    contributor_client.post(NEXT, vote_data(pair, comment="Très clair."))
    review = Review.objects.get(reviewer=contributor)
    assert (review.verdict, review.correctness, review.fluency, review.comment) == (
        "approve",
        4,
        5,
        "Très clair.",
    )
    assert review.suggestion_state == SuggestionState.NONE


def test_voting_on_ones_own_pair_is_forbidden(contributor_client, contributor):
    pair = make_pair(author=contributor)
    response = contributor_client.post(NEXT, vote_data(pair))
    assert response.status_code == 403
    assert not Review.objects.exists()


def test_a_rejection_without_reason_is_shown_again_with_an_error(contributor_client):
    pair = make_pair()
    contributor_client.get(NEXT)  # the review page hands the pair out
    response = contributor_client.post(NEXT, vote_data(pair, verdict="reject"))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Review.objects.exists()


def test_a_rejection_with_reasons_is_recorded(contributor_client, contributor):
    pair = make_pair()
    contributor_client.get(NEXT)  # the review page hands the pair out
    contributor_client.post(NEXT, vote_data(pair, verdict="reject", reasons=["incomplete", "poor_french"]))
    assert Review.objects.get(reviewer=contributor).reasons == ["incomplete", "poor_french"]


def test_a_vote_on_a_stale_revision_sends_the_reviewer_to_the_next_pair(contributor_client):
    pair = make_pair()
    response = contributor_client.post(NEXT, vote_data(pair, revision=pair.revision_number + 1))
    assert response.status_code == 302
    assert not Review.objects.exists()


def test_a_second_vote_is_refused(contributor_client, contributor):
    pair = make_pair()
    contributor_client.get(NEXT)  # the review page hands the pair out
    contributor_client.post(NEXT, vote_data(pair))
    contributor_client.post(NEXT, vote_data(pair, verdict="reject", reasons=["spam"]))
    assert Review.objects.filter(reviewer=contributor).count() == 1


def test_a_suggested_edit_is_recorded(contributor_client, contributor):
    pair = make_pair()
    contributor_client.get(NEXT)  # the review page hands the pair out
    contributor_client.post(NEXT, vote_data(pair, suggested_answer="Une meilleure réponse, plus complète."))
    assert Review.objects.get(reviewer=contributor).suggestion_state == SuggestionState.OPEN


def test_the_queue_filter_is_kept_for_the_session(contributor_client):
    make_pair(domain="maths")
    health = make_pair(domain="health")
    response = contributor_client.get(NEXT, {"filter": "1", "domains": ["health"]})
    assert response.context["pair"] == health
    Pair.objects.filter(pk=health.pk).update(held_by=None, held_until=None, status=Status.WITHDRAWN)
    assert contributor_client.get(NEXT).context["pair"] is None


def test_the_review_page_sends_anonymous_visitors_to_login(client):
    response = client.get(NEXT)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_the_review_page_refuses_a_suspended_account():
    response = client_for(make_user(suspended_at=timezone.now())).get(NEXT)
    assert response.status_code == 403


def test_the_review_page_refuses_other_methods(contributor_client):
    assert contributor_client.put(NEXT).status_code == 405


# Skip


def test_skipping_passes_to_another_pair(contributor_client, contributor):
    pair = make_pair()
    response = contributor_client.post(reverse("review:skip"), {"pair": str(pair.pk)})
    assert response.status_code == 302
    assert Skip.objects.filter(reviewer=contributor, pair=pair).exists()


def test_skipping_needs_a_signed_in_contributor(client):
    response = client.post(reverse("review:skip"), {"pair": str(make_pair().pk)})
    assert response.status_code == 302
    assert not Skip.objects.exists()


def test_skipping_refuses_a_suspended_account():
    response = client_for(make_user(suspended_at=timezone.now())).post(
        reverse("review:skip"), {"pair": str(make_pair().pk)}
    )
    assert response.status_code == 403


def test_skipping_is_a_post(contributor_client):
    assert contributor_client.get(reverse("review:skip")).status_code == 405


# Reports


def test_the_report_page_shows_the_form(contributor_client):
    pair = make_pair(status=Status.VALIDATED)
    response = contributor_client.get(reverse("review:report", args=[pair.pk]))
    assert response.status_code == 200
    assert b'name="reason"' in response.content


def test_reporting_a_pair_records_the_report_and_keeps_it_in_review(contributor_client, contributor):
    pair = make_pair()
    response = contributor_client.post(
        reverse("review:report", args=[pair.pk]), {"reason": "Données personnelles"}
    )
    assert response.status_code == 302
    pair.refresh_from_db()
    assert pair.status == Status.PENDING
    assert Report.objects.get().reporter == contributor


def test_reporting_needs_the_charter_accepted():
    pair = make_pair(status=Status.VALIDATED)
    response = client_for(make_user(accepted=False)).post(
        reverse("review:report", args=[pair.pk]), {"reason": "Faux"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:terms"))
    assert not Report.objects.exists()


def test_the_author_cannot_report_their_own_pair_on_the_web(contributor_client, contributor):
    pair = make_pair(author=contributor)
    response = contributor_client.post(reverse("review:report", args=[pair.pk]), {"reason": "Faux"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Report.objects.exists()


def test_reporting_needs_a_signed_in_user(client):
    pair = make_pair(status=Status.VALIDATED)
    response = client.post(reverse("review:report", args=[pair.pk]), {"reason": "Faux"})
    assert response.status_code == 302
    assert not Report.objects.exists()


def test_a_suspended_account_cannot_report():
    pair = make_pair(status=Status.VALIDATED)
    response = client_for(make_user(suspended_at=timezone.now())).get(
        reverse("review:report", args=[pair.pk])
    )
    assert response.status_code == 403


def test_a_draft_cannot_be_reported(contributor_client):
    pair = make_pair(status=Status.DRAFT)
    assert contributor_client.get(reverse("review:report", args=[pair.pk])).status_code == 404


def test_the_report_page_refuses_other_methods(contributor_client):
    pair = make_pair(status=Status.VALIDATED)
    assert contributor_client.delete(reverse("review:report", args=[pair.pk])).status_code == 405


# Suggestions, for the author


def suggested(pair: Pair) -> Review:
    return vote(
        pair, verdict=Verdict.REJECT, suggested_answer="Une réponse reprise par un relecteur, plus juste."
    )


def test_the_author_sees_the_reviews_of_their_pair(contributor_client, contributor):
    pair = make_pair(author=contributor)
    vote(pair, verdict=Verdict.REJECT, reasons=["factually_wrong"], comment="La date est fausse.")
    content = contributor_client.get(reverse("collect:detail", args=[pair.pk])).content.decode()
    assert "La date est fausse." in content
    with translation.override("fr"):
        assert escape(str(RejectionReason.FACTUALLY_WRONG.label)) in content


def test_reviewers_are_named_to_the_author_only_when_they_opted_in(contributor_client, contributor):
    pair = make_pair(author=contributor)
    vote(pair, reviewer=make_user(username="discret_relecteur", pseudonym="Discret"))
    vote(pair, reviewer=make_user(pseudonym="Public", attribution_opt_in=True))
    content = contributor_client.get(reverse("collect:detail", args=[pair.pk])).content.decode()
    assert "Public" in content
    assert "Discret" not in content
    assert "discret_relecteur" not in content


def test_the_author_accepts_a_suggestion(contributor_client, contributor):
    pair = make_pair(author=contributor)
    review = suggested(pair)
    response = contributor_client.post(reverse("review:suggestion", args=[review.pk]), {"action": "accept"})
    assert response.status_code == 302
    pair.refresh_from_db()
    assert pair.revision_number == 2


def test_the_author_dismisses_a_suggestion(contributor_client, contributor):
    review = suggested(make_pair(author=contributor))
    contributor_client.post(reverse("review:suggestion", args=[review.pk]), {"action": "dismiss"})
    review.refresh_from_db()
    assert review.suggestion_state == SuggestionState.DISMISSED


def test_someone_else_cannot_handle_the_suggestion(contributor_client):
    review = suggested(make_pair())
    response = contributor_client.post(reverse("review:suggestion", args=[review.pk]), {"action": "accept"})
    assert response.status_code == 404


def test_handling_a_suggestion_needs_a_signed_in_author(client):
    review = suggested(make_pair())
    assert (
        client.post(reverse("review:suggestion", args=[review.pk]), {"action": "accept"}).status_code == 302
    )
    review.refresh_from_db()
    assert review.suggestion_state == SuggestionState.OPEN


def test_handling_a_suggestion_is_a_post(contributor_client, contributor):
    review = suggested(make_pair(author=contributor))
    assert contributor_client.get(reverse("review:suggestion", args=[review.pk])).status_code == 405


# Dashboard and leaderboard


def test_the_dashboard_counts_what_the_contributor_did(contributor_client, contributor):
    make_pair(author=contributor, status=Status.VALIDATED)
    make_pair(author=contributor)
    agreed = make_pair()
    vote(agreed, reviewer=contributor)
    vote(agreed)
    disagreed = make_pair()
    vote(disagreed, reviewer=contributor)
    vote(disagreed, verdict=Verdict.REJECT)
    vote(disagreed, verdict=Verdict.REJECT)
    vote(disagreed, verdict=Verdict.REJECT)
    summary = contributor_client.get(reverse("review:dashboard")).context["summary"]
    assert (summary["written"], summary["validated"], summary["reviewed"]) == (2, 1, 2)
    assert (summary["agreed"], summary["decided"], summary["agreement_rate"]) == (1, 2, 0.5)


def test_the_dashboard_needs_a_signed_in_contributor(client):
    assert client.get(reverse("review:dashboard")).status_code == 302


def test_the_dashboard_refuses_a_suspended_account():
    response = client_for(make_user(suspended_at=timezone.now())).get(reverse("review:dashboard"))
    assert response.status_code == 403


def test_the_dashboard_is_read_only(contributor_client):
    assert contributor_client.post(reverse("review:dashboard")).status_code == 405


def test_the_leaderboard_is_public_and_lists_only_credited_contributors(client):
    credited = make_user(pseudonym="Capucine", attribution_opt_in=True)
    hidden = make_user(pseudonym="Incognito")
    for author in (credited, hidden):
        make_pair(author=author, status=Status.VALIDATED)
    response = client.get(reverse("review:leaderboard"), {"period": "all"})
    assert response.status_code == 200
    assert "Capucine" in response.content.decode()
    assert "Incognito" not in response.content.decode()


def test_the_leaderboard_of_the_week_leaves_out_older_work(client):
    author = make_user(pseudonym="Capucine", attribution_opt_in=True)
    pair = make_pair(author=author, status=Status.VALIDATED)
    Pair.objects.filter(pk=pair.pk).update(validated_at=timezone.now() - timezone.timedelta(days=10))
    response = client.get(reverse("review:leaderboard"), {"period": "week"})
    assert response.context["writers"] == []


def test_the_leaderboard_counts_reviews(client):
    reviewer = make_user(pseudonym="Relectrice", attribution_opt_in=True)
    vote(make_pair(), reviewer=reviewer)
    response = client.get(reverse("review:leaderboard"))
    assert response.context["reviewers"] == [{"pseudonym": "Relectrice", "n": 1}]


def test_the_leaderboard_is_read_only(client):
    assert client.post(reverse("review:leaderboard")).status_code == 405


# Navigation


def test_anonymous_visitors_see_only_the_leaderboard_link(client):
    content = client.get(reverse("collect:home")).content.decode()
    assert reverse("review:leaderboard") in content
    assert reverse("review:next") not in content
    assert reverse("review:queue") not in content


def test_contributors_see_review_and_dashboard_but_not_moderation(contributor_client):
    content = contributor_client.get(reverse("collect:home")).content.decode()
    assert reverse("review:next") in content
    assert reverse("review:dashboard") in content
    assert reverse("review:queue") not in content


def test_moderators_see_the_moderation_link(moderator_client):
    assert reverse("review:queue") in moderator_client.get(reverse("collect:home")).content.decode()


def test_someone_elses_draft_cannot_be_reached_through_the_vote_form(contributor_client):
    draft = make_pair(status=Status.DRAFT)
    response = contributor_client.post(NEXT, {"pair": str(draft.pk)})
    assert response.status_code == 404


def test_an_incomplete_vote_on_a_pair_no_longer_pending_goes_to_the_next_pair(contributor_client):
    pair = make_pair(status=Status.WITHDRAWN)
    response = contributor_client.post(NEXT, {"pair": str(pair.pk)})
    assert response.status_code == 302
    assert escape(pair.question) not in response.content.decode()


def test_the_queue_filter_can_be_remembered_as_the_reviewers_preference(contributor_client, contributor):
    contributor_client.get(
        reverse("review:next"), {"filter": "1", "domains": ["health"], "levels": ["lycee"], "remember": "on"}
    )
    contributor.refresh_from_db()
    assert contributor.review_domains == ["health"]
    assert contributor.review_levels == ["lycee"]
