"""Taking a course to a class: LMS exports (GIFT, Moodle XML, QTI 2.1), GIFT import, xAPI
statements for a Learning Record Store, and the class report over many learners' attempts.

Pure logic: nothing here imports the command line or the UI (see pyproject's importlinter).
"""
