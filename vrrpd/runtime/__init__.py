"""The asyncio shell: the only owner of the event loop. Drives the pure Routers."""
