"""The client's address behind reverse proxies: X-Forwarded-For is believed only from the
proxies named in MESODESK_TRUSTED_PROXIES, and the address found is the access log's."""

from __future__ import annotations

from ipaddress import ip_network

import pytest
from django.test import Client, RequestFactory, override_settings

from mesodesk.accounts.models import User
from mesodesk.audit.models import AccessEvent
from mesodesk.audit.selectors import client_ip
from mesodesk.config import env
from mesodesk.patients.models import Patient
from tests.accounts.helpers import sign_in_with_mfa

PROXIES = (ip_network("10.0.0.0/8"), ip_network("2001:db8:ff::/48"))


def test_without_trusted_proxies_the_address_is_the_peers_whatever_the_client_claims(
    rf: RequestFactory,
) -> None:
    request = rf.get("/", REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_ip(request) == "198.51.100.4"
    assert client_ip(rf.get("/", REMOTE_ADDR="not an address")) is None


@override_settings(MESODESK_TRUSTED_PROXIES=PROXIES)
def test_a_peer_that_is_not_a_trusted_proxy_cannot_name_another_address(
    rf: RequestFactory,
) -> None:
    request = rf.get("/", REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR="10.0.0.9, 203.0.113.9")
    assert client_ip(request) == "198.51.100.4"


@override_settings(MESODESK_TRUSTED_PROXIES=PROXIES)
def test_behind_a_trusted_proxy_the_address_it_saw_is_the_clients(rf: RequestFactory) -> None:
    # The client forged the first entry; our proxy appended the address it really saw.
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.4")
    assert client_ip(request) == "198.51.100.4"
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"


@override_settings(MESODESK_TRUSTED_PROXIES=PROXIES)
def test_a_chain_of_trusted_proxies_is_walked_back_to_the_first_untrusted_hop(
    rf: RequestFactory,
) -> None:
    request = rf.get(
        "/",
        REMOTE_ADDR="2001:db8:ff::2",
        HTTP_X_FORWARDED_FOR="203.0.113.9, 2001:db8:1::7 , 10.1.2.3",
    )
    assert client_ip(request) == "2001:db8:1::7"
    # Only our proxies in the header: the first of them is as far as we can see.
    only_ours = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="10.0.0.7, 10.0.0.8")
    assert client_ip(only_ours) == "10.0.0.7"


@override_settings(MESODESK_TRUSTED_PROXIES=PROXIES)
def test_a_garbled_hop_stops_the_walk_at_the_last_address_a_trusted_proxy_gave(
    rf: RequestFactory,
) -> None:
    forwarded = "203.0.113.9, junk, 10.0.0.5"
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == "10.0.0.5"


def test_the_setting_reads_addresses_and_networks_and_names_a_bad_one() -> None:
    name = "MESODESK_TRUSTED_PROXIES"
    assert env.read_networks({}, name) == ()
    read = env.read_networks({name: "127.0.0.1, 10.0.0.0/8,::1"}, name)
    assert read == (ip_network("127.0.0.1/32"), ip_network("10.0.0.0/8"), ip_network("::1/128"))
    with pytest.raises(env.SettingError, match=r"^MESODESK_TRUSTED_PROXIES: .*'nginx'"):
        env.read_networks({name: "10.0.0.1,nginx"}, name)


@override_settings(MESODESK_TRUSTED_PROXIES=PROXIES)
def test_a_chart_read_through_the_proxy_logs_the_clients_address(
    maria: Patient, pedro: User
) -> None:
    doctor = sign_in_with_mfa(Client(), pedro)
    response = doctor.get(
        f"/staff/lindenhof/patients/{maria.pk}/",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.23",
    )
    assert response.status_code == 200
    assert AccessEvent.objects.filter(patient=maria).values_list("ip", flat=True)[0] == (
        "198.51.100.23"
    )


def test_the_same_request_from_a_proxy_named_later_is_read_anew(rf: RequestFactory) -> None:
    # Parsed addresses are kept (audit.selectors._parsed), whom to trust is not.
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_ip(request) == "10.0.0.2"
    with override_settings(MESODESK_TRUSTED_PROXIES=PROXIES):
        assert client_ip(request) == "203.0.113.9"
    assert client_ip(request) == "10.0.0.2"


def test_an_ipv6_zone_is_dropped_and_a_long_header_entry_is_no_address(
    rf: RequestFactory,
) -> None:
    assert client_ip(rf.get("/", REMOTE_ADDR="fe80::1%eth0")) == "fe80::1"
    with override_settings(MESODESK_TRUSTED_PROXIES=PROXIES):
        long_entry = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1" * 5000)
        assert client_ip(long_entry) == "10.0.0.2"
