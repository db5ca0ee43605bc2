from tests.api.conftest import at, monday, token  # noqa: F401 - fixtures
