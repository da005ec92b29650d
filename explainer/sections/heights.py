"""How tall each section is when embedded alone (``?section=<slug>&embed=true``) at its default
settings in a column 820 pixels wide: the height of the ``<iframe>`` its "Share or embed" box offers.

Measured in Chromium by ``tests/test_browser_embed.py``, which fails when a section outgrows its
height or shrinks well below it (then update the number here to the one the test prints)."""

HEIGHTS: dict[str, int] = {
    "descent": 4450,
    "landscape": 5850,
    "critical-points": 2900,
    "local-minimum": 6850,
    "saddle-point": 7350,
    "plateau": 5200,
    "overfitting": 4600,
    "claims": 2450,
}
