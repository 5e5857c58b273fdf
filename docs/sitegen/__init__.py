"""Build-time generation of the SegAtlas site from the catalog and the results records.

`hooks.py` is the mkdocs hook that drives it; the other modules are plain functions of a
`SiteData` (data.py) so tests can call them without mkdocs.
"""
