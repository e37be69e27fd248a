"""Peer tools: each module exposes ``PEER`` (a :class:`benchmarks.common.Peer`)."""
