//! Regression checks of scenario outcomes: the expectations a scenario carries (`[expect]`)
//! judged against a batch's summaries, and baselines of earlier results compared with new ones.

pub mod baseline;
