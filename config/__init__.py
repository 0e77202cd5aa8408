"""The process's configuration (`config.settings.Settings`), read once from the environment.

The lowest layer of the project: it imports nothing of ours, so every other package may read settings
(see docs/architecture.md, "Layers and packages").
"""
