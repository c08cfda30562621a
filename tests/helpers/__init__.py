"""Shared test doubles, one home for all of them.

* ``fake_discord``: a fake Discord (gateway + REST API) the real discord.py client talks to over sockets.
* ``bot_process``: the real bot (``python -m bot``) as a subprocess against a fake Discord, with helpers
  for reading what it answered; also a pytest plugin that adds the bot's log to a failing test's report.
* ``doubles``: interaction doubles for cog tests, driven through discord.py's own dispatch.
* ``families``: tiny random-weight models of every architecture and tokenizer family.
"""
