"""A faithful local simulator of the Mailchimp Marketing API's list members, for tests and demo."""

from connectors.mailchimp.sandbox.simulator import MailchimpSandbox, create_sandbox
from connectors.mailchimp.sandbox.webhooks import WebhookDelivery

__all__ = ["MailchimpSandbox", "WebhookDelivery", "create_sandbox"]
