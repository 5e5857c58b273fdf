"""`python -m catalog ...` runs the `catalog` command line."""

from catalog.cli import main

main()
