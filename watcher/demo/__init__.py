"""The bundled demo: a small French public-service site in two versions, and the runner of `watcher demo`."""
