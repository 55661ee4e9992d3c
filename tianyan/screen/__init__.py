"""Point-of-payment screening: pending transactions judged by the supervision models before they are
loaded (docs/screening.md). engine: the models' SQL on candidate rows; targets/items: what callers
send; auth: keys, rate limits, audit; service: one request; app: HTTP; cli: commands."""
