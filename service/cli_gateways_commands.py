"""What ``dlp icap`` and ``dlp milter`` run; the command line itself is in ``service.cli_gateways``."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import signal
from collections.abc import Callable
from types import FrameType

from service.cli_gateways import GatewayCliError
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
