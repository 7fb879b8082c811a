"""``dlp alerts list|show|retry|purge|stats|worker|validate|keygen|keys``: the alert outbox from the
command line, the delivery worker as a process of its own, and the rules' linter.

Settings come from the same ``DLP_*`` variables as the service (``DLP_ALERT_RULES``,
``DLP_ALERT_DB``, ``DLP_ALERT_DATABASE_URL``). Exit status: 0 done, 1 problems found
(``validate``) or nothing to act on (``retry``), 2 error.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from service.alerts.store import STATES
from service.cli_args import deferred

# The commands' code (the outbox, signing, delivery) is imported only when one of them runs, so
# that every other command starts without it.
_COMMANDS = "service.cli_alerts_commands"


def add_alert_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    alerts_cmd = commands.add_parser("alerts", help="issuer alerts: the outbox, the delivery worker, the rules")
    alerts = alerts_cmd.add_subparsers(dest="alerts_command", required=True, metavar="COMMAND")
    list_cmd = alerts.add_parser("list", help="list alerts, newest first (fingerprints, never tokens)")
    list_cmd.add_argument("--state", choices=STATES)
    list_cmd.add_argument("--limit", type=int, default=100)
    list_cmd.add_argument("--json", action="store_true", help="one JSON object per line")
    list_cmd.set_defaults(handler=deferred(_COMMANDS, "run_list"))
    show_cmd = alerts.add_parser("show", help="show one alert")
    show_cmd.add_argument("id", type=int)
    show_cmd.set_defaults(handler=deferred(_COMMANDS, "run_show"))
    retry_cmd = alerts.add_parser("retry", help="send a dead or waiting alert again now")
    retry_cmd.add_argument("id", type=int)
    retry_cmd.set_defaults(handler=deferred(_COMMANDS, "run_retry"))
    purge_cmd = alerts.add_parser("purge", help="delete delivered and dead alerts older than a time")
    purge_cmd.add_argument("--older-than", type=float, default=30 * 86400.0, metavar="SECONDS", help="default 30 days")
    purge_cmd.set_defaults(handler=deferred(_COMMANDS, "run_purge"))
    stats_cmd = alerts.add_parser("stats", help="alerts by state; received / valid / processed on the inbound side")
    stats_cmd.set_defaults(handler=deferred(_COMMANDS, "run_stats"))
    worker_cmd = alerts.add_parser("worker", help="run the delivery worker (until SIGTERM)")
    worker_cmd.add_argument("--once", action="store_true", help="one round, then exit")
    worker_cmd.set_defaults(handler=deferred(_COMMANDS, "run_worker"))
    validate_cmd = alerts.add_parser("validate", help="check an alert rules file against the definitions")
    validate_cmd.add_argument("file", nargs="?", type=Path, help="default: DLP_ALERT_RULES")
    validate_cmd.set_defaults(handler=deferred(_COMMANDS, "run_validate"))
    keygen_cmd = alerts.add_parser("keygen", help="write a new ECDSA P-256 signing key (PEM, mode 0600)")
    keygen_cmd.add_argument("file", type=Path)
    keygen_cmd.set_defaults(handler=deferred(_COMMANDS, "run_keygen"))
    keys_cmd = alerts.add_parser("keys", help="print the public-key document served at the well-known URL")
    keys_cmd.set_defaults(handler=deferred(_COMMANDS, "run_keys"))
