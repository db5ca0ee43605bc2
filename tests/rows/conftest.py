from tests.api.conftest import at, monday, needle_kit, room, token  # noqa: F401 - fixtures
