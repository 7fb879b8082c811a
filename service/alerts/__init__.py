"""Issuer alerts: valid credentials found by ``classify`` are told to their issuer.

Rules (``rules``) choose which findings become alerts and where they go. An alert is committed
to a durable outbox (``store`` over ``database``: SQLite by default, PostgreSQL when a URL is
configured) before the classify answer returns, de-duplicated by fingerprint and issuer within
a window, and delivered by one background worker per service (``delivery``), signed
(``signing``) in the shape of GitHub's secret-scanning partner program. An issuer that runs
this service receives them with ``receiver``, which verifies, de-duplicates and counts them.

Nothing here imports Flask: the web layer and the CLI both drive these modules.
"""
