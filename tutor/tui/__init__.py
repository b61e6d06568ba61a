"""The Textual app: course map, lessons with plots, quizzes with live preview and instant feedback."""
