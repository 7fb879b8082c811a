"""An ICAP server (RFC 3507) that lets web proxies such as Squid ask the inspector about
uploads (REQMOD) and downloads (RESPMOD)."""

from service.gateway.icap.config import IcapConfig, config_from_mapping, config_from_settings
from service.gateway.icap.run import BackgroundServer, serve, start_in_thread
from service.gateway.icap.server import IcapServer

__all__ = [
    "BackgroundServer",
    "IcapConfig",
    "IcapServer",
    "config_from_mapping",
    "config_from_settings",
    "serve",
    "start_in_thread",
]
