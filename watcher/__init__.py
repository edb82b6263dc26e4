"""watcher: watches the interfaces of public-service sites and alerts mediators when they change."""

__version__ = "0.1.0"
