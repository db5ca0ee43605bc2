"""Users (who sign in with an e-mail address; there is no user name) and their API tokens."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models

from mesodesk.history import HistoricalRecords


class UserManager(BaseUserManager["User"]):
    """Creates users keyed by e-mail address (used by `createsuperuser` and the services)."""

    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields: Any) -> User:
        if not email:
            raise ValueError("A user needs an e-mail address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)


class User(AbstractUser):
    """A person who signs in to mesodesk with an e-mail address and a password."""

    username = None  # type: ignore[assignment]
    email = models.EmailField("e-mail address", unique=True)
    # Raised to end every session of the user at once (as a password change does): it is
    # part of the session hash that Django's AuthenticationMiddleware checks on every
    # request, so a session signed in under an older generation is signed out. Raised when
    # the user activates TOTP (services.start_mfa_session).
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.email

    def _with_generation(self, password_hash: str) -> str:
        # Generation 0 leaves Django's hash as it is: sessions from before this field
        # existed stay valid. The password hash is already an HMAC with the secret key.
        if not self.session_generation:
            return password_hash
        mixed = f"{password_hash}:{self.session_generation}".encode()
        return hashlib.sha256(mixed).hexdigest()

    def get_session_auth_hash(self) -> str:
        return self._with_generation(super().get_session_auth_hash())

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        for password_hash in super().get_session_auth_fallback_hash():
            yield self._with_generation(password_hash)


class ApiToken(models.Model):
    """A secret that lets an integration call the API as one staff member of one clinic."""

    # No index of its own: the (clinic, user) index starts with clinic_id.
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.PROTECT, related_name="api_tokens", db_index=False
    )
    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="api_tokens", db_index=False
    )
    name = models.CharField(max_length=100, blank=True)
    # The token's first characters, kept to recognise it in lists; never enough to use it.
    prefix = models.CharField(max_length=8, db_index=True)
    # SHA-256 of the whole token: the token itself is shown once and never stored.
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    # Who issued and who revoked a token, and when. Not the digest (no copies of anything
    # derived from the secret) nor the time of last use (noted by UPDATE, not history).
    history = HistoricalRecords(excluded_fields=["digest", "last_used_at"])

    class Meta:
        indexes = [models.Index(fields=("clinic", "user"), name="accounts_apitoken_clinic_user")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(prefix__startswith="mdk_"),
                name="accounts_apitoken_prefix_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(revoked_by__isnull=True) | models.Q(revoked_at__isnull=False),
                name="accounts_apitoken_revoker_only_when_revoked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name or 'unnamed'})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
