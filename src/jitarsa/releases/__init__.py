"""Stage 5: releases. What changed between two publications (`diff`), and a version cut from
the data with its archive, its change notes and its DCAT record (`release`).

May import from jitarsa.publish and every layer above it; only the CLI and the public API import it.
"""
