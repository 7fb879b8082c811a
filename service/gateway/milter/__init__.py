"""A milter (the Sendmail/Postfix content-filter protocol) that classifies mail as it is sent."""

from service.gateway.milter.config import MilterConfig, OversizeAction, config_from_environ, config_from_settings
from service.gateway.milter.server import MilterServer, RunningMilter, serve

__all__ = [
    "MilterConfig",
    "MilterServer",
    "OversizeAction",
    "RunningMilter",
    "config_from_environ",
    "config_from_settings",
    "serve",
]
