"""Grading: from a learner's answer text to a verdict, for every question type."""
