"""One module per external format."""
