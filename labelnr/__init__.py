"""Label NR Workbook: the audit workbook for the Label Numérique Responsable."""

__version__ = "0.1.0"
