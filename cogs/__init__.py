"""Discord commands, one module per command family, loaded as extensions (``bot.app.EXTENSIONS``).
Keep them thin: parse options, call ``bot.service``, answer with ``bot.embeds`` and ``bot.interactions``."""
