"""pingan's runtime: CLI, config, app assembly, chat adapters, outbox, web dashboard."""
