"""A learner's record: what was answered, how well, and where they left off."""

from tutor.progress.store import Attempt, ProgressStore, default_data_dir

__all__ = ["Attempt", "ProgressStore", "default_data_dir"]
