"""Applications to join the network (issue #8)."""
