"""Application services: what the transport layer calls to act on sessions."""
