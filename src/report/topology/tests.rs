use super::*;
use crate::scenario::library::LIBRARY;
use crate::scenario::{Limits, parse};

fn shipped() -> Vec<Scenario> {
    LIBRARY
        .iter()
        .map(|b| parse(b.source, b.name, &Limits::default()).expect("shipped scenarios are valid"))
        .collect()
}

/// The boxes of a diagram by id: (x, y, w, h).
fn boxes(doc: &roxmltree::Document) -> BTreeMap<String, (f64, f64, f64, f64)> {
    doc.descendants()
        .filter(|n| n.attribute("class") == Some("node"))
        .map(|n| {
            let v: Vec<f64> = n
                .attribute("data-box")
                .unwrap()
                .split(' ')
                .map(|x| x.parse().unwrap())
                .collect();
            (
                n.attribute("id").unwrap().to_owned(),
                (v[0], v[1], v[2], v[3]),
            )
        })
        .collect()
}

/// Where a fault of `s` strikes, by the family of its target (independently of the drawing's
/// own rule): the node or link ids its marker may stand at.
fn expected_targets(s: &Scenario, k: usize) -> Vec<String> {
    let f = &s.faults[k];
    match &f.target {
        FaultTarget::Station(Component::Gateway) => vec!["gateway".into(), "risk".into()],
        FaultTarget::Station(Component::Channel(c)) => vec![format!("channel-{c}")],
        FaultTarget::Station(Component::Issuer(i)) | FaultTarget::Issuer(i) => {
            vec![format!("issuer-{i}")]
        }
        FaultTarget::Link(LinkRef::Terminal(g), _) => vec![format!("link-t{g}")],
        FaultTarget::Link(LinkRef::GatewayChannel(c), _) => vec![format!("link-gc{c}")],
        FaultTarget::Link(LinkRef::ChannelIssuer(c, i), _) => vec![format!("link-ci{c}-{i}")],
        FaultTarget::Groups(gs) => {
            let mut v: Vec<String> = gs.iter().map(|g| format!("group-{g}")).collect();
            v.extend(["merchant-accounts", "payout-rail", "merchant-risk"].map(String::from));
            v
        }
    }
}

#[test]
fn every_shipped_scenario_is_drawn_well_formed_with_its_components_and_faults() {
    for s in shipped() {
        for lang in Lang::ALL {
            let svg = topology_svg(&s, lang);
            let doc = roxmltree::Document::parse(&svg)
                .unwrap_or_else(|e| panic!("{} ({lang:?}): not well-formed: {e}", s.name));
            let text: String = doc
                .descendants()
                .filter(|n| n.is_text())
                .map(|n| n.text().unwrap_or(""))
                .collect::<Vec<_>>()
                .join("\n");
            // Every component is named.
            let mut names = vec![s.gateway.id.clone()];
            names.extend(s.terminals.iter().map(|t| t.id.clone()));
            names.extend(s.channels.iter().map(|c| c.station.id.clone()));
            names.extend(s.issuers.iter().map(|i| i.station.id.clone()));
            for n in names {
                assert!(
                    text.contains(&format!("`{n}`")),
                    "{}: {n} not named",
                    s.name
                );
            }
            for key in ["teach.topo.clearing", "teach.topo.merchants"] {
                assert!(text.contains(lang.get(key)), "{}: {key}", s.name);
            }
            let boxes = boxes(&doc);
            let lines: BTreeMap<String, (f64, f64)> = doc
                .descendants()
                .filter(|n| n.has_tag_name("line"))
                .map(|n| {
                    let a = |k| n.attribute(k).unwrap().parse::<f64>().unwrap();
                    let id = n.attribute("id").unwrap().to_owned();
                    (id, ((a("x1") + a("x2")) / 2.0, (a("y1") + a("y2")) / 2.0))
                })
                .collect();
            // Every fault is marked at its target: under its box, or beside its link.
            let markers: Vec<_> = doc
                .descendants()
                .filter(|n| n.attribute("class") == Some("fault"))
                .collect();
            assert_eq!(markers.is_empty(), s.faults.is_empty(), "{}", s.name);
            for (k, f) in s.faults.iter().enumerate() {
                let mine: Vec<_> = markers
                    .iter()
                    .filter(|m| m.attribute("data-fault") == Some(f.id.as_str()))
                    .collect();
                assert!(!mine.is_empty(), "{}: fault {} not marked", s.name, f.id);
                let ok = expected_targets(&s, k);
                for m in mine {
                    let target = m.attribute("data-target").unwrap();
                    assert!(
                        ok.iter().any(|t| t == target),
                        "{}: {} at {target}",
                        s.name,
                        f.id
                    );
                    let at: Vec<f64> = m
                        .attribute("data-at")
                        .unwrap()
                        .split(' ')
                        .map(|x| x.parse().unwrap())
                        .collect();
                    if let Some(&(x, y, w, h)) = boxes.get(target) {
                        assert!(
                            at[0] >= x && at[0] <= x + w && at[1] > y + h && at[1] < y + h + 400.0,
                            "{}: {}'s marker {at:?} not under its box",
                            s.name,
                            f.id
                        );
                    } else {
                        let &(mx, my) = lines.get(target).expect("a link of the diagram");
                        let d = ((at[0] - mx).powi(2) + (at[1] - my).powi(2)).sqrt();
                        assert!(d < 150.0, "{}: {} marker {d} from its link", s.name, f.id);
                    }
                    // The label says the kind and the window.
                    let label: String = m
                        .descendants()
                        .filter(|n| n.is_text())
                        .map(|n| n.text().unwrap())
                        .collect();
                    let kind = lang.get(&format!("teach.kind.{}", kind_name(f.kind)));
                    assert!(label.contains(kind), "{}: {label}", s.name);
                    assert!(
                        label.contains(&window(lang, &f.timing)),
                        "{}: {label}",
                        s.name
                    );
                }
            }
            // Boxes do not overlap.
            let v: Vec<_> = boxes.iter().collect();
            for (i, a) in v.iter().enumerate() {
                for b in &v[i + 1..] {
                    let (p, q) = (a.1, b.1);
                    let apart = p.0 + p.2 <= q.0
                        || q.0 + q.2 <= p.0
                        || p.1 + p.3 <= q.1
                        || q.1 + q.3 <= p.1;
                    assert!(apart, "{}: {} overlaps {}", s.name, a.0, b.0);
                }
            }
        }
    }
}

#[test]
fn a_scenario_without_faults_has_no_markers_and_the_drawing_is_deterministic() {
    let mut s = crate::scenario::baseline();
    s.faults.clear();
    let svg = topology_svg(&s, Lang::En);
    assert!(!svg.contains("class=\"fault\""));
    assert!(svg.contains(Lang::En.get("teach.topo.no_faults")));
    assert_eq!(svg, topology_svg(&s, Lang::En));
}

#[test]
fn windows_read_as_a_trainer_says_them() {
    let t = |start, length, repeat| Timing {
        start,
        length,
        repeat,
        mtbf: None,
    };
    let en = Lang::En;
    assert_eq!(
        window(en, &t(10 * HOUR, Length::Fixed(30 * MINUTE), None)),
        "day 0 10:00–10:30"
    );
    assert_eq!(
        window(en, &t(DAY + 22 * HOUR, Length::Fixed(4 * HOUR), None)),
        "day 1 22:00 – day 2 02:00"
    );
    assert_eq!(
        window(en, &t(22 * HOUR, Length::Fixed(2 * HOUR), None)),
        "day 0 22:00–24:00"
    );
    assert!(window(en, &t(2 * HOUR, Length::Fixed(HOUR), Some(DAY))).contains("every 1 d"));
}
