"""How API callers prove who they are: a personal token, or the pages' session cookie."""

from django.contrib.auth.models import AnonymousUser
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer

from openbuy.accounts.services import api_token_authenticate


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request, token):
        user = api_token_authenticate(token)
        if user is None:
            raise AuthenticationError(401, "The API token is not valid or has been revoked.")
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The signed-in session, as on the pages. CSRF-checked for unsafe methods."""

    param_name = "sessionid"

    def __call__(self, request):
        # No session cookie, nothing to check: the next method (or a 401) answers instead of a
        # CSRF failure.
        if self.param_name not in request.COOKIES:
            return None
        return super().__call__(request)

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


class OptionalAuth(SessionAuth):
    """For public endpoints: a token or session when given (a bad token is still refused),
    otherwise an anonymous user."""

    def __call__(self, request):
        if request.headers.get("Authorization"):
            return TokenAuth()(request)
        return super().__call__(request) or AnonymousUser()


token_auth = TokenAuth()
session_auth = SessionAuth()
optional_auth = OptionalAuth()
signed_in = [token_auth, session_auth]
