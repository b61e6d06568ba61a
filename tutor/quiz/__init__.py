"""Taking a quiz: the rules shared by the app and the plain line-oriented mode."""

from tutor.quiz.session import QuestionState, QuizSession, Summary

__all__ = ["QuestionState", "QuizSession", "Summary"]
