"""A scripted session of group-ipt-8 through a live server: 1 console, 1 display, 8 phones.

Every assertion is about what each client received, including what some must not.
"""

from __future__ import annotations

import pytest

from tests.live import Client, Facilitator, Server
from tests.scripted_session import run_scripted_session


@pytest.mark.slow
def test_a_scripted_group_session_reaches_each_audience_with_only_what_it_may_see(
    server: Server, facilitator: Facilitator, clients: list[Client]
) -> None:
    run_scripted_session([server], facilitator, clients)
