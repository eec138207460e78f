"""``python -m sim.cli``: the same as the ``sim`` command."""

from . import main

main()
