"""Plumbing shared by every stage: progress lines on a terminal, work in a forked process.

Owns: `progress` (stage lines with bars on stderr), `background` (a forked second process) and
`output` (output folders written whole, marked as jitarsa's, and never over anything else).
May import: the standard library and `jitarsa.errors` only.
"""
