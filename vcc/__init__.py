"""vcc: an open contact center that plugs into the PBX you already run."""

__version__ = "0.1.0"
