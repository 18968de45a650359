"""Key Account Workbook helpers."""
