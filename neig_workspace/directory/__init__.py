"""The member directory (issue #8)."""
