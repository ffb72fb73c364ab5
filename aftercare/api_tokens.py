"""The caller's own API tokens: list them, revoke one, log out everywhere
(``aftercare.services.tokens`` has the rules)."""

from __future__ import annotations

from django.contrib.auth import logout
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from aftercare.api_base import ERROR_RESPONSES
from aftercare.models import ApiToken
from aftercare.net import client_ip
from aftercare.services import tokens

UUID_RE = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


class IssuedTokenSerializer(serializers.Serializer):
    """A token just issued: the key is in this answer only."""

    token = serializers.CharField(source="key", help_text="send as `Authorization: Token <key>`")
    id = serializers.UUIDField(source="token.public_id")
    expires_at = serializers.DateTimeField(source="token.expires_at")


class ApiTokenSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    prefix = serializers.CharField(read_only=True, help_text="the key's first characters")
    current = serializers.SerializerMethodField(help_text="the token of this request")

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "last_used_at", "current"]
        read_only_fields = fields

    def get_current(self, token) -> bool:
        auth = getattr(self.context.get("request"), "auth", None)
        return isinstance(auth, ApiToken) and auth.pk == token.pk


class ApiTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The caller's own live API tokens (one per device that logged in); ``DELETE`` revokes
    one. Another user's token is 404."""

    queryset = ApiToken.objects.none()  # the schema's model; requests use get_queryset
    serializer_class = ApiTokenSerializer
    lookup_field = "public_id"
    lookup_value_regex = UUID_RE
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return tokens.live_tokens(user=self.request.user)

    @extend_schema(responses={204: None, **ERROR_RESPONSES})
    def destroy(self, request, *args, **kwargs):
        tokens.revoke_token(
            user=request.user, token=self.get_object(), ip_address=client_ip(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutEverywhereView(APIView):
    """End every session and API token of the caller, this request's included."""

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer("LoggedOutEverywhere", {"tokens": serializers.IntegerField()})
        },
    )
    def post(self, request):
        count = tokens.log_out_everywhere(user=request.user, ip_address=client_ip(request))
        logout(request._request)
        return Response({"tokens": count})
