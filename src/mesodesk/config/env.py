"""Small typed readers for settings that come from environment variables.

Each reader takes the environment as a mapping, so tests call them directly, and raises
`SettingError` whose message starts with the variable's name: the `mesodesk` command
prints that one line and exits 2 instead of showing a traceback.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

Environ = Mapping[str, str]

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})

SQLITE_OPTIONS: dict[str, Any] = {
    # WAL lets the web server and the worker read while one of them writes; NORMAL
    # synchronisation is durable across application crashes in WAL mode.
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    # Take the write lock when a transaction starts, so two writers queue on the busy
    # timeout instead of one failing with "database is locked" half-way through.
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}

# Seconds a thread of `mesodesk serve` keeps its SQLite connection (Django's CONN_MAX_AGE):
# a new connection per request runs the PRAGMAs again and, when it was the last one open,
# checkpoints the WAL into the database with an fsync as it closes (benchmarks/http.py:
# a patient read took twice as long). Only there: the reminder worker reconnects every
# batch, which its recovery from a killed worker relies on
# (tests/messaging/test_worker_faults.py fails with kept connections).
SQLITE_SERVER_CONN_MAX_AGE = 600

CACHE_SCHEMES = ("dbcache", "locmemcache", "dummycache", "filecache", "redis", "rediss")
EMAIL_SCHEMES = (
    "consolemail",
    "smtp",
    "smtp+tls",
    "smtp+ssl",
    "filemail",
    "memorymail",
    "dummymail",
)


class SettingError(ImproperlyConfigured):
    """A setting from the environment is missing or malformed; the message names it."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")
        self.name = name


def read_str(env: Environ, name: str, default: str) -> str:
    """The variable's value with surrounding blanks removed, or `default` when unset/empty."""
    value = env.get(name, "").strip()
    return value or default


def read_required(env: Environ, name: str, why: str) -> str:
    """The variable's value; a `SettingError` saying `why` it is needed when unset/empty."""
    value = env.get(name, "").strip()
    if not value:
        raise SettingError(name, f"must be set {why}")
    return value


def read_bool(env: Environ, name: str, default: bool) -> bool:
    """`true/false`, `yes/no`, `on/off` or `1/0`, in any case."""
    if name not in env:
        return default
    value = env[name].strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingError(name, f"expected true or false, got {env[name]!r}")


def read_int(env: Environ, name: str, default: int, *, minimum: int = 0) -> int:
    """A whole number no smaller than `minimum`."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingError(name, f"expected a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingError(name, f"must be at least {minimum}, got {value}")
    return value


def read_list(env: Environ, name: str, default: list[str]) -> list[str]:
    """A comma-separated list; blanks around items and empty items are dropped."""
    raw = env.get(name, "").strip()
    if not raw:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def read_networks(env: Environ, name: str) -> tuple[Network, ...]:
    """A comma-separated list of IP addresses and networks (`10.0.0.0/8`, `::1`); a bare
    address is a network of one. Empty when unset."""
    networks: list[Network] = []
    for item in read_list(env, name, []):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise SettingError(
                name, f"expected IP addresses or networks such as 10.0.0.0/8, got {item!r}"
            ) from None
    return tuple(networks)


def read_choice(env: Environ, name: str, default: str, choices: tuple[str, ...]) -> str:
    """One of `choices`, in any case."""
    value = read_str(env, name, default).lower()
    if value not in choices:
        raise SettingError(name, f"must be one of {', '.join(choices)}, got {value!r}")
    return value


def _scheme(name: str, url: str) -> str:
    scheme, sep, _ = url.partition("://")
    if not sep or not scheme:
        raise SettingError(name, f"not a URL: {url!r}")
    return scheme.lower()


# psycopg prepares a statement after this many runs, or at once when the cursor asks.
PREPARE_WHEN_ASKED = 2**31 - 1


def database_config(url: str, *, name: str = "DATABASE_URL", cwd: Path) -> dict[str, Any]:
    """Django's DATABASES["default"] for a `sqlite:///PATH` or `postgres://` URL.

    A relative SQLite path is taken relative to `cwd`, so the database does not move when
    another folder becomes the current one later in the process.
    """
    scheme = _scheme(name, url)
    if scheme == "sqlite":
        return _sqlite_config(url, name=name, cwd=cwd)
    if scheme in {"postgres", "postgresql"}:
        return _postgres_config(url, name=name)
    raise SettingError(name, f"unsupported scheme {scheme!r} (use sqlite:/// or postgres://)")


def _sqlite_config(url: str, *, name: str, cwd: Path) -> dict[str, Any]:
    # sqlite:///var/db.sqlite3 is relative, sqlite:////srv/db.sqlite3 absolute.
    rest = url.partition("://")[2]
    if not rest.startswith("/") or "?" in rest:
        raise SettingError(
            name, f"write sqlite:///RELATIVE/PATH or sqlite:////ABSOLUTE/PATH, got {url!r}"
        )
    path_text = unquote(rest[1:])
    if not path_text or path_text.endswith("/"):
        raise SettingError(name, "the SQLite URL names no file")
    path = Path(path_text) if path_text.startswith("/") else cwd / path_text
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": dict(SQLITE_OPTIONS),
        # `mesodesk serve` raises it to SQLITE_SERVER_CONN_MAX_AGE for its threads.
        "CONN_MAX_AGE": 0,
        # A file, not shared-cache memory, for the test database: in memory a second
        # writer fails at once with "table is locked" instead of waiting its turn, so
        # concurrency tests would not see SQLite as production runs it.
        "TEST": {"NAME": str(path.with_name(f"test_{path.name}"))},
    }


def _postgres_config(url: str, *, name: str) -> dict[str, Any]:
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - urlsplit validates the port lazily, on access
    except ValueError:
        raise SettingError(name, f"the port in {_redact(url)!r} is not a number") from None
    if not parts.hostname:
        raise SettingError(
            name,
            "the PostgreSQL URL has no host (postgres://USER@HOST:PORT/NAME; "
            "for a socket, percent-encode its folder as the host)",
        )
    if not parts.path.strip("/"):
        raise SettingError(
            name, "the PostgreSQL URL names no database (postgres://USER@HOST:PORT/NAME)"
        )
    config = environ.Env.db_url_config(url)
    # django-environ leaves a percent-encoded socket folder encoded; libpq wants it plain.
    config["HOST"] = unquote(config["HOST"])
    # Django's backend with a health check that needs no round trip when nothing is wrong.
    config["ENGINE"] = "mesodesk.config.postgresql"
    # Persistent connections pay off with gunicorn's long-lived threads; the health check
    # replaces a connection the server dropped instead of failing a request with it.
    config["CONN_MAX_AGE"] = 60
    config["CONN_HEALTH_CHECKS"] = True
    # Prepared statements on, for the cursors that ask (mesodesk.rows: the hot statements,
    # planned once per connection instead of on every run). Django turns them off; its
    # own cursors bind on the client and never prepare, so the threshold never triggers
    # for them. Behind PgBouncer in transaction mode, use 1.21 or newer with
    # max_prepared_statements set (README "Production").
    config.setdefault("OPTIONS", {}).setdefault("prepare_threshold", PREPARE_WHEN_ASKED)
    return config


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


def cache_config(url: str, *, name: str = "CACHE_URL") -> dict[str, Any]:
    """Django's CACHES["default"] for a cache URL (`dbcache://TABLE`, `redis://…`, …)."""
    scheme = _scheme(name, url)
    if scheme not in CACHE_SCHEMES:
        raise SettingError(
            name, f"unsupported scheme {scheme!r} (use one of {', '.join(CACHE_SCHEMES)})"
        )
    if scheme in {"redis", "rediss"} and importlib.util.find_spec("redis") is None:
        raise SettingError(name, "a redis:// cache needs the redis package (uv add redis)")
    if scheme == "dbcache" and not url.partition("://")[2].strip("/"):
        raise SettingError(name, "dbcache:// needs a table name, e.g. dbcache://mesodesk_cache")
    try:
        return dict(environ.Env.cache_url_config(url))
    except (ImproperlyConfigured, ValueError) as error:
        raise SettingError(name, str(error)) from None


def session_engine(cache: dict[str, Any]) -> str:
    """Django's SESSION_ENGINE for the cache `cache_config` made: sessions live in the
    database, and with a Redis cache they are also kept in it, so a signed-in request
    reads its session from memory instead of SQL (written through to both). Django's
    stores, reading the database in plain SQL (mesodesk.accounts.sessions)."""
    if cache["BACKEND"].endswith("RedisCache"):
        return "mesodesk.accounts.sessions.cached_db"
    return "mesodesk.accounts.sessions.db"


def email_config(url: str, *, name: str = "EMAIL_URL", var_dir: Path) -> dict[str, Any]:
    """Django's MAILERS["default"] for an e-mail URL (`smtp+tls://USER:PASSWORD@HOST:587`, …).

    `filemail://` without a path writes into `var_dir/mail`.
    """
    scheme = _scheme(name, url)
    if scheme not in EMAIL_SCHEMES:
        raise SettingError(
            name, f"unsupported scheme {scheme!r} (use one of {', '.join(EMAIL_SCHEMES)})"
        )
    if scheme.startswith("smtp") and not urlsplit(url).hostname:
        raise SettingError(name, "the SMTP URL has no host")
    try:
        parsed = environ.Env.email_url_config(url)
    except ValueError as error:
        raise SettingError(name, str(error)) from None
    options: dict[str, Any] = {}
    if scheme.startswith("smtp"):
        use_ssl = scheme == "smtp+ssl"
        options = {
            "host": parsed["EMAIL_HOST"],
            "port": parsed["EMAIL_PORT"] or (465 if use_ssl else 25),
            "username": parsed["EMAIL_HOST_USER"] or "",
            "password": parsed["EMAIL_HOST_PASSWORD"] or "",
            "use_tls": scheme == "smtp+tls",
            "use_ssl": use_ssl,
            # A mail server that hangs must not hold a web or worker thread for ever.
            "timeout": 30,
        }
    elif scheme == "filemail":
        options = {"file_path": parsed["EMAIL_FILE_PATH"] or str(var_dir / "mail")}
    elif scheme == "consolemail":
        # Printed as people read it, links whole (Django's prints quoted-printable).
        return {"BACKEND": "mesodesk.config.console_mail.EmailBackend", "OPTIONS": {}}
    return {"BACKEND": parsed["EMAIL_BACKEND"], "OPTIONS": options}


def secret_key_from_file(path: Path) -> str:
    """The secret key kept in `path`, created once (readable by its owner only) if missing."""
    try:
        key = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return _create_secret_key(path)
    except (OSError, UnicodeDecodeError) as error:
        raise SettingError("SECRET_KEY", f"cannot read {path}: {error}") from None
    if not key:
        raise SettingError("SECRET_KEY", f"{path} is empty; delete it to have a new key made")
    return key


def _create_secret_key(path: Path) -> str:
    # Written whole to a private temporary file, then linked into place: a process that
    # starts at the same moment either finds no file or a complete one, never half a key.
    key = secrets.token_urlsafe(50)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(key + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            return secret_key_from_file(path)
    except OSError as error:
        raise SettingError("SECRET_KEY", f"cannot create {path}: {error.strerror}") from None
    finally:
        temporary.unlink(missing_ok=True)
    return key


def var_dir(env: Environ, *, cwd: Path) -> Path:
    """The data folder: `MESODESK_VAR_DIR`, or `var/` in the current folder."""
    raw = read_str(env, "MESODESK_VAR_DIR", "var")
    path = Path(raw).expanduser()
    return path if path.is_absolute() else cwd / path


def make_var_dir(path: Path) -> None:
    """Create the data folder (private to its owner) or say why it cannot be."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise SettingError("MESODESK_VAR_DIR", f"cannot create {path}: {error.strerror}") from None


def photo_storage(env: Environ, *, var_dir: Path) -> dict[str, Any]:
    """The storage clinical photos go to (settings.STORAGES["photos"]): the S3-compatible
    bucket MESODESK_PHOTO_BUCKET names (its endpoint, region and key prefix from
    MESODESK_PHOTO_ENDPOINT_URL, _REGION and _PREFIX; credentials from boto3's own chain),
    else the folder media/photos of the data folder. Neither has a public URL."""
    bucket = read_str(env, "MESODESK_PHOTO_BUCKET", "")
    if not bucket:
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(var_dir / "media" / "photos"), "base_url": None},
        }
    endpoint = read_str(env, "MESODESK_PHOTO_ENDPOINT_URL", "")
    if endpoint and _scheme("MESODESK_PHOTO_ENDPOINT_URL", endpoint) not in ("http", "https"):
        raise SettingError("MESODESK_PHOTO_ENDPOINT_URL", "must be an http:// or https:// URL")
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint or None,
            "region_name": read_str(env, "MESODESK_PHOTO_REGION", "") or None,
            "location": read_str(env, "MESODESK_PHOTO_PREFIX", "photos"),
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
