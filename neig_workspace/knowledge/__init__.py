"""The knowledge base, kennisbank."""
