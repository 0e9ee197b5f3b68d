"""Facilitator: run live group sessions of Interpersonal Psychotherapy."""

__version__ = "0.1.0"
