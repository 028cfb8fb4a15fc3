"""The final answer through every door: writing page, live check, API, review, suggestions, releases."""

import pyarrow.parquet as pq
import pytest
from django.test import Client
from django.urls import reverse

from collect.models import Pair, Status
from collect.services import submit_pair
from review.models import SuggestionState
from review.services import accept_suggestion
from tests.factories import make_pair, make_release, make_user, pair_text, vote

pytestmark = pytest.mark.django_db

SUM = "Combien font 12 × 7 ? Explique le calcul étape par étape."
SUM_ANSWER = "On multiplie 12 par 7 : 10 × 7 = 70, puis 2 × 7 = 14, et 70 + 14 = 84. Le résultat est 84."


def reasoning(**overrides: object) -> dict:
    return (
        pair_text()
        | {"question": "Combien font 12 × 7 ?", "answer": SUM_ANSWER, "task_type": "reasoning"}
        | overrides
    )


def form_data(**overrides: object) -> dict:
    return reasoning(**overrides) | {"accept_license": "on", "declaration": "on", "action": "submit"}


def test_a_submitted_final_answer_is_stored_normalised_on_the_pair_and_its_revision(
    contributor_client, contributor
):
    contributor_client.post(reverse("collect:write"), form_data(final_answer=" 84 "))

    pair = Pair.objects.get(author=contributor)
    assert pair.status == Status.PENDING
    assert (pair.final_answer, pair.final_answer_checked) == ("84", True)
    assert (pair.current_revision.final_answer, pair.current_revision.final_answer_checked) == ("84", True)


def test_a_wrong_final_answer_is_submitted_with_a_warning_the_reviewers_see(contributor_client, contributor):
    response = contributor_client.post(reverse("collect:write"), form_data(final_answer="85"), follow=True)

    assert any("84" in str(message) and "85" in str(message) for message in response.context["messages"])

    pair = Pair.objects.get(author=contributor)
    assert pair.status == Status.PENDING
    assert pair.final_answer_checked is False
    assert [f["code"] for f in pair.current_revision.findings] == ["final_answer_mismatch"]

    reviewer = Client()
    reviewer.force_login(make_user())
    page = reviewer.get(reverse("review:next")).content.decode()
    assert "final_answer_mismatch" not in page  # codes stay internal; the message is shown
    assert "Le site calcule 84 pour cette question" in page
    assert 'name="suggested_final_answer"' in page


def test_the_live_check_warns_while_the_author_types_a_wrong_final_answer(contributor_client):
    response = contributor_client.post(reverse("collect:live_check"), reasoning(final_answer="85"))

    assert 'data-code="final_answer_mismatch"' in response.content.decode()


def test_the_live_check_is_quiet_about_a_right_final_answer(contributor_client):
    response = contributor_client.post(reverse("collect:live_check"), reasoning(final_answer="84"))

    assert "final_answer_mismatch" not in response.content.decode()


def test_the_writing_page_has_the_final_answer_field(contributor_client):
    response = contributor_client.get(reverse("collect:write"))

    assert 'name="final_answer"' in response.content.decode()


def test_the_api_writes_and_reads_the_final_answer(contributor):
    client = Client()
    client.force_login(contributor)
    response = client.post(
        "/api/v1/pairs/",
        reasoning(final_answer="1 234,50", question="Combien font 1 000 + 234,5 ?"),
        content_type="application/json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["final_answer"] == "1234,5"
    assert response.json()["final_answer_checked"] is True
    assert response.json()["source"] == ""


def test_a_final_answer_is_not_kept_for_a_task_type_without_one(contributor):
    pair = submit_pair(author=contributor, data=reasoning(task_type="open_qa", final_answer="84"))

    assert pair.final_answer == ""


def test_a_reviewer_correction_of_the_final_answer_becomes_a_new_revision_when_accepted(contributor):
    pair = submit_pair(author=contributor, data=reasoning(final_answer="85"))
    review = vote(pair, suggested_final_answer=" 84 ")
    assert (review.suggested_final_answer, review.suggestion_state) == ("84", SuggestionState.OPEN)

    pair = accept_suggestion(author=contributor, review=review)

    assert pair.revision_number == 2
    assert (pair.final_answer, pair.final_answer_checked) == ("84", True)
    assert pair.current_revision.final_answer == "84"


def test_confirming_the_final_answer_is_no_suggestion(contributor):
    pair = submit_pair(author=contributor, data=reasoning(final_answer="84"))

    review = vote(pair, suggested_final_answer="84")

    assert review.suggestion_state == SuggestionState.NONE


def test_released_rows_carry_the_final_answer_and_whether_the_site_checked_it(settings, tmp_path):
    settings.RELEASES_ROOT = tmp_path / "releases"
    settings.HF_DATASET_REPO = ""
    checked = make_pair(
        status=Status.VALIDATED, task_type="reasoning", final_answer="84", final_answer_checked=True
    )
    plain = make_pair(status=Status.VALIDATED)

    release = make_release()

    rows = {}
    for file in release.files:
        if file["path"].endswith(".parquet"):
            rows |= {row["id"]: row for row in pq.read_table(release.directory / file["path"]).to_pylist()}
    assert (rows[str(checked.pk)]["final_answer"], rows[str(checked.pk)]["final_answer_checked"]) == (
        "84",
        True,
    )
    assert (rows[str(plain.pk)]["final_answer"], rows[str(plain.pk)]["final_answer_checked"]) == (None, False)
    assert rows[str(plain.pk)]["source"] is None
    card = (release.directory / "README.md").read_text(encoding="utf-8")
    assert "`final_answer_checked`" in card


def test_reviewers_see_the_final_answer_and_correct_it_through_the_api(contributor):
    from tests.fixtures.api import api_client

    pair = submit_pair(author=contributor, data=reasoning(final_answer="85"))
    client = api_client(make_user())
    item = client.get("/api/v1/review/next/").json()
    assert (item["final_answer"], item["final_answer_checked"]) == ("85", False)
    assert [w["code"] for w in item["warnings"]] == ["final_answer_mismatch"]

    response = client.post(
        "/api/v1/reviews/",
        {
            "pair": str(pair.pk),
            "revision": 1,
            "verdict": "reject",
            "reasons": ["factually_wrong"],
            "correctness": 2,
            "fluency": 5,
            "suggested_final_answer": "84",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert pair.reviews.get().suggested_final_answer == "84"


def test_a_moderator_corrects_the_final_answer_when_editing_a_pair(contributor, moderator_client):
    pair = submit_pair(author=contributor, data=reasoning(final_answer="85"))
    data = {
        "action": "edit",
        "question": pair.question,
        "context": "",
        "answer": pair.answer,
        "final_answer": "84",
        "reason": "Réponse finale fausse",
    }

    response = moderator_client.post(reverse("review:moderate", args=[pair.pk]), data)

    assert response.status_code == 302
    pair.refresh_from_db()
    assert (pair.revision_number, pair.final_answer, pair.final_answer_checked) == (2, "84", True)
