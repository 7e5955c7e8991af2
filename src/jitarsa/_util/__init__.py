"""Plumbing shared by every stage: progress lines on a terminal, work in a forked process.

Owns: `progress` (stage lines with bars on stderr) and `background` (a forked second process).
May import: the standard library only.
"""
