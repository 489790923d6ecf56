"""Adapters: the only code that talks to databases, files, printers and scanners."""
