"""The `mailbot` command line: arguments and output, `check`, views of cases and sample data."""
