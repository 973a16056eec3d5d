//! `metric-threshold` (error, both dialects): a `[[metric]]` of the manifest is past the
//! threshold its document gives.

use super::Targets;
use crate::finding::{Finding, Rule, Scope, Severity, Tool, BOTH};
use crate::model::stats::Facts;

pub static RULE: Rule = Rule {
    id: "metric-threshold",
    severity: Severity::Error,
    summary: "a manifest metric is past its document's threshold",
    dialects: BOTH,
    scope: Scope::Stats,
};

pub fn find(facts: &Facts, t: &Targets) -> Vec<Finding> {
    let mut out = Vec::new();
    for (name, value) in &facts.metrics {
        let Some(th) = t
            .metrics
            .iter()
            .find(|m| &m.name == name)
            .and_then(|m| m.threshold.as_ref())
        else {
            continue;
        };
        let broken = match (th.max, th.min) {
            (Some(max), _) if *value > max => Some(format!("over the maximum {max}")),
            (_, Some(min)) if *value < min => Some(format!("under the minimum {min}")),
            _ => None,
        };
        if let Some(why) = broken {
            out.push(
                Finding::new(
                    &RULE,
                    Tool::Stats,
                    format!("{name} = {value} is {why} ({})", th.source),
                )
                .object(name.clone()),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::metrics::{Metric, Threshold};

    #[test]
    fn max_and_min_bound_a_metric() {
        let metric = |max, min| Metric {
            name: "m".into(),
            purpose: String::new(),
            unit: String::new(),
            threshold: Some(Threshold {
                max,
                min,
                source: "doc".into(),
            }),
            postgres: None,
            sqlite: None,
        };
        let facts = Facts {
            metrics: vec![("m".into(), 5.0)],
            ..Facts::default()
        };
        let t = |m| Targets {
            metrics: vec![m],
            ..Targets::default()
        };
        assert_eq!(find(&facts, &t(metric(Some(4.0), None))).len(), 1);
        assert!(find(&facts, &t(metric(Some(5.0), None))).is_empty());
        assert_eq!(find(&facts, &t(metric(None, Some(6.0)))).len(), 1);
    }
}
