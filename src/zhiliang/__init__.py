"""质量 Zhiliang — the information system behind a city's consumer-goods standards and quality plan."""

__version__ = "0.1.0"
