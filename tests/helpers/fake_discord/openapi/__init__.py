"""Discord's OpenAPI spec, trimmed to what the fake serves, and the check of every request body against
it (see ``validator.py``; ``trim.py`` makes the trimmed copy and says where it comes from)."""
