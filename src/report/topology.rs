//! `topology.svg`: a diagram of the scenario's payment network for a room, drawn from the
//! validated [`Scenario`] alone (no run needed): the terminal groups, their links to the
//! acquirer (its gateway, risk engine, merchant risk control and reconciliation), the
//! channels (card-scheme switch, third-party channels, a QR aggregator), the issuers, then
//! clearing and settlement, the payout channel and the merchants' accounts. Every fault of
//! the scenario is marked where it strikes: a red marker with its id, kind and time window at
//! the component or link it targets.
//!
//! Pure: scenario and language in, SVG text out, the same bytes every time. Hand-written SVG
//! (boxes, lines, text); every box is a `<g class="node" id="...">` with its rectangle in
//! `data-box`, every fault marker a `<g class="fault" data-fault="id" data-target="node">`,
//! which the tests read.

use super::html::esc;
use crate::engine::Nanos;
use crate::engine::time::{DAY, HOUR, MINUTE, SECOND};
use crate::i18n::Lang;
use crate::scenario::faults::kind_name;
use crate::scenario::{
    Component, FaultKind, FaultTarget, Length, LinkRef, MessageFlow, PayoutSchedule, Scenario,
    Timing,
};
use crate::tr;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The font families of the diagrams: the charts' SVGs' (in Chinese, the face report.html
/// embeds first).
pub(crate) fn font(lang: Lang) -> &'static str {
    super::charts::svg_family(lang)
}

/// "day 0 10:00" (seconds shown only when not whole minutes): an instant of the run.
pub(crate) fn when(lang: Lang, t: Nanos) -> String {
    let (day, rem) = (t / DAY, t % DAY);
    let (h, m, s) = (rem / HOUR, (rem % HOUR) / MINUTE, (rem % MINUTE) / SECOND);
    let clock = if s == 0 {
        format!("{h:02}:{m:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    };
    tr!(lang, "teach.at", day = day, clock = clock)
}

/// A fault's time window in a few words: "day 0 10:00–10:30", "every 1 d", "until repaired".
pub fn window(lang: Lang, t: &Timing) -> String {
    let from = when(lang, t.start);
    let base = match &t.length {
        Length::Fixed(d) => {
            let end = t.start.saturating_add(*d);
            if end / DAY == t.start / DAY || (end % DAY == 0 && end - t.start <= DAY) {
                let to = when(lang, end);
                let clock = to.rsplit(' ').next().unwrap_or("").to_owned();
                let clock = if end % DAY == 0 && end > t.start {
                    "24:00".to_owned()
                } else {
                    clock
                };
                format!("{from}–{clock}")
            } else {
                format!("{from} – {}", when(lang, end))
            }
        }
        Length::Forever => tr!(lang, "teach.win.from", from = from),
        Length::Repaired { .. } => tr!(lang, "teach.win.until_repaired", from = from),
    };
    if let Some(p) = t.repeat {
        let period = super::format::duration(crate::engine::time::as_secs_f64(p));
        tr!(lang, "teach.win.every", window = base, period = period)
    } else if t.mtbf.is_some() {
        tr!(lang, "teach.win.random", from = from)
    } else {
        base
    }
}

/// A box of the diagram.
#[derive(Clone, Debug)]
struct Node {
    id: String,
    x: f64,
    y: f64,
    w: f64,
    h: f64,
    lines: Vec<String>,
    /// Fill colour.
    fill: &'static str,
}

impl Node {
    fn right(&self) -> (f64, f64) {
        (self.x + self.w, self.y + self.h / 2.0)
    }
    fn left(&self) -> (f64, f64) {
        (self.x, self.y + self.h / 2.0)
    }
}

const BOX_H: f64 = 66.0;
const LABEL_LINE: f64 = 15.0;
const FAULT_H: f64 = 3.0 * LABEL_LINE + 10.0;
const COL_X: [f64; 4] = [40.0, 430.0, 820.0, 1210.0];
const COL_W: f64 = 220.0;
const TOP: f64 = 110.0;
const GAP: f64 = 28.0;

/// Where fault `k` strikes: the ids of the nodes (or links) its marker goes on.
pub fn fault_places(s: &Scenario, k: usize) -> Vec<String> {
    let Some(f) = s.faults.get(k) else {
        return vec![];
    };
    match &f.target {
        FaultTarget::Station(Component::Gateway) if f.kind == FaultKind::CardRule => {
            vec![if s.risk.is_some() { "risk" } else { "gateway" }.to_owned()]
        }
        FaultTarget::Station(Component::Gateway) => vec!["gateway".to_owned()],
        FaultTarget::Station(Component::Channel(c)) => vec![format!("channel-{c}")],
        FaultTarget::Station(Component::Issuer(i)) | FaultTarget::Issuer(i) => {
            vec![format!("issuer-{i}")]
        }
        FaultTarget::Link(l, _) => vec![link_id(*l)],
        FaultTarget::Groups(gs) => match f.kind {
            FaultKind::WrongAccount | FaultKind::FeeMisconfigured => {
                vec!["merchant-accounts".to_owned()]
            }
            FaultKind::PayoutChannelDown if s.payout.channel.is_some() => {
                vec!["payout-rail".to_owned()]
            }
            FaultKind::PayoutChannelDown => vec!["merchant-accounts".to_owned()],
            FaultKind::MerchantRule => vec!["merchant-risk".to_owned()],
            _ => gs.iter().map(|g| format!("group-{g}")).collect(),
        },
    }
}

/// The id of a link of the network.
fn link_id(l: LinkRef) -> String {
    match l {
        LinkRef::Terminal(g) => format!("link-t{g}"),
        LinkRef::GatewayChannel(c) => format!("link-gc{c}"),
        LinkRef::ChannelIssuer(c, i) => format!("link-ci{c}-{i}"),
    }
}

/// Whether the diagram draws a merchant risk box.
fn has_merchant_risk(s: &Scenario) -> bool {
    s.merchant_risk.is_some() || s.faults.iter().any(|f| f.kind == FaultKind::MerchantRule)
}

/// The faults of each node or link, in the scenario's order: (fault index, label lines).
fn fault_labels(s: &Scenario, lang: Lang) -> BTreeMap<String, Vec<(usize, [String; 3])>> {
    let mut by: BTreeMap<String, Vec<(usize, [String; 3])>> = BTreeMap::new();
    for (k, f) in s.faults.iter().enumerate() {
        let kind = lang.get(&format!("teach.kind.{}", kind_name(f.kind)));
        let label = [
            format!("▲ {}", f.id),
            kind.to_owned(),
            window(lang, &f.timing),
        ];
        for place in fault_places(s, k) {
            by.entry(place).or_default().push((k, label.clone()));
        }
    }
    by
}

/// Stacks boxes in a column from `TOP`, leaving room under each for its fault labels.
fn stack(
    col: usize,
    items: Vec<(String, Vec<String>, &'static str)>,
    faults: &BTreeMap<String, Vec<(usize, [String; 3])>>,
) -> (Vec<Node>, f64) {
    let mut y = TOP;
    let mut out = vec![];
    for (id, lines, fill) in items {
        let h = BOX_H.max(16.0 + 20.0 * lines.len() as f64);
        let n_faults = faults.get(&id).map_or(0, |v| v.len());
        out.push(Node {
            id,
            x: COL_X[col],
            y,
            w: COL_W,
            h,
            lines,
            fill,
        });
        y += h + GAP + n_faults as f64 * FAULT_H;
    }
    (out, y)
}

/// The boxes of the four columns (terminals, acquirer, channels, issuers) and the bottom row.
fn layout(
    s: &Scenario,
    lang: Lang,
    faults: &BTreeMap<String, Vec<(usize, [String; 3])>>,
) -> Vec<Node> {
    let groups: Vec<_> = s
        .terminals
        .iter()
        .enumerate()
        .map(|(g, t)| {
            let flow = match s.terminal_messages(g) {
                MessageFlow::Dual => "0100/0110",
                MessageFlow::Single => "0200/0210",
            };
            (
                format!("group-{g}"),
                vec![
                    tr!(lang, "teach.topo.terminals", id = t.id),
                    tr!(
                        lang,
                        "teach.topo.terminal_count",
                        count = t.count,
                        flow = flow
                    ),
                ],
                "#E8F1FA",
            )
        })
        .collect();
    let mut acquirer = vec![(
        "gateway".to_owned(),
        vec![
            tr!(lang, "teach.topo.gateway", id = s.gateway.id),
            tr!(lang, "teach.topo.servers", n = s.gateway.servers),
        ],
        "#FFF4DC",
    )];
    if s.risk.is_some() {
        acquirer.push((
            "risk".to_owned(),
            vec![tr!(lang, "teach.topo.risk").to_owned()],
            "#FFF4DC",
        ));
    }
    if has_merchant_risk(s) {
        acquirer.push((
            "merchant-risk".to_owned(),
            vec![tr!(lang, "teach.topo.merchant_risk").to_owned()],
            "#FFF4DC",
        ));
    }
    if s.reconciliation.is_some() {
        acquirer.push((
            "recon".to_owned(),
            vec![tr!(lang, "teach.topo.recon").to_owned()],
            "#FFF4DC",
        ));
    }
    let channels: Vec<_> = s
        .channels
        .iter()
        .enumerate()
        .map(|(c, ch)| {
            let role = match (&ch.qr, ch.flow) {
                (Some(_), _) => tr!(lang, "teach.topo.qr", id = ch.station.id),
                (None, MessageFlow::Dual) => {
                    tr!(lang, "teach.topo.channel_dual", id = ch.station.id)
                }
                (None, MessageFlow::Single) => {
                    tr!(lang, "teach.topo.channel_single", id = ch.station.id)
                }
            };
            let mut lines = vec![
                role,
                tr!(lang, "teach.topo.servers", n = ch.station.servers),
            ];
            if ch.stand_in.is_some() {
                lines.push(tr!(lang, "teach.topo.stand_in").to_owned());
            }
            (format!("channel-{c}"), lines, "#EAF6EE")
        })
        .collect();
    let issuers: Vec<_> = s
        .issuers
        .iter()
        .enumerate()
        .map(|(i, is)| {
            (
                format!("issuer-{i}"),
                vec![
                    tr!(lang, "teach.topo.issuer", id = is.station.id),
                    tr!(lang, "teach.topo.accounts", n = is.accounts.count),
                ],
                "#F3ECF7",
            )
        })
        .collect();
    let mut nodes = vec![];
    let mut bottom: f64 = 0.0;
    for (col, items) in [groups, acquirer, channels, issuers]
        .into_iter()
        .enumerate()
    {
        let (ns, end) = stack(col, items, faults);
        nodes.extend(ns);
        bottom = bottom.max(end);
    }
    nodes.extend(bottom_row(s, lang, bottom + 30.0));
    nodes
}

/// Clearing and settlement, the payout channel and the merchants' accounts.
fn bottom_row(s: &Scenario, lang: Lang, y: f64) -> Vec<Node> {
    let st = &s.settlement;
    let cutoff = when(lang, st.cutoff);
    let cutoff = cutoff.rsplit(' ').next().unwrap_or("").to_owned();
    let mut clearing = vec![
        tr!(lang, "teach.topo.clearing").to_owned(),
        tr!(
            lang,
            "teach.topo.cutoff",
            cutoff = cutoff,
            lag = st.lag_days
        ),
    ];
    let days = |d: &[u64]| {
        d.iter()
            .take(6)
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !st.file_rejected.is_empty() {
        clearing.push(tr!(
            lang,
            "teach.topo.file_rejected",
            days = days(&st.file_rejected)
        ));
    }
    if !st.bank_down.is_empty() {
        clearing.push(tr!(
            lang,
            "teach.topo.bank_down",
            days = days(&st.bank_down)
        ));
    }
    let schedule = match s.payout.schedule {
        PayoutSchedule::T1 => format!("T+{}", st.lag_days),
        PayoutSchedule::D0 => "D+0".to_owned(),
        PayoutSchedule::D1 => "D+1".to_owned(),
    };
    let node = |id: &str, col: usize, lines: Vec<String>, fill| Node {
        id: id.to_owned(),
        x: COL_X[col],
        y,
        w: COL_W,
        h: BOX_H.max(16.0 + 20.0 * lines.len() as f64),
        lines,
        fill,
    };
    let mut v = vec![node("clearing", 2, clearing, "#EEEEEE")];
    if s.payout.channel.is_some() {
        v.push(node(
            "payout-rail",
            1,
            vec![tr!(lang, "teach.topo.payout_rail").to_owned()],
            "#EEEEEE",
        ));
    }
    v.push(node(
        "merchant-accounts",
        0,
        vec![
            tr!(lang, "teach.topo.merchants").to_owned(),
            tr!(lang, "teach.topo.paid", schedule = schedule),
        ],
        "#EEEEEE",
    ));
    v
}

fn line(o: &mut String, id: &str, a: (f64, f64), b: (f64, f64), dashed: bool) {
    let _ = writeln!(
        o,
        "<line class=\"link\" id=\"{id}\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" \
         stroke=\"#777\" stroke-width=\"2\"{} marker-end=\"url(#arrow)\"/>",
        a.0,
        a.1,
        b.0,
        b.1,
        if dashed {
            " stroke-dasharray=\"6 4\""
        } else {
            ""
        }
    );
}

/// The links: terminal groups to the gateway, the gateway to each channel, each channel to
/// each issuer; and the money's way after authorisation (dashed). Returns each network link's
/// midpoint by id.
fn links(o: &mut String, s: &Scenario, nodes: &[Node]) -> BTreeMap<String, (f64, f64)> {
    let get = |id: &str| nodes.iter().find(|n| n.id == id);
    let mut mids = BTreeMap::new();
    let mid = |a: (f64, f64), b: (f64, f64)| ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
    let Some(gw) = get("gateway") else {
        return mids;
    };
    for g in 0..s.terminals.len() {
        if let Some(n) = get(&format!("group-{g}")) {
            let id = link_id(LinkRef::Terminal(g));
            line(o, &id, n.right(), gw.left(), false);
            mids.insert(id, mid(n.right(), gw.left()));
        }
    }
    for c in 0..s.channels.len() {
        let Some(ch) = get(&format!("channel-{c}")) else {
            continue;
        };
        let id = link_id(LinkRef::GatewayChannel(c));
        line(o, &id, gw.right(), ch.left(), false);
        mids.insert(id, mid(gw.right(), ch.left()));
        for i in 0..s.issuers.len() {
            if let Some(is) = get(&format!("issuer-{i}")) {
                let id = link_id(LinkRef::ChannelIssuer(c, i));
                line(o, &id, ch.right(), is.left(), false);
                mids.insert(id, mid(ch.right(), is.left()));
            }
        }
    }
    // The money after authorisation: the channels' clearing, then the payout.
    if let Some(cl) = get("clearing") {
        let (cx, cy) = (cl.x + cl.w / 2.0, cl.y);
        if let Some(last) = nodes.iter().rfind(|n| n.id.starts_with("channel-")) {
            line(o, "money-clearing", (cx, last.y + last.h), (cx, cy), true);
        }
        let to = get("merchant-accounts").map(|m| m.right());
        match (get("payout-rail"), to) {
            (Some(r), Some(m)) => {
                line(o, "money-payout", cl.left(), r.right(), true);
                line(o, "money-credit", r.left(), m, true);
            }
            (None, Some(m)) => line(o, "money-credit", cl.left(), m, true),
            _ => {}
        }
    }
    mids
}

fn node_svg(o: &mut String, n: &Node) {
    let _ = writeln!(
        o,
        "<g class=\"node\" id=\"{}\" data-box=\"{:.1} {:.1} {:.1} {:.1}\">\
         <rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"8\" fill=\"{}\" \
         stroke=\"#333\" stroke-width=\"1.5\"/>",
        esc(&n.id),
        n.x,
        n.y,
        n.w,
        n.h,
        n.x,
        n.y,
        n.w,
        n.h,
        n.fill
    );
    for (j, l) in n.lines.iter().enumerate() {
        let weight = if j == 0 { " font-weight=\"bold\"" } else { "" };
        let size = if j == 0 { 15 } else { 13 };
        let _ = writeln!(
            o,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{size}\"{weight} text-anchor=\"middle\">{}</text>",
            n.x + n.w / 2.0,
            n.y + 24.0 + 20.0 * j as f64,
            esc(l)
        );
    }
    o.push_str("</g>\n");
}

/// A fault's marker (a red disc with "!") at `at`, its three label lines beside it.
fn marker(o: &mut String, fault: &str, target: &str, at: (f64, f64), label: &[String; 3]) {
    let _ = writeln!(
        o,
        "<g class=\"fault\" data-fault=\"{}\" data-target=\"{}\" data-at=\"{:.1} {:.1}\">\
         <circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"9\" fill=\"#D55E00\" stroke=\"#fff\" \
         stroke-width=\"1.5\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" fill=\"#fff\" \
         font-weight=\"bold\" text-anchor=\"middle\">!</text>",
        esc(fault),
        esc(target),
        at.0,
        at.1,
        at.0,
        at.1,
        at.0,
        at.1 + 4.5
    );
    for (j, l) in label.iter().enumerate() {
        let weight = if j == 0 { " font-weight=\"bold\"" } else { "" };
        let _ = writeln!(
            o,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" fill=\"#B23C00\"{weight}>{}</text>",
            at.0 + 14.0,
            at.1 + 4.0 + LABEL_LINE * j as f64,
            esc(l)
        );
    }
    o.push_str("</g>\n");
}

/// The diagram of `s` in `lang`.
pub fn topology_svg(s: &Scenario, lang: Lang) -> String {
    let faults = fault_labels(s, lang);
    let nodes = layout(s, lang, &faults);
    let width = COL_X[3] + COL_W + 230.0;
    let bottom = nodes
        .iter()
        .map(|n| n.y + n.h + faults.get(&n.id).map_or(0, |v| v.len()) as f64 * FAULT_H)
        .fold(0.0, f64::max);
    let height = bottom + 40.0;
    let mut o = String::with_capacity(16 * 1024);
    let title = tr!(lang, "teach.topo.title", scenario = s.name);
    let _ = writeln!(
        o,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" \
         viewBox=\"0 0 {width:.0} {height:.0}\" font-family=\"{}\" role=\"img\">\n\
         <title>{}</title>\n<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" \
         refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">\
         <path d=\"M0,0 L10,5 L0,10 z\" fill=\"#777\"/></marker></defs>\n\
         <rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>",
        font(lang),
        esc(&title)
    );
    let _ = writeln!(
        o,
        "<text x=\"40\" y=\"40\" font-size=\"24\" font-weight=\"bold\">{}</text>",
        esc(&title)
    );
    let legend = if s.faults.is_empty() {
        tr!(lang, "teach.topo.no_faults")
    } else {
        tr!(lang, "teach.topo.legend")
    };
    let _ = writeln!(
        o,
        "<text x=\"40\" y=\"66\" font-size=\"14\" fill=\"#444\">{}</text>",
        esc(legend)
    );
    for (col, key) in [
        "teach.topo.col_terminals",
        "teach.topo.col_acquirer",
        "teach.topo.col_channels",
        "teach.topo.col_issuers",
    ]
    .iter()
    .enumerate()
    {
        let _ = writeln!(
            o,
            "<text x=\"{:.1}\" y=\"96\" font-size=\"14\" fill=\"#555\" text-anchor=\"middle\">{}</text>",
            COL_X[col] + COL_W / 2.0,
            esc(lang.get(key))
        );
    }
    let mids = links(&mut o, s, &nodes);
    for n in &nodes {
        node_svg(&mut o, n);
    }
    // Markers last, over boxes and lines: under a box, or beside a link's midpoint.
    for (place, list) in &faults {
        let base = match (nodes.iter().find(|n| &n.id == place), mids.get(place)) {
            (Some(n), _) => (n.x + 12.0, n.y + n.h + 18.0),
            (None, Some(&(x, y))) => (x - 70.0, y + 14.0),
            _ => continue,
        };
        for (j, (k, label)) in list.iter().enumerate() {
            let at = (base.0, base.1 + j as f64 * FAULT_H);
            marker(&mut o, &s.faults[*k].id, place, at, label);
        }
    }
    o.push_str("</svg>\n");
    o
}

#[cfg(test)]
mod tests;
