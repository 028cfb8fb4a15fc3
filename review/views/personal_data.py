"""The download of one's personal data (review.personal_data)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse

from review.personal_data import personal_data_of


@login_required
def my_data(request: HttpRequest) -> JsonResponse:
    """Everything Moisson keeps about the signed-in person, as a JSON download."""
    response = JsonResponse(
        personal_data_of(request.user), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    response["Content-Disposition"] = 'attachment; filename="moisson-mes-donnees.json"'
    return response
