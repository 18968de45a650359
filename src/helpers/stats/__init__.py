"""Statistical building blocks on statsmodels and scipy: intervals, tests and multiple comparisons, safe ratios."""
