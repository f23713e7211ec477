"""In-app notifications and the e-mails about them."""
