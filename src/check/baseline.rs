//! Baselines: the observed summaries of a check, saved, and a later check compared with them.
