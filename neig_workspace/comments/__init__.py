"""Comments on documents: threads, comment rounds and the comment table."""
