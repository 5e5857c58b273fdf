"""`python -m catalog ...` runs the `catalog` command line."""

from catalog.cli import app

app(prog_name="catalog")
