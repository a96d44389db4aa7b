//! Load shedding: queued requests whose terminal has given up are dropped unserved.

use crate::engine::Nanos;
use crate::model::PaymentId;
use crate::model::World;
use crate::model::invariants::Violation;
use crate::model::payment::TerminalState as Term;
use crate::model::topology::StationId;
use crate::model::trace::{Step, Tracer};

impl<T: Tracer> World<'_, T> {
    /// A station is about to serve a queued request: with shedding on, requests whose terminal
    /// has given up (sale + terminal timeout passed) are dropped unserved, and the server takes
    /// the next. Returns the request to serve, if any.
    #[inline(never)]
    pub(in crate::model) fn shed_queued(
        &mut self,
        st: StationId,
        mut pid: PaymentId,
        mut end: Nanos,
    ) -> Result<Option<(PaymentId, Nanos)>, Violation> {
        let now = self.q.now();
        loop {
            if pid == crate::model::station::JUNK || now < self.deadline(pid) {
                return Ok(Some((pid, end)));
            }
            self.out.requests_shed += 1;
            if T::ON {
                let gave_up = self.arena[pid].terminal_state != Term::Waiting;
                self.trace(pid, |w| {
                    Step::Says(
                        if gave_up {
                            "trace.says.shed_gave_up"
                        } else {
                            "trace.says.shed_deadline"
                        },
                        vec![
                            ("kind", w.station_word(st).to_string()),
                            ("at", w.nodes.stations[st.index()].id.clone()),
                        ],
                    )
                });
            }
            self.release(pid)?; // its queue place
            match self.nodes.stations[st.index()].depart(now) {
                Some((next, e)) => (pid, end) = (next, e),
                None => return Ok(None),
            }
        }
    }
}
