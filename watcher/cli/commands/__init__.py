"""The bigger commands of the CLI, one module each (cli.py only parses options)."""
