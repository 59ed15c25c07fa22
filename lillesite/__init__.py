"""lillesite: a static multilingual website generator."""

__version__ = "0.1.0"
