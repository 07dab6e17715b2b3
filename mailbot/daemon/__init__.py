"""The daemon: composition root, service parts, timed duties, the runner and its wake-ups."""
