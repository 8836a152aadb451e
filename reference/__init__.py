"""Reference implementations of the LR range test, LR schedules and training for the course's assignments."""

__version__ = "0.2.0"
