"""mesodesk's URLs without the direct routes of api.direct: every API request goes to
django-ninja's own views, as before them (tests/api/test_direct_routes.py compares)."""

from mesodesk import urls

urlpatterns = [pattern for pattern in urls.urlpatterns if pattern is not urls.api_direct]
