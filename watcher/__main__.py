"""`python -m watcher` is the same as the `watcher` command."""

from watcher.cli.fast import main

main()
