"""i18n: see docs/architecture.md."""
