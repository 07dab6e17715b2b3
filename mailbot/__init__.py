"""mailbot: a complaints procedure run over plain e-mail."""

__version__ = "0.1.0"
