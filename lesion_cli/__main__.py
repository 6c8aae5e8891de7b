"""`python -m lesion_cli`: the same as the `lesion` command."""

from lesion_cli.main import main

raise SystemExit(main())
