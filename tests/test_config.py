"""Settings: defaults, config file, environment, and clear errors for bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.api.state import ScannerHolder
from service.cli import main
from service.config import ConfigError, Settings, load_api_keys, load_settings
from service.definitions import DefinitionError
from service.runtime import build_scanner
from tests.conftest import DEFINITION_FIXTURES, FIXTURES

CONFIG_FILE = FIXTURES / "config" / "service.yaml"


def test_embedded_defaults_need_no_configuration() -> None:
    settings = load_settings({})
    assert settings.bind == "127.0.0.1:8080"
    assert settings.max_body_bytes == 25 * 1024 * 1024
    assert settings.workers >= 1
    assert settings.allow_reveal is False
    assert settings.api_keys == ()
    assert settings.fingerprint_key_configured is False


def test_config_file_then_environment_override_defaults() -> None:
    settings = load_settings({"DLP_CONFIG_FILE": str(CONFIG_FILE), "DLP_WORKERS": "5", "DLP_ALLOW_REVEAL": "no"})
    assert settings.bind == "0.0.0.0:9000"
    assert settings.workers == 5
    assert settings.max_body_bytes == 1_048_576
    assert settings.summary_context == 40
    assert settings.allow_reveal is False
    assert settings.definitions_dirs == (Path("/srv/dlp/custom-sits"),)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"DLP_WORKERS": "many"}, "workers: 'many' is not a whole number"),
        ({"DLP_MAX_BODY_BYTES": "0"}, "max_body_bytes: must be at least 1"),
        ({"DLP_ALLOW_REVEAL": "perhaps"}, "allow_reveal: 'perhaps' is not true or false"),
        ({"DLP_LOG_LEVEL": "loud"}, "log_level: must be one of"),
        ({"DLP_ENGINE": "fast"}, "engine: must be one of auto, hyperscan, regex"),
        ({"DLP_FINGERPRINT_KEY": "short"}, "DLP_FINGERPRINT_KEY: must be at least 16 characters"),
        ({"DLP_CONFIG_FILE": "/nonexistent/dlp.yaml"}, "DLP_CONFIG_FILE: cannot read"),
        ({"DLP_DEFINITIONS_WATCH": "often"}, "definitions_watch: 'often' is not true or false"),
        ({"DLP_DEFINITIONS_WATCH_INTERVAL": "0.01"}, "definitions_watch_interval: must be between 0.1 and 3600"),
    ],
)
def test_bad_values_are_refused_with_their_name(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load_settings(environ)


def test_the_engine_is_a_setting_the_scanner_is_built_with() -> None:
    settings = load_settings(
        {
            "DLP_ENGINE": "Regex",
            "DLP_BUILTIN_DEFINITIONS": "false",
            "DLP_DEFINITIONS_DIRS": str(DEFINITION_FIXTURES / "engine"),
        }
    )
    assert settings.engine == "regex"
    assert settings.describe()["engine"] == "regex"
    assert build_scanner(settings).prefilter is None
    assert load_settings({}).engine == "auto"


def test_classify_refuses_a_bad_engine_in_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DLP_ENGINE", "fast")
    assert main(["classify", str(FIXTURES / "texts")]) == 2
    assert capsys.readouterr().err == "dlp: error: configuration: engine: must be one of auto, hyperscan, regex\n"


def test_unknown_settings_in_the_file_are_refused(tmp_path: Path) -> None:
    config = tmp_path / "dlp.yaml"
    config.write_text("bind: 127.0.0.1:1\nworkres: 2\n")
    with pytest.raises(ConfigError, match=r"unknown settings \['workres'\]"):
        load_settings({"DLP_CONFIG_FILE": str(config)})


def test_description_shows_no_secret() -> None:
    settings = load_settings({"DLP_FINGERPRINT_KEY": "a-very-secret-fingerprint-key"})
    assert settings.fingerprint_key_configured
    assert "a-very-secret" not in str(settings.describe()) + repr(settings)


def test_serve_reports_bad_configuration_in_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DLP_TIME_LIMIT", "-1")
    assert main(["serve"]) == 2
    assert capsys.readouterr().err == "dlp: error: configuration: time_limit: must be greater than 0\n"


def test_reloading_swaps_the_scanner_and_keeps_the_old_one_on_error(tmp_path: Path) -> None:
    holder = ScannerHolder(Settings(builtin_definitions=False, definitions_dirs=(DEFINITION_FIXTURES / "engine",)))
    first = holder.reload()
    assert holder.current is first
    second = holder.reload()
    assert holder.current is second and second is not first
    broken = ScannerHolder(Settings(builtin_definitions=False, definitions_dirs=(DEFINITION_FIXTURES / "bad",)))
    broken.install(first)
    with pytest.raises(DefinitionError):
        broken.reload()
    assert broken.current is first


def test_watching_the_definitions_is_off_unless_asked_for() -> None:
    assert load_settings({}).definitions_watch is False
    watched = load_settings({"DLP_DEFINITIONS_WATCH": "true", "DLP_DEFINITIONS_WATCH_INTERVAL": "0.5"})
    assert (watched.definitions_watch, watched.definitions_watch_interval) == (True, 0.5)
    assert watched.describe()["definitions_watch"] is True


def test_an_admin_permission_can_be_granted_and_unknown_ones_are_refused(tmp_path: Path) -> None:
    keys = tmp_path / "keys.yaml"
    keys.write_text("- name: ops\n  key: ops-key-0123456789abcdef\n  permissions: [admin]\n")
    (key,) = load_api_keys(keys)
    assert key.permissions == {"classify", "admin"}
    keys.write_text("- name: ops\n  key: ops-key-0123456789abcdef\n  permissions: [root]\n")
    with pytest.raises(ConfigError, match="unknown permissions"):
        load_api_keys(keys)
