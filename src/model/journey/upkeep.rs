//! Capacity, monitoring, support desk, fleet upkeep and tuning (see `scenario::strategies::upkeep`).
