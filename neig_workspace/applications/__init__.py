"""Applications to join the network."""
