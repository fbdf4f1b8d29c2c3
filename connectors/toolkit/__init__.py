"""The plumbing every connector shares: HTTP client, retries, rate limits, paging, webhooks."""
