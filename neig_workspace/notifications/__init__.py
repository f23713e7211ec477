"""In-app notifications and the e-mails about them (issue #4, Notifications)."""
