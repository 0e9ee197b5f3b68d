"""Limits shared by the engine and the payload schemas at the edge."""

NAME_MAX = 40
TEXT_MAX = 500
ACTION_ID_MAX = 64
