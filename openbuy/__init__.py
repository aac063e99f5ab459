"""openbuy: open, bottom-up public procurement."""

__version__ = "0.1.0"
