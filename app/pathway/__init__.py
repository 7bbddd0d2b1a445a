"""PURE: the radiculopathy pathway (PATHWAY.md). No I/O, no clock, no framework imports."""
