"""The benchmark at a million tickets (see bench/README.md)."""
