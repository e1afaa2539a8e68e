"""Benchmarks behind `pingan bench NAME`: one module per benchmark, each printing JSON lines.

A module defines HELP, `add_arguments(parser)` and `run(args) -> int`, like a CLI command.
"""
