"""Data in: the contract, sources and workspaces, validation, the sample world, features and their cache."""
