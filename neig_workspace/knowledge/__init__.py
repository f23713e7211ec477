"""The knowledge base, kennisbank (issue #8)."""
