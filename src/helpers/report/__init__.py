"""The top layer: the notebook API, rendering, the portal, run orchestration and locks."""
