//! The Prometheus text exposition format (version 0.0.4), as node_exporter's textfile
//! collector reads it: for each metric family one `# HELP` and one `# TYPE` line, then its
//! samples `name{label="value",...} number`. Names follow Prometheus conventions (a
//! `chatdb_` prefix, base units: `_bytes`, `_seconds`, ratios 0..1, counters `_total`);
//! label values are escaped (`\\`, `\"`, `\n`).

use std::io::Write;

use anyhow::{Context, Result};

/// The kind a family declares in its `# TYPE` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Gauge,
    Counter,
}

/// One metric family and its samples.
#[derive(Debug, Clone)]
pub struct Family {
    pub name: String,
    pub help: String,
    pub kind: Kind,
    pub samples: Vec<(Vec<(&'static str, String)>, f64)>,
}

impl Family {
    pub fn gauge(name: impl Into<String>, help: impl Into<String>) -> Family {
        Family {
            name: name.into(),
            help: help.into(),
            kind: Kind::Gauge,
            samples: Vec::new(),
        }
    }

    pub fn counter(name: impl Into<String>, help: impl Into<String>) -> Family {
        Family {
            kind: Kind::Counter,
            ..Family::gauge(name, help)
        }
    }

    pub fn sample(mut self, labels: Vec<(&'static str, String)>, value: f64) -> Family {
        self.samples.push((labels, value));
        self
    }

    pub fn push(&mut self, labels: Vec<(&'static str, String)>, value: f64) {
        self.samples.push((labels, value));
    }
}

/// A label value with `\`, `"` and newlines escaped.
pub fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// HELP text escapes `\` and newlines.
fn escape_help(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\n', "\\n")
}

/// A sample value: Go's float syntax, `+Inf`/`-Inf`/`NaN` spelled as Prometheus does.
pub fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{v}")
    }
}

/// Writes the families that have samples.
pub fn write(out: &mut dyn Write, families: &[Family]) -> Result<()> {
    for f in families.iter().filter(|f| !f.samples.is_empty()) {
        let kind = match f.kind {
            Kind::Gauge => "gauge",
            Kind::Counter => "counter",
        };
        writeln!(out, "# HELP {} {}", f.name, escape_help(&f.help))
            .and_then(|_| writeln!(out, "# TYPE {} {kind}", f.name))
            .context("writing output")?;
        for (labels, value) in &f.samples {
            let labels = labels
                .iter()
                .map(|(k, v)| format!("{k}=\"{}\"", escape_label(v)))
                .collect::<Vec<_>>()
                .join(",");
            let labels = if labels.is_empty() {
                String::new()
            } else {
                format!("{{{labels}}}")
            };
            writeln!(out, "{}{labels} {}", f.name, number(*value)).context("writing output")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_print_help_type_and_escaped_samples() {
        let fams = [
            Family::gauge("chatdb_table_rows", "Rows.\nEstimated").sample(
                vec![("schema", "c".into()), ("table", "a\"b\\".into())],
                3.0,
            ),
            Family::counter("chatdb_table_seq_scans_total", "Scans."),
            Family::gauge("chatdb_x", "x").sample(vec![], f64::INFINITY),
        ];
        let mut buf = Vec::new();
        write(&mut buf, &fams).expect("writes");
        let text = String::from_utf8(buf).expect("utf-8");
        assert_eq!(
            text,
            "# HELP chatdb_table_rows Rows.\\nEstimated\n# TYPE chatdb_table_rows gauge\nchatdb_table_rows{schema=\"c\",table=\"a\\\"b\\\\\"} 3\n# HELP chatdb_x x\n# TYPE chatdb_x gauge\nchatdb_x +Inf\n"
        );
        assert_eq!(number(0.25), "0.25");
        assert_eq!(number(1e21), "1000000000000000000000");
    }
}
