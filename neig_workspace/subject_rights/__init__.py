"""The rights of data subjects (AVG art. 15 and 17): the subject-access export of an account
(export.py) and its erasure (erasure.py). Residents named in cases are served by the case
managers of the organisations involved (docs/subject-requests.md)."""
