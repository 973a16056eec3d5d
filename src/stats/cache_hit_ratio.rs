//! `cache-hit-ratio` (error, PostgreSQL): buffer hits over all block reads of the schema's
//! tables (heap, indexes, TOAST) are under `[stats] cache_hit_ratio` (default 99%, PgHero's
//! `cache_hit_rate_threshold`), judged once the tables have had
//! [`CACHE_MIN_BLOCKS`](super::health::CACHE_MIN_BLOCKS) block reads.

use super::health::CACHE_MIN_BLOCKS;
use super::Targets;
use crate::finding::{Finding, Rule, Scope, Severity, Tool, POSTGRES};
use crate::model::stats::Facts;

pub static RULE: Rule = Rule {
    id: "cache-hit-ratio",
    severity: Severity::Error,
    summary: "buffer hits over block reads of the schema's tables are under the threshold",
    dialects: POSTGRES,
    scope: Scope::Stats,
};

const SOURCE: &str = "default 99%: PgHero's cache_hit_rate_threshold";

pub fn find(facts: &Facts, t: &Targets) -> Vec<Finding> {
    let s = &facts.server;
    let bound = t.health.cache_hit_ratio;
    match (s.cache_hit_ratio, s.cache_blocks) {
        (Some(r), Some(blocks)) if blocks >= CACHE_MIN_BLOCKS && r < bound => {
            vec![Finding::new(
                &RULE,
                Tool::Stats,
                format!(
                    "cache hit ratio {:.2}% over {blocks} block reads of the schema's tables, the threshold is {:.2}% ({})",
                    r * 100.0,
                    bound * 100.0,
                    t.health.source("cache_hit_ratio", SOURCE)
                ),
            )
            .object("cache")]
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::stats::ServerFacts;

    #[test]
    fn under_99_percent_over_enough_blocks_is_a_breach() {
        let at = |r, blocks| Facts {
            server: ServerFacts {
                cache_hit_ratio: Some(r),
                cache_blocks: Some(blocks),
                ..ServerFacts::default()
            },
            ..Facts::default()
        };
        assert!(find(&at(0.995, 50_000), &Targets::default()).is_empty());
        assert!(find(&at(0.5, CACHE_MIN_BLOCKS - 1), &Targets::default()).is_empty());
        assert_eq!(
            find(&at(0.98, CACHE_MIN_BLOCKS), &Targets::default()).len(),
            1
        );
    }
}
