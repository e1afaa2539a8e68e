"""The bottom layer: what every other package shares and nothing of pingan's own.

Layers run one way, bot → schedules → handlers → storage → core (docs/design-notes.md,
"Layers"): the messages, clock, errors, config models and the parser's result types live
here so storage can type its rows and handlers their context without importing a layer
above. core imports only the standard library and third-party packages;
tests/test_layers.py keeps it so.
"""
