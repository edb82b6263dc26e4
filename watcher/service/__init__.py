"""service: see docs/architecture.md."""
