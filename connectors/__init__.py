"""Connectors to vendor systems, and the toolkit they share; knows nothing of ``sync``."""
