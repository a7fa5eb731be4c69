"""Readers, one module per kind of source file. Each returns a pandas frame of a fixed shape."""
