"""``python -m sync``: the same as the ``crmsync`` command."""

from sync.cli.app import main

main()
