"""Label renderers: PDF (reportlab) and ZPL II for Zebra printers, from ``domain.labels``."""
