"""tutor: a self-grading quiz and tutor for the terminal."""

__version__ = "0.1.0"
