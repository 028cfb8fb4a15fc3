"""API of the accounts app: trading a username (or e-mail address) and password for a token (SPEC §7)."""

from allauth.account.utils import has_verified_email
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from moisson.api import error_responses


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(help_text="Username or e-mail address.")
    password = serializers.CharField(trim_whitespace=False, write_only=True, style={"input_type": "password"})

    def validate(self, attrs: dict) -> dict:
        # The same backends as the login page: username or e-mail address, inactive accounts refused, and
        # the per-account lockout (django-axes), which marks the Django request, not DRF's wrapper of it.
        request = self.context["request"]._request
        user = authenticate(request, username=attrs["username"], password=attrs["password"])
        if user is None:
            raise serializers.ValidationError(
                _("The username or e-mail address and the password do not match."), code="authorization"
            )
        if not has_verified_email(user):
            # As on the login page (ACCOUNT_EMAIL_VERIFICATION = "mandatory").
            raise serializers.ValidationError(
                _("Please confirm your e-mail address first: we sent you a link when you signed up."),
                code="authorization",
            )
        attrs["user"] = user
        return attrs


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`.")


class ObtainTokenView(generics.GenericAPIView):
    """Exchange a username or e-mail address and a password for an API token (the same token each time)."""

    serializer_class = TokenRequestSerializer
    # Credentials are the authentication here; a session cookie must not bring CSRF into it.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_scope = "auth"

    @extend_schema(responses={status.HTTP_200_OK: TokenSerializer, **error_responses(400, 429)})
    def post(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response(TokenSerializer({"token": token.key}).data)
