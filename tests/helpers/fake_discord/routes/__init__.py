"""The fake's REST route handlers, by resource; the route table is in ``rest.py``."""
