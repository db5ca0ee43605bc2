"""Settings from the environment: the readers directly, and `mesodesk` refusing bad ones."""

from __future__ import annotations

import importlib.util
import stat
from pathlib import Path

import pytest

from mesodesk.config import env
from mesodesk.config.env import SettingError
from tests.conftest import RunMesodesk

CWD = Path("/srv/clinic")
VAR = CWD / "var"
GOOD_KEY = "k7Qw9-" * 10


# --- plain values ---------------------------------------------------------------------


def test_it_reads_true_and_false_in_their_usual_spellings() -> None:
    for text in ("1", "true", "Yes", "ON"):
        assert env.read_bool({"DEBUG": text}, "DEBUG", default=False) is True
    for text in ("0", "false", "No", "off"):
        assert env.read_bool({"DEBUG": text}, "DEBUG", default=True) is False
    assert env.read_bool({}, "DEBUG", default=True) is True


def test_it_refuses_a_boolean_it_cannot_read() -> None:
    with pytest.raises(SettingError, match=r"^DEBUG: expected true or false, got 'maybe'$"):
        env.read_bool({"DEBUG": "maybe"}, "DEBUG", default=False)


def test_it_refuses_a_number_that_is_not_whole_or_too_small() -> None:
    with pytest.raises(SettingError, match=r"^PORT: expected a whole number, got '80a'$"):
        env.read_int({"PORT": "80a"}, "PORT", 0)
    with pytest.raises(SettingError, match=r"^WEB_CONCURRENCY: must be at least 1, got 0$"):
        env.read_int({"WEB_CONCURRENCY": "0"}, "WEB_CONCURRENCY", 2, minimum=1)


def test_it_splits_a_comma_list_and_drops_blanks() -> None:
    hosts = env.read_list({"ALLOWED_HOSTS": " a.example, ,b.example "}, "ALLOWED_HOSTS", [])
    assert hosts == ["a.example", "b.example"]
    assert env.read_list({}, "ALLOWED_HOSTS", ["localhost"]) == ["localhost"]


def test_it_refuses_an_unknown_mode() -> None:
    with pytest.raises(SettingError, match=r"^MESODESK_ENV: must be one of embedded, production"):
        env.read_choice(
            {"MESODESK_ENV": "staging"}, "MESODESK_ENV", "embedded", ("embedded", "production")
        )


def test_it_puts_a_relative_data_folder_under_the_current_one() -> None:
    assert env.var_dir({}, cwd=CWD) == CWD / "var"
    assert env.var_dir({"MESODESK_VAR_DIR": "data"}, cwd=CWD) == CWD / "data"
    assert env.var_dir({"MESODESK_VAR_DIR": "/var/lib/mesodesk"}, cwd=CWD) == Path(
        "/var/lib/mesodesk"
    )


# --- DATABASE_URL ---------------------------------------------------------------------


def test_it_puts_a_relative_sqlite_path_under_the_current_folder_with_wal_and_immediate() -> None:
    config = env.database_config("sqlite:///var/mesodesk.sqlite3", cwd=CWD)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == "/srv/clinic/var/mesodesk.sqlite3"
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert config["OPTIONS"]["timeout"] >= 5


def test_it_keeps_an_absolute_sqlite_path() -> None:
    config = env.database_config("sqlite:////data/clinic.sqlite3", cwd=CWD)
    assert config["NAME"] == "/data/clinic.sqlite3"


def test_it_refuses_a_sqlite_url_without_a_file() -> None:
    with pytest.raises(SettingError, match=r"^DATABASE_URL: the SQLite URL names no file$"):
        env.database_config("sqlite:///", cwd=CWD)


def test_it_reads_a_postgres_url_with_its_options() -> None:
    config = env.database_config(
        "postgres://clinic:s%40cret@db.internal:5433/mesodesk?sslmode=require", cwd=CWD
    )
    assert config["ENGINE"] == "mesodesk.config.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.internal", 5433, "mesodesk")
    assert (config["USER"], config["PASSWORD"]) == ("clinic", "s@cret")
    # Prepared statements only where a cursor asks for them (mesodesk.rows).
    assert config["OPTIONS"] == {"sslmode": "require", "prepare_threshold": env.PREPARE_WHEN_ASKED}
    assert config["CONN_HEALTH_CHECKS"] is True


def test_it_reads_a_postgres_socket_folder_given_as_the_host() -> None:
    config = env.database_config("postgresql://clinic@%2Fvar%2Frun%2Fpostgresql/mesodesk", cwd=CWD)
    assert config["HOST"] == "/var/run/postgresql"


def test_it_refuses_a_postgres_url_without_a_host() -> None:
    with pytest.raises(SettingError, match=r"^DATABASE_URL: the PostgreSQL URL has no host"):
        env.database_config("postgres:///mesodesk", cwd=CWD)


def test_it_refuses_a_postgres_url_without_a_database_name() -> None:
    with pytest.raises(SettingError, match=r"^DATABASE_URL: the PostgreSQL URL names no database"):
        env.database_config("postgres://postgres@127.0.0.1:5432", cwd=CWD)


def test_it_refuses_a_postgres_port_that_is_not_a_number_without_showing_the_password() -> None:
    with pytest.raises(SettingError, match="is not a number") as error:
        env.database_config("postgres://clinic:hunter2@db:54x/mesodesk", cwd=CWD)
    assert "hunter2" not in str(error.value)


def test_it_refuses_a_database_it_does_not_support() -> None:
    with pytest.raises(SettingError) as error:
        env.database_config("mysql://root@localhost/mesodesk", cwd=CWD)
    assert str(error.value) == (
        "DATABASE_URL: unsupported scheme 'mysql' (use sqlite:/// or postgres://)"
    )


def test_it_refuses_a_database_url_that_is_not_a_url() -> None:
    with pytest.raises(SettingError, match=r"^DATABASE_URL: not a URL: 'mesodesk.sqlite3'$"):
        env.database_config("mesodesk.sqlite3", cwd=CWD)


# --- CACHE_URL and EMAIL_URL ----------------------------------------------------------


def test_it_reads_the_default_database_cache() -> None:
    config = env.cache_config("dbcache://mesodesk_cache")
    assert config == {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "mesodesk_cache",
    }


def test_it_reads_a_local_memory_cache() -> None:
    assert env.cache_config("locmemcache://")["BACKEND"].endswith("LocMemCache")


def test_it_refuses_a_database_cache_without_a_table() -> None:
    with pytest.raises(SettingError, match=r"^CACHE_URL: dbcache:// needs a table name"):
        env.cache_config("dbcache://")


def test_it_refuses_a_cache_it_does_not_support() -> None:
    with pytest.raises(SettingError, match=r"^CACHE_URL: unsupported scheme 'memcache'"):
        env.cache_config("memcache://127.0.0.1:11211")


def test_it_asks_for_the_redis_package_when_a_redis_cache_is_set_without_it() -> None:
    if importlib.util.find_spec("redis") is not None:
        pytest.skip("the redis package is installed")
    with pytest.raises(SettingError, match=r"^CACHE_URL: a redis:// cache needs the redis package"):
        env.cache_config("redis://127.0.0.1:6379/0")


def test_sessions_are_read_through_a_redis_cache_and_kept_in_the_database() -> None:
    redis = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://x"}
    database = env.cache_config("dbcache://mesodesk_cache")
    assert env.session_engine(redis) == "mesodesk.accounts.sessions.cached_db"
    assert env.session_engine(database) == "mesodesk.accounts.sessions.db"


def test_it_prints_mail_to_the_console_by_default() -> None:
    assert env.email_config("consolemail://", var_dir=VAR) == {
        "BACKEND": "mesodesk.config.console_mail.EmailBackend",
        "OPTIONS": {},
    }


def test_it_reads_an_smtp_url_with_starttls() -> None:
    config = env.email_config("smtp+tls://clinic:p%40ss@smtp.example.org:587", var_dir=VAR)
    assert config["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    options = config["OPTIONS"]
    assert (options["host"], options["port"]) == ("smtp.example.org", 587)
    assert (options["username"], options["password"]) == ("clinic", "p@ss")
    assert (options["use_tls"], options["use_ssl"]) == (True, False)


def test_it_reads_an_smtp_url_with_implicit_tls_on_its_usual_port() -> None:
    options = env.email_config("smtp+ssl://clinic:pw@smtp.example.org", var_dir=VAR)["OPTIONS"]
    assert (options["port"], options["use_tls"], options["use_ssl"]) == (465, False, True)


def test_it_writes_mail_files_into_the_data_folder_unless_told_otherwise() -> None:
    config = env.email_config("filemail://", var_dir=VAR)
    assert config["OPTIONS"] == {"file_path": "/srv/clinic/var/mail"}


def test_it_refuses_an_smtp_url_without_a_host() -> None:
    with pytest.raises(SettingError, match=r"^EMAIL_URL: the SMTP URL has no host$"):
        env.email_config("smtp://", var_dir=VAR)


def test_it_refuses_a_mail_scheme_it_does_not_support() -> None:
    with pytest.raises(SettingError, match=r"^EMAIL_URL: unsupported scheme 'sendgrid'"):
        env.email_config("sendgrid://key@api", var_dir=VAR)


# --- the secret key file --------------------------------------------------------------


def test_it_makes_a_private_secret_key_once_and_reuses_it(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    first = env.secret_key_from_file(path)
    assert len(first) >= 50
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert env.secret_key_from_file(path) == first
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


def test_it_refuses_an_empty_secret_key_file(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    path.write_text("\n")
    with pytest.raises(SettingError, match=r"^SECRET_KEY: .* is empty"):
        env.secret_key_from_file(path)


# --- the `mesodesk` command with bad settings -----------------------------------------


@pytest.mark.slow
def test_mesodesk_names_a_bad_database_url_in_one_line_and_exits_2(
    run_mesodesk: RunMesodesk,
) -> None:
    result = run_mesodesk("check", DATABASE_URL="mysql://root@localhost/mesodesk")
    assert result.returncode == 2
    assert result.stderr == (
        "mesodesk: DATABASE_URL: unsupported scheme 'mysql' (use sqlite:/// or postgres://)\n"
    )


@pytest.mark.slow
def test_production_refuses_to_start_without_a_secret_key(run_mesodesk: RunMesodesk) -> None:
    result = run_mesodesk("check", MESODESK_ENV="production", ALLOWED_HOSTS="clinic.example.org")
    assert result.returncode == 2
    assert result.stderr == "mesodesk: SECRET_KEY: must be set when MESODESK_ENV=production\n"


@pytest.mark.slow
def test_production_refuses_to_start_without_allowed_hosts(run_mesodesk: RunMesodesk) -> None:
    result = run_mesodesk("check", MESODESK_ENV="production", SECRET_KEY=GOOD_KEY)
    assert result.returncode == 2
    assert result.stderr.startswith("mesodesk: ALLOWED_HOSTS: must be set")
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_production_refuses_to_start_without_a_mail_server(run_mesodesk: RunMesodesk) -> None:
    result = run_mesodesk(
        "check", MESODESK_ENV="production", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="clinic.example.org"
    )
    assert result.returncode == 2
    assert result.stderr.startswith("mesodesk: EMAIL_URL: must be set when MESODESK_ENV=production")


@pytest.mark.slow
def test_production_settings_pass_the_deployment_checklist(run_mesodesk: RunMesodesk) -> None:
    result = run_mesodesk(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        MESODESK_ENV="production",
        SECRET_KEY=GOOD_KEY,
        ALLOWED_HOSTS="clinic.example.org",
        EMAIL_URL="smtp+tls://clinic:secret@smtp.example.org:587",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.slow
def test_embedded_mode_makes_the_data_folder_and_keeps_its_secret_key(
    run_mesodesk: RunMesodesk, tmp_path: Path
) -> None:
    assert run_mesodesk("check").returncode == 0
    key_file = tmp_path / "var" / "secret_key"
    first_key = key_file.read_text()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert run_mesodesk("check").returncode == 0
    assert key_file.read_text() == first_key
