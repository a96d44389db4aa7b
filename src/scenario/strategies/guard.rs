//! See `super` (the strategies' overview).
