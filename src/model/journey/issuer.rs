//! The issuing bank: its queue, the authorisation decision on the cardholder's account, and
//! reversals that release a hold.

use crate::model::World;
use crate::model::event::{Msg, ToChannel, ToIssuer};
use crate::model::ledger::Account;
use crate::model::payment::{AcquirerState as Acq, IssuerState as Iss, code, flag, slot};
use crate::model::topology::{Dir, LinkId};
use crate::model::trace::{Step, Tracer};

impl<T: Tracer> World<'_, T> {
    /// A message reaches the payment's issuer.
    pub(in crate::model) fn at_issuer(&mut self, pid: u32, m: ToIssuer) {
        let p = self.arena.pay[pid as usize];
        let st = self.topo.issuer(p.issuer);
        match m {
            ToIssuer::Request => self.request_at(pid, st),
            ToIssuer::Reversal => {
                if self.reachable(pid, st, Msg::Issuer(m)) {
                    self.issuer_reversal(pid);
                    self.send(
                        pid,
                        LinkId::ChannelIssuer(p.channel, p.issuer),
                        Dir::Down,
                        Msg::Channel(ToChannel::ReversalAck),
                    );
                }
            }
        }
    }

    /// The issuer decides; an approval holds the funds on the cardholder's account.
    pub(in crate::model) fn issuer_decide(&mut self, pid: u32) {
        let now = self.q.now();
        let p = self.arena.pay[pid as usize];
        let rcode = if p.issuer_state == Iss::ReversedFirst {
            // The reversal overtook the request: the issuer refuses the late original.
            code::DO_NOT_HONOUR
        } else {
            let dnh = self.word(pid, slot::DO_NOT_HONOUR);
            self.nodes.accounts[p.issuer as usize].authorise(
                p.account,
                p.amount,
                p.has(flag::MISKEYED),
                dnh,
            )
        };
        let q = &mut self.arena.pay[pid as usize];
        if rcode == code::APPROVED {
            q.issuer_state = Iss::Held;
            q.t_held = now;
            q.charged += q.amount;
            self.books.ledger.post(
                Account::Cardholders,
                Account::IssuerHolds(p.issuer),
                p.amount,
            );
        } else if q.issuer_state != Iss::ReversedFirst {
            q.issuer_state = Iss::Declined;
        }
        if T::ON {
            let st = self.topo.issuer(p.issuer);
            self.trace(pid, |w| Step::Decided {
                at: w.nodes.stations[st.index()].id.clone(),
                code: rcode,
            });
            if rcode == code::APPROVED {
                self.trace(pid, |_| Step::Held);
            }
        }
        self.send(
            pid,
            LinkId::ChannelIssuer(p.channel, p.issuer),
            Dir::Down,
            Msg::Channel(ToChannel::Response(rcode)),
        );
    }

    /// A reversal reaches the issuer: a hold not yet cleared is released.
    fn issuer_reversal(&mut self, pid: u32) {
        let p = &mut self.arena.pay[pid as usize];
        match p.issuer_state {
            // Clearing reaches the issuer at cut-off; a reversal after that is too late.
            Iss::Held if p.acquirer != Acq::Cleared => {
                p.issuer_state = Iss::Released;
                p.charged -= p.amount;
                let (i, a, amt) = (p.issuer, p.account, p.amount);
                self.nodes.accounts[i as usize].release(a, amt);
                self.books
                    .ledger
                    .post(Account::IssuerHolds(i), Account::Cardholders, amt);
                if T::ON {
                    self.trace(pid, |_| Step::Released);
                }
            }
            Iss::Unseen => p.issuer_state = Iss::ReversedFirst,
            _ => {}
        }
    }
}
