//! `[[variant]]` blocks and `--set` overrides: named designs built from one scenario.
