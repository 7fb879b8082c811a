"""``dlp icap`` and ``dlp milter``: the gateways in the foreground, on the DLP_* settings.

Both run the built-in definitions and policies (plus the configured folders) through one
policy inspector; SIGHUP reloads definitions and policies, keeping the running ones when
the new ones do not load. Audit events go to standard output unless DLP_AUDIT_LOG says
otherwise.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import signal
from collections.abc import Callable
from types import FrameType

from service.config import ConfigError, Settings, load_settings
from service.definitions import DefinitionError
from service.gateway.icap import serve as serve_icap
from service.gateway.icap.config import config_from_settings as icap_config
from service.gateway.inspector import PolicyInspector
from service.gateway.milter import serve as serve_milter
from service.gateway.milter.config import config_from_settings as milter_config
from service.gateway.milter.server import parse_bind
from service.policy.errors import PolicyError, UnknownPolicyError

log = logging.getLogger("dlp.gateway")


class GatewayCliError(Exception):
    """A problem starting a gateway, told as one line."""


def add_gateway_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    icap = commands.add_parser("icap", help="serve ICAP (RFC 3507) for web proxies such as Squid")
    icap.add_argument("--bind", metavar="HOST:PORT", help="where to listen (default 127.0.0.1:1344, DLP_ICAP_*)")
    icap.add_argument("--policy", metavar="NAME", help="the policy to decide by (default: DLP_POLICY or default)")
    icap.set_defaults(handler=run_icap)
    milter = commands.add_parser("milter", help="serve the milter protocol for Postfix and Sendmail")
    milter.add_argument(
        "--bind", metavar="inet:PORT@HOST", help="where to listen: inet:PORT@HOST, HOST:PORT or unix:PATH"
    )
    milter.add_argument("--policy", metavar="NAME", help="the policy to decide by (default: DLP_POLICY or default)")
    milter.set_defaults(handler=run_milter)


def run_icap(args: argparse.Namespace) -> int:
    inspector, settings = _inspector(args)
    try:
        config = icap_config(settings, os.environ)
        if args.bind:
            host, _, port = args.bind.rpartition(":")
            if not host or not port.isdigit():
                raise ValueError(f"--bind must be HOST:PORT, not {args.bind!r}")
            config = dataclasses.replace(config, host=host.strip("[]"), port=int(port))
    except ValueError as error:
        raise GatewayCliError(f"configuration: {error}") from None
    _reload_on_hangup(inspector)
    serve_icap(inspector, config)
    return 0


def run_milter(args: argparse.Namespace) -> int:
    inspector, settings = _inspector(args)
    try:
        config = milter_config(settings, os.environ)
        if args.bind:
            parse_bind(args.bind)  # refused here with a clear message rather than at listen time
            config = dataclasses.replace(config, bind=args.bind)
    except ValueError as error:
        raise GatewayCliError(f"configuration: {error}") from None
    _reload_on_hangup(inspector)
    serve_milter(inspector, config)
    return 0


def _inspector(args: argparse.Namespace) -> tuple[PolicyInspector, Settings]:
    try:
        settings = load_settings()
        if args.policy:
            settings = dataclasses.replace(settings, policy=args.policy)
        inspector = PolicyInspector.from_settings(settings)
        inspector.policy()  # an unknown policy name stops the start, not the first request
    except (ConfigError, DefinitionError, PolicyError) as error:
        raise GatewayCliError(" ".join(str(error).split())) from None
    except UnknownPolicyError:
        raise GatewayCliError(f"unknown policy {settings.policy!r}; dlp policy list shows the loaded ones") from None
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return inspector, settings


def _reload_on_hangup(inspector: PolicyInspector) -> None:
    def reload(signum: int, frame: FrameType | None) -> None:
        try:
            version = inspector.reload()
        except (ConfigError, DefinitionError, PolicyError) as error:
            log.error("reload failed, keeping the running definitions and policies: %s", " ".join(str(error).split()))
            return
        log.info("reloaded definitions and policies: version %s", version)

    handler: Callable[[int, FrameType | None], None] = reload
    signal.signal(signal.SIGHUP, handler)
