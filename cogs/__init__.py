"""Discord commands. Every public module here is loaded as an extension at start-up; keep them thin:
parse options, call ``bot.service``, answer with ``bot.replies``."""
