"""The domain core: plain Python, no I/O. Products, locations, documents, rules."""
