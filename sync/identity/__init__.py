"""Identity resolution: which source records describe the same customer."""
