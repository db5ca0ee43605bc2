"""allauth's sign-in rate limits count per client, behind trusted proxies as well, and a
client cannot escape them by writing its own X-Forwarded-For."""

from __future__ import annotations

from ipaddress import ip_network

from django.test import Client, override_settings

from mesodesk.accounts.models import User
from tests.accounts.helpers import sign_in, signed_in_user_id

PROXY = "10.0.0.2"


def attempts_until_refused(client: Client, **extra: str) -> list[int]:
    """allauth's default: 30 sign-in attempts a minute from one address, then 429."""
    return [
        sign_in(client, "pedro@lindenhof.test", "guess", **extra).status_code for _ in range(31)
    ]


@override_settings(MESODESK_TRUSTED_PROXIES=(ip_network("10.0.0.0/8"),))
def test_behind_the_proxy_one_clients_attempts_do_not_lock_out_another(
    pedro: User, alice: User
) -> None:
    guesser = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.66")
    assert attempts_until_refused(guesser)[-1] == 429

    colleague = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert sign_in(colleague, "alice@lindenhof.test").status_code == 302
    assert signed_in_user_id(colleague) == str(alice.pk)


@override_settings(MESODESK_TRUSTED_PROXIES=(ip_network("10.0.0.0/8"),))
def test_a_client_that_is_not_a_proxy_cannot_escape_the_limit_by_naming_other_addresses(
    pedro: User, alice: User
) -> None:
    client = Client(REMOTE_ADDR="198.51.100.66")
    statuses = [
        sign_in(
            client, "pedro@lindenhof.test", "guess", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"
        ).status_code
        for n in range(31)
    ]
    assert statuses[-1] == 429
    refused = sign_in(client, "alice@lindenhof.test", HTTP_X_FORWARDED_FOR="203.0.113.200")
    assert refused.status_code == 429
