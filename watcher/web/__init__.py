"""The coordinators' web page (`watcher web`): watched pages at a glance, add a page, review and silence changes.

Accounts and sessions live in the snapshots index (`accounts.py`); the Starlette application is built by
`app.create_app`; `server.py` serves it with uvicorn.
"""
