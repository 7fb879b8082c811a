"""The rules' linter, reloads that keep good rules, and ``dlp alerts``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.alerts.rules import AlertRulesError, load_alert_config, parse_alert_config
from service.api import create_app
from service.api.state import reload_state
from service.cli import main
from service.config import ConfigError
from service.definitions import load_definitions
from tests.alerts.conftest import FINGERPRINT_KEY, alert_settings, make_pypi_tokens, sender_rules, write_rules


def test_every_problem_is_listed_with_its_field(alert_definitions_dir: Path, tmp_path: Path) -> None:
    definitions = load_definitions([alert_definitions_dir])
    raw = {
        "issuers": {"pypi": {"url": "ftp://nowhere", "colour": "red"}},
        "rules": [
            {"sits": ["No such SIT"], "issuer": "pypi", "type": "t"},
            {"sits": ["PyPI API token"], "issuer": "missing", "type": "t", "min_confidence": 400},
        ],
        "delivery": {"max_attempts": 0},
    }
    with pytest.raises(AlertRulesError) as caught:
        parse_alert_config(raw, "rules.yaml", tmp_path, definitions)
    problems = caught.value.problems
    assert "issuers.pypi.colour: unknown field; known: hmac, send_token, url" in problems
    assert "issuers.pypi.url: must be an http:// or https:// URL" in problems
    assert "rules[0].sits: no SIT, id or bundle is loaded for 'No such SIT'" in problems
    assert "rules[1].issuer: names no issuer of the 'issuers' section ('missing')" in problems
    assert "rules[1].min_confidence: must be a whole number from 1 to 100" in problems
    assert "delivery.max_attempts: must be a number between 1 and 100" in problems
    assert "signing.key_file: is required when an issuer is not signed with a shared HMAC secret" in problems


def test_a_sit_without_a_checksum_needs_valid_only_false(tmp_path: Path, builtin_definitions: object) -> None:
    raw = {
        "signing": {"key_file": "k.pem"},
        "issuers": {"x": {"url": "https://x.example/in"}},
        "rules": [{"sits": ["U.S. Social Security Number (SSN)"], "issuer": "x", "type": "ssn"}],
    }
    with pytest.raises(AlertRulesError, match="cannot be told valid"):
        parse_alert_config(raw, "rules.yaml", tmp_path, builtin_definitions)  # type: ignore[arg-type]
    raw["rules"][0]["valid_only"] = False  # type: ignore[index]
    assert parse_alert_config(raw, "rules.yaml", tmp_path, builtin_definitions).rules  # type: ignore[arg-type]


def test_bad_yaml_is_one_problem(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("rules: [unclosed", encoding="utf-8")
    with pytest.raises(AlertRulesError, match="not valid YAML"):
        load_alert_config(path)


def test_a_reload_with_broken_rules_keeps_the_rules_in_force(
    tmp_path: Path, alert_definitions_dir: Path, signing_key: Path
) -> None:
    rules = write_rules(tmp_path / "rules.yaml", sender_rules("http://127.0.0.1:9/in", signing_key))
    settings = alert_settings(alert_definitions_dir, rules, tmp_path / "outbox.sqlite3")
    app = create_app(settings)
    before = app.extensions["dlp"].alerts
    rules.write_text("rules: 5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="alert_rules"):
        reload_state(app, settings)
    assert app.extensions["dlp"].alerts is before
    answer = app.test_client().post("/v1/sits/reload")
    assert answer.status_code in {200, 422}  # unchanged definitions answer 200 without reloading


def test_dlp_alerts_lists_shows_retries_and_purges(
    tmp_path: Path,
    alert_definitions_dir: Path,
    signing_key: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rules = write_rules(tmp_path / "rules.yaml", sender_rules("http://127.0.0.1:9/in", signing_key))
    db = tmp_path / "outbox.sqlite3"
    monkeypatch.setenv("DLP_ALERT_RULES", str(rules))
    monkeypatch.setenv("DLP_ALERT_DB", str(db))
    monkeypatch.setenv("DLP_FINGERPRINT_KEY", FINGERPRINT_KEY.decode())
    monkeypatch.setenv("DLP_BUILTIN_DEFINITIONS", "false")
    monkeypatch.setenv("DLP_DEFINITIONS_DIRS", str(alert_definitions_dir))
    token = make_pypi_tokens(1)[0]
    app = create_app(alert_settings(alert_definitions_dir, rules, db))
    app.test_client().post("/v1/classify", json={"text": token})
    store = app.extensions["dlp"].alerts.store
    (alert,) = store.list_alerts()
    store.mark_failed([alert.id], "HTTP 500", None, 1)

    assert main(["alerts", "list", "--json"]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(a["id"], a["state"]) for a in listed] == [(alert.id, "dead")]
    assert main(["alerts", "show", str(alert.id)]) == 0
    shown = capsys.readouterr().out
    assert json.loads(shown)["last_error"] == "HTTP 500" and token not in shown
    assert main(["alerts", "retry", str(alert.id)]) == 0
    assert store.get(alert.id).state == "pending"  # type: ignore[union-attr]
    assert main(["alerts", "retry", "999"]) == 1
    assert main(["alerts", "show", "999"]) == 2
    assert "no alert has id 999" in capsys.readouterr().err
    store.mark_delivered([alert.id])
    assert main(["alerts", "purge", "--older-than", "0"]) == 0
    assert "purged 1 alerts" in capsys.readouterr().out
    assert main(["alerts", "stats"]) == 0
    assert json.loads(capsys.readouterr().out)["outbox"] == {"pending": 0, "delivered": 0, "dead": 0}
    assert main(["alerts", "validate"]) == 0
    assert "1 rules, 1 issuers" in capsys.readouterr().out
    assert main(["alerts", "keys"]) == 0
    assert json.loads(capsys.readouterr().out)["public_keys"][0]["is_current"] is True


def test_dlp_alerts_keygen_never_overwrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = tmp_path / "new.pem"
    assert main(["alerts", "keygen", str(key)]) == 0
    assert key.stat().st_mode & 0o777 == 0o600 and b"PRIVATE KEY" in key.read_bytes()
    assert main(["alerts", "keygen", str(key)]) == 2
    assert "never overwritten" in capsys.readouterr().err


def test_dlp_alerts_without_a_database_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DLP_ALERT_DB", str(tmp_path / "none.sqlite3"))
    monkeypatch.delenv("DLP_ALERT_DATABASE_URL", raising=False)
    assert main(["alerts", "list"]) == 2
    assert "no alert database" in capsys.readouterr().err
    assert not (tmp_path / "none.sqlite3").exists()
