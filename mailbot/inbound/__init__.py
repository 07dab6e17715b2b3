"""The inbound pipeline: small steps that take one parsed mail to an outcome."""
