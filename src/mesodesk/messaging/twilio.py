"""Text messages through Twilio's Messages API, over HTTPS with the standard library.

Settings (from the environment; settings.py): TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN,
TWILIO_FROM (a number in E.164 form, or a Messaging Service SID starting with MG),
TWILIO_TIMEOUT (seconds per connection and read) and TWILIO_API_URL (Twilio's own by
default; tests point it at a local server).

One POST per message to /2010-04-01/Accounts/{sid}/Messages.json with HTTP Basic auth and
a form body (To, From or MessagingServiceSid, Body, StatusCallback). A 201 answer carries
the message's sid and first status, which the worker records with the row. Twilio then
posts each change of status to the StatusCallback (views.twilio_status), signed with the
auth token. Errors name the HTTP status and Twilio's error code, never the number or text
(Twilio's own error messages quote the number). A timeout, 429 or 5xx is transient: the
outbox retries the row with backoff until its moment passes; any other refusal counts
towards the worker's --max-attempts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from urllib.parse import quote, urlencode

from django.conf import settings
from django.urls import reverse

from mesodesk.messaging.sms import BaseSmsBackend, SmsError, SmsReceipt, TextMessage

API_VERSION = "2010-04-01"


def status_callback_url(clinic_slug: str) -> str:
    """Where Twilio reports a message's delivery status, on the site's public address."""
    path = reverse("messaging:twilio_status", kwargs={"clinic_slug": clinic_slug})
    return settings.MESODESK_BASE_URL.rstrip("/") + path


def signature(url: str, params: Mapping[str, str], auth_token: str) -> str:
    """Twilio's X-Twilio-Signature of a form POST to `url`: base64 of HMAC-SHA1, keyed by
    the auth token, over the URL followed by each parameter's name and value, sorted."""
    payload = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _error_code(error: urllib.error.HTTPError) -> str:
    """Twilio's numeric error code from an error answer's JSON, if it has one."""
    try:
        body = json.loads(error.read(4096) or b"{}")
    except (ValueError, OSError):
        return ""
    code = body.get("code") if isinstance(body, dict) else None
    return str(code) if isinstance(code, int) else ""


class TwilioSmsBackend(BaseSmsBackend):
    """Twilio's Messages API; one HTTPS request per message."""

    def __init__(self) -> None:
        account = settings.TWILIO_ACCOUNT_SID
        self.url = (
            f"{settings.TWILIO_API_URL.rstrip('/')}/{API_VERSION}/Accounts/"
            f"{quote(account, safe='')}/Messages.json"
        )
        credentials = f"{account}:{settings.TWILIO_AUTH_TOKEN}".encode()
        self.authorization = "Basic " + base64.b64encode(credentials).decode()
        self.sender = settings.TWILIO_FROM
        self.timeout = settings.TWILIO_TIMEOUT

    def send(self, message: TextMessage) -> SmsReceipt:
        fields = {"To": message.to, "Body": message.body}
        if message.status_callback:
            fields["StatusCallback"] = message.status_callback
        if self.sender.startswith("MG"):
            fields["MessagingServiceSid"] = self.sender
        else:
            fields["From"] = self.sender
        request = urllib.request.Request(  # noqa: S310 - an https URL from the settings
            self.url,
            data=urlencode(fields).encode(),
            method="POST",
            headers={
                "Authorization": self.authorization,
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
                "User-Agent": "mesodesk",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = json.loads(response.read(65536))
        except urllib.error.HTTPError as error:
            code = _error_code(error)
            raise SmsError(
                f"Twilio HTTP {error.code}" + (f" error {code}" if code else ""),
                transient=error.code == 429 or error.code >= 500,
            ) from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise SmsError(
                f"Twilio unreachable ({type(reason).__name__})", transient=True
            ) from None
        except ValueError:
            raise SmsError("Twilio answered with something other than JSON") from None
        sid = answer.get("sid") if isinstance(answer, dict) else None
        if not isinstance(sid, str) or not sid:
            raise SmsError("Twilio answered without a message sid")
        return SmsReceipt(provider_id=sid[:64], status=str(answer.get("status") or "")[:20])
