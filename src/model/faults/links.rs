//! Faults that strike a message on a link: lost, delayed more, or delivered twice. The hook
//! runs only when the scenario has faults on that link and direction.

use crate::engine::Nanos;
use crate::model::PaymentId;
use crate::model::World;
use crate::model::event::{Ev, Msg, NO_FAULT};
use crate::model::faults::{keyed_chance, keyed_unit, path_key, purpose};
use crate::model::topology::{Dir, LinkId, Topology};
use crate::model::trace::Tracer;
use crate::scenario::FaultEffect;

impl<T: Tracer> World<'_, T> {
    /// The faults on a link in a direction act on a message that the link itself delivered
    /// after `delay`: it may be lost (and by which cause), delayed more, or duplicated.
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    pub(in crate::model) fn link_faults(
        &mut self,
        pid: PaymentId,
        via: LinkId,
        dir: Dir,
        k: usize,
        first: bool,
        msg: Msg,
        delay: Option<Nanos>,
    ) -> Option<Nanos> {
        let list = self.faults.on_link(via, dir);
        if list.is_empty() {
            return delay;
        }
        let now = self.q.now();
        let p = self.arena[pid];
        let key = path_key(&p, self.topo.groups);
        let mut d = delay.unwrap_or(0);
        let mut dup = false;
        let mut struck = None;
        for i in 0..list.len() {
            let kf = self.faults.on_link(via, dir)[i] as usize;
            let f = &mut self.faults.all[kf];
            if !f.windows.active(now) {
                continue;
            }
            let draw = |f: &mut crate::model::faults::Fault, base: usize, prob: f64| {
                if first {
                    keyed_chance(f, key, base + k, prob)
                } else {
                    f.rng.chance(prob)
                }
            };
            match &f.effect {
                FaultEffect::Partition => {
                    let c = f.cause;
                    self.blame(pid, c);
                    return None;
                }
                FaultEffect::Loss { probability } => {
                    let pr = *probability;
                    if draw(f, purpose::LINK, pr) {
                        let c = f.cause;
                        self.blame(pid, c);
                        return None;
                    }
                }
                FaultEffect::Latency { added } => {
                    let extra = if first {
                        added.quantile_ns(keyed_unit(f, key, purpose::LINK_LATENCY + k))
                    } else {
                        let a = added.clone();
                        a.sample_ns(&mut f.rng)
                    };
                    d = d.saturating_add(extra);
                    struck = Some(f.cause);
                }
                FaultEffect::Duplicate { probability } => {
                    let pr = *probability;
                    dup |= draw(f, purpose::LINK_DUP, pr);
                }
                _ => {}
            }
        }
        if let Some(c) = struck {
            self.arena[pid].struck = c;
        }
        if dup {
            self.out.duplicates += 1;
            // The receiver recognises the copy by its trace number and answers nothing, but
            // spends a server's time on it.
            let at = match msg {
                Msg::Gateway(_) => Some(Topology::GATEWAY),
                Msg::Channel(_) => Some(self.topo.channel(p.channel)),
                Msg::Issuer(_) => Some(self.topo.issuer(p.issuer)),
                Msg::Terminal(_) => None,
            };
            if let Some(station) = at {
                self.schedule(
                    now.saturating_add(d),
                    Ev::Junk {
                        station,
                        fault: NO_FAULT,
                    },
                );
            }
        }
        Some(d)
    }
}
