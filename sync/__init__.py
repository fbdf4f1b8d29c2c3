"""The sync engine: store, identity resolution, merge, push, daemon and CLI."""
