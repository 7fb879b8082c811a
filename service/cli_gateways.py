"""``dlp icap`` and ``dlp milter``: the gateways in the foreground, on the DLP_* settings.

Both run the built-in definitions and policies (plus the configured folders) through one
policy inspector; SIGHUP reloads definitions and policies, keeping the running ones when
the new ones do not load. Audit events go to standard output unless DLP_AUDIT_LOG says
otherwise.
"""

from __future__ import annotations

import argparse

from service.cli_args import deferred

# The gateways' servers are imported only when one of them starts.
_COMMANDS = "service.cli_gateways_commands"


class GatewayCliError(Exception):
    """A problem starting a gateway, told as one line."""


def add_gateway_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    icap = commands.add_parser("icap", help="serve ICAP (RFC 3507) for web proxies such as Squid")
    icap.add_argument("--bind", metavar="HOST:PORT", help="where to listen (default 127.0.0.1:1344, DLP_ICAP_*)")
    icap.add_argument("--policy", metavar="NAME", help="the policy to decide by (default: DLP_POLICY or default)")
    icap.set_defaults(handler=deferred(_COMMANDS, "run_icap"))
    milter = commands.add_parser("milter", help="serve the milter protocol for Postfix and Sendmail")
    milter.add_argument(
        "--bind", metavar="inet:PORT@HOST", help="where to listen: inet:PORT@HOST, HOST:PORT or unix:PATH"
    )
    milter.add_argument("--policy", metavar="NAME", help="the policy to decide by (default: DLP_POLICY or default)")
    milter.set_defaults(handler=deferred(_COMMANDS, "run_milter"))
