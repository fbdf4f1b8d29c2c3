"""Mailchimp Marketing API v3: the list-members connector and its local simulator."""
