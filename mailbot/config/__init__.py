"""Configuration: the TOML file read and checked once, the frozen settings types, and terms."""
