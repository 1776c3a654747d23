"""Carteira: the back office of an investment advisory firm."""

__version__ = "0.1.0"
