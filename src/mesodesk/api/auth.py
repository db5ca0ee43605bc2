"""How API callers prove who they are: a bearer token, or the web session (with CSRF)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from mesodesk.accounts.access import attach_api_token
from mesodesk.accounts.models import ApiToken
from mesodesk.accounts.services import authenticate_api_token


class BearerToken(HttpBearer):
    """`Authorization: Bearer TOKEN`, a token from `mesodesk api-token`."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        api_token = authenticate_api_token(token)
        if api_token is not None:
            attach_api_token(request, api_token)
        return api_token


# The signed-in web session; unsafe methods need the CSRF token, as any form post.
session = SessionAuth()
bearer = BearerToken()
