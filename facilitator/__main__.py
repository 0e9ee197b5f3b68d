"""`python -m facilitator`: the same as the `facilitator` command."""

from facilitator.launcher import main

main()
