"""Meetings and knowledge sessions."""
