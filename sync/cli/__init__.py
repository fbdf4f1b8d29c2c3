"""The ``crmsync`` admin command line: one module per command group."""
