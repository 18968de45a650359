"""How results read: report language, tables and number formats, chart style, the findings a manager sees."""
