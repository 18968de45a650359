"""One module per question the workbook answers, on top of data, stats and presentation."""
