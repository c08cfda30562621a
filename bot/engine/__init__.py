"""The pure, synchronous, thread-safe engine shared by the CLI, the Discord cogs, the benchmark and the tests.

Nothing in here knows about Discord.
"""
