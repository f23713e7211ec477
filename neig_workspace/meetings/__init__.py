"""Meetings and knowledge sessions (issue #8)."""
