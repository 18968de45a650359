"""The base every layer stands on: errors, project paths and parameters. Imports nothing else from the package."""
