"""The BERT Lens benchmark: ``python -m bench``. Ratios measured in one run on one machine."""
