"""Gateways: adapters for web proxies (ICAP) and mail servers (milter) that ask
"may this leave?" of the classifier and a policy."""
