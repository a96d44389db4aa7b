//! Circuit breakers, bulkheads, load shedding and failover (see `scenario::strategies::guard`).
