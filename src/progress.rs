//! A progress bar on stderr for long runs (`chatdb seed`'s loads, `chatdb cleanup`'s
//! batches), drawn by indicatif only when stderr is a terminal: rows done out of the
//! total, the rate and the time left. [`Ticking`] is a [`Sink`] that ticks it once per row
//! on the way to the database's own sink.

use std::io::IsTerminal;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::seed::Sink;

/// A progress bar on stderr when stderr is a terminal (and the caller wants one); nothing
/// otherwise.
pub struct Progress {
    bar: ProgressBar,
    done: u64,
}

impl Progress {
    /// A bar labelled `label` towards `total` rows, on stderr if it is a terminal.
    pub fn new(label: &str, total: u64) -> Progress {
        Progress::unless(false, label, total)
    }

    /// As [`Progress::new`], but nothing at all when `quiet`.
    pub fn unless(quiet: bool, label: &str, total: u64) -> Progress {
        let bar = if Progress::drawn(quiet) {
            ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        let style =
            ProgressStyle::with_template("{msg} [{wide_bar}] {pos}/{len} rows, {rate}, {eta} left")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .with_key("rate", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.0} rows/s", s.per_sec());
                })
                .progress_chars("#>-");
        bar.set_style(style);
        bar.set_message(label.to_string());
        // Drawn at once: the bar says what runs before the first rows are done.
        bar.tick();
        Progress { bar, done: 0 }
    }

    /// Whether a bar would be drawn (stderr a terminal, not `quiet`): whether the total
    /// is worth counting first.
    pub fn drawn(quiet: bool) -> bool {
        !quiet && std::io::stderr().is_terminal()
    }

    /// One more row (the bar is redrawn every 16,384 rows; indicatif limits the redraws).
    pub fn tick(&mut self) {
        self.done += 1;
        if self.done & 0x3FFF == 0 {
            self.bar.set_position(self.done);
        }
    }

    /// `n` more rows; a total that turns out short grows to what was done.
    pub fn add(&mut self, n: u64) {
        self.done += n;
        if self.bar.length().is_some_and(|l| self.done > l) {
            self.bar.set_length(self.done);
        }
        self.bar.set_position(self.done);
    }

    /// Clears the bar (also on drop, so an error message starts on a clean line).
    pub fn finish(&mut self) {
        self.bar.finish_and_clear();
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// Forwards every value to `inner` and ticks `progress` at each row's end.
pub struct Ticking<'a> {
    pub inner: &'a mut dyn Sink,
    pub progress: &'a mut Progress,
}

impl Sink for Ticking<'_> {
    fn null(&mut self) {
        self.inner.null();
    }
    fn bool(&mut self, v: bool) {
        self.inner.bool(v);
    }
    fn int(&mut self, v: i64) {
        self.inner.int(v);
    }
    fn uuid(&mut self, v: u128) {
        self.inner.uuid(v);
    }
    fn text(&mut self, v: &str) {
        self.inner.text(v);
    }
    fn time(&mut self, unix: i64) {
        self.inner.time(unix);
    }
    fn json(&mut self, v: &str) {
        self.inner.json(v);
    }
    fn text_array(&mut self, v: &[&str]) {
        self.inner.text_array(v);
    }
    fn end_row(&mut self) -> Result<()> {
        self.inner.end_row()?;
        self.progress.tick();
        Ok(())
    }
    fn uuid_text(&mut self, v: u128) {
        self.inner.uuid_text(v);
    }
}
