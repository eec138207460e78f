"""Monte Carlo risk simulator for a Swedish region's budget and pension portfolio."""

__version__ = "0.1.0"
