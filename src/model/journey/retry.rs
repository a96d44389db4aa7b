//! Request retries and idempotency (see `scenario::strategies::retry`).
