"""One module per family of formats; each registers its readers with ``handles``."""
