"""Configuration: the frozen settings types, the schema derived from them, terms, and `load`."""
