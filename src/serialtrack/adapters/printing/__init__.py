"""Printed documents: renderers of ``domain.printing.Printout``."""
