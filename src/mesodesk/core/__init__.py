"""The clinical core: pure Python, no Django.

The protocol library, the screening engine, the timeline engine and the series planner.
Inputs and outputs are frozen dataclasses; everything here is deterministic and fast.
"""
