"""The session engine: one live session's state, commands in, events out.

Pure by rule: nothing here reads a clock, draws a random number or does I/O, and
nothing imports flask, socketio, redis or sqlite3 (tests/test_core_purity.py checks).
Callers pass time in (`at`), persist the events, and broadcast them.
"""
