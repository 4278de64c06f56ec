"""qa-bot: answers retrieved and highlighted in Vietnamese documents on administrative reform."""

__version__ = "0.1.0"

__all__ = ["__version__"]
