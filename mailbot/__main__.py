"""`python -m mailbot`: the same as the `mailbot` command."""

from mailbot.cli import main

raise SystemExit(main())
