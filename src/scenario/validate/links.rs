//! The network links: the `[network]` defaults on every link, then the overrides of
//! `[[network.links]]`, each named by its two ends in either order.

use super::super::check::Ctx;
use super::super::error::{ScenarioError, did_you_mean};
use super::super::raw::RawNetwork;
use super::super::{ChannelSpec, IssuerSpec, LinkSpec, Links, TerminalGroup};
use super::components::Ids;
use toml::Spanned;

/// Links: defaults, then overrides by (from, to).
pub(super) fn links(
    cx: &Ctx,
    network: &RawNetwork,
    ids: &Ids,
    terminals: &[TerminalGroup],
    channels: &[ChannelSpec],
    issuers: &[IssuerSpec],
) -> Result<Links, ScenarioError> {
    let def = LinkSpec {
        latency: network.latency.dist.clone(),
        loss: network.loss.0,
    };
    let mut links = Links {
        terminal: vec![def.clone(); terminals.len()],
        gateway_channel: vec![def.clone(); channels.len()],
        channel_issuer: vec![vec![def.clone(); issuers.len()]; channels.len()],
    };
    let all_ids: Vec<&str> = ids.0.iter().map(|(s, _)| s.as_str()).collect();
    for (i, l) in network.links.iter().enumerate() {
        let f = format!("network.links[{i}]");
        let find = |s: &Spanned<String>, field: &str| -> Result<String, ScenarioError> {
            let v = s.get_ref();
            if all_ids.contains(&v.as_str()) {
                Ok(v.clone())
            } else {
                Err(cx.err(
                    s.span(),
                    field,
                    format!(
                        "unknown component id \"{v}\"{}; known ids: {}",
                        did_you_mean(v, &all_ids),
                        all_ids.join(", ")
                    ),
                ))
            }
        };
        let from = find(&l.from, &format!("{f}.from"))?;
        let to = find(&l.to, &format!("{f}.to"))?;
        let pos = |id: &str| -> Option<(char, usize)> {
            if id == "gateway" {
                return Some(('g', 0));
            }
            if let Some(k) = terminals.iter().position(|t| t.id == id) {
                return Some(('t', k));
            }
            if let Some(k) = channels.iter().position(|c| c.station.id == id) {
                return Some(('c', k));
            }
            issuers
                .iter()
                .position(|x| x.station.id == id)
                .map(|k| ('i', k))
        };
        // Both ids are known, so both have a position.
        let (a, b) = (pos(&from), pos(&to));
        // A link is undirected: accept either order.
        let slot: &mut LinkSpec = match (a, b) {
            (Some(('t', t)), Some(('g', _))) | (Some(('g', _)), Some(('t', t))) => {
                &mut links.terminal[t]
            }
            (Some(('g', _)), Some(('c', c))) | (Some(('c', c)), Some(('g', _))) => {
                &mut links.gateway_channel[c]
            }
            (Some(('c', c)), Some(('i', k))) | (Some(('i', k)), Some(('c', c))) => {
                &mut links.channel_issuer[c][k]
            }
            _ => {
                return Err(cx.err(
                    l.to.span(),
                    &format!("{f}.to"),
                    format!(
                        "there is no link between \"{from}\" and \"{to}\"; links join a terminal \
                         group and the gateway, the gateway and a channel, or a channel and an \
                         issuer"
                    ),
                ));
            }
        };
        if let Some(lat) = &l.latency {
            slot.latency = lat.dist.clone();
        }
        if let Some(p) = l.loss {
            slot.loss = p.0;
        }
    }
    Ok(links)
}
