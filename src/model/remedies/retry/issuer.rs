//! Idempotency at the issuer: deciding from the key, and what a carrier's reversal undoes.

use super::bit;
use crate::model::PaymentId;
use crate::model::World;
use crate::model::event::{Msg, ToChannel};
use crate::model::payment::code;
use crate::model::topology::{Dir, LinkId};
use crate::model::trace::{Step, Tracer};

impl<T: Tracer> World<'_, T> {
    /// A request reaches the issuer's decision with idempotency on. True when answered here:
    /// from the key (the owner already approved: no second charge), or by deciding for the
    /// owner when a carrier arrives first.
    #[inline(never)]
    pub(in crate::model) fn retry_issuer_decide(&mut self, pid: PaymentId) -> bool {
        let p = self.arena[pid];
        if p.retry & bit::IN_SALE == 0 {
            return false;
        }
        let owner = self.sale_entry(pid).owner;
        let o = self.arena[owner];
        let link = LinkId::ChannelIssuer(p.channel, p.issuer);
        if o.issuer_has_funds() {
            // A carrier, or the owner's own request arriving late after a carrier's.
            self.out.idempotent_replays += 1;
            if T::ON {
                self.trace(pid, |_| {
                    Step::Note("trace.note.retry_issuer_has_decided_this")
                });
            }
            self.send(
                pid,
                link,
                Dir::Down,
                Msg::Channel(ToChannel::Response(code::APPROVED)),
            );
            return true;
        }
        if pid == owner {
            return false;
        }
        // The first request under this key to be decided: the money is the owner's.
        let rcode = self.issuer_decision(owner);
        self.send(
            pid,
            link,
            Dir::Down,
            Msg::Channel(ToChannel::Response(rcode)),
        );
        true
    }

    /// The record a reversal reaching the issuer acts on: a carrier's reverses its key.
    #[inline(never)]
    pub(in crate::model) fn retry_reversal_target(&mut self, pid: PaymentId) -> PaymentId {
        if self.arena[pid].retry & bit::CARRIER != 0 {
            self.sale_entry(pid).owner
        } else {
            pid
        }
    }
}
