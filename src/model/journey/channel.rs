//! A channel (the card-scheme switch or a third-party channel): it queues requests and passes
//! every message on towards the issuer or back towards the acquirer.

use crate::model::World;
use crate::model::event::{Msg, ToChannel, ToGateway, ToIssuer};
use crate::model::topology::{Dir, LinkId};
use crate::model::trace::Tracer;

impl<T: Tracer> World<'_, T> {
    /// A message reaches the payment's channel.
    pub(in crate::model) fn at_channel(&mut self, pid: u32, m: ToChannel) {
        let p = self.arena.pay[pid as usize];
        let st = self.topo.channel(p.channel);
        match m {
            ToChannel::Request => self.request_at(pid, st),
            ToChannel::Response(c) => {
                if self.reachable(pid, st, Msg::Channel(m)) {
                    self.send(
                        pid,
                        LinkId::GatewayChannel(p.channel),
                        Dir::Down,
                        Msg::Gateway(ToGateway::Response(c)),
                    );
                }
            }
            ToChannel::Reversal => {
                if self.reachable(pid, st, Msg::Channel(m)) {
                    self.send(
                        pid,
                        LinkId::ChannelIssuer(p.channel, p.issuer),
                        Dir::Up,
                        Msg::Issuer(ToIssuer::Reversal),
                    );
                }
            }
            ToChannel::ReversalAck => {
                if self.reachable(pid, st, Msg::Channel(m)) {
                    self.send(
                        pid,
                        LinkId::GatewayChannel(p.channel),
                        Dir::Down,
                        Msg::Gateway(ToGateway::ReversalAck),
                    );
                }
            }
        }
    }

    /// The channel has processed a request: on to the issuer.
    pub(in crate::model) fn channel_forward(&mut self, pid: u32) {
        let p = self.arena.pay[pid as usize];
        self.send(
            pid,
            LinkId::ChannelIssuer(p.channel, p.issuer),
            Dir::Up,
            Msg::Issuer(ToIssuer::Request),
        );
    }
}
