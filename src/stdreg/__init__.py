"""stdreg: a county register of the standards every enterprise product is made to."""

__version__ = "0.1.0"
