//! A progress bar on stderr for long loads (`chatdb seed`), drawn only when stderr is a
//! terminal, and [`Ticking`], a [`Sink`] that ticks it once per row on the way to the
//! database's own sink.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::seed::Sink;

/// A progress bar on stderr when stderr is a terminal; nothing otherwise.
pub struct Progress {
    on: bool,
    label: String,
    total: u64,
    done: u64,
    started: Instant,
    drawn: Instant,
    shown: bool,
}

impl Progress {
    pub fn new(label: &str, total: u64) -> Progress {
        let now = Instant::now();
        Progress {
            on: std::io::stderr().is_terminal(),
            label: label.to_string(),
            total,
            done: 0,
            started: now,
            drawn: now,
            shown: false,
        }
    }

    pub fn tick(&mut self) {
        self.done += 1;
        if self.on && self.done & 0x3FFF == 0 && self.drawn.elapsed() >= Duration::from_millis(200)
        {
            self.drawn = Instant::now();
            self.shown = true;
            self.draw();
        }
    }

    fn draw(&self) {
        const WIDTH: u64 = 30;
        let filled = (self.done.min(self.total) * WIDTH / self.total.max(1)) as usize;
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let _ = write!(
            std::io::stderr(),
            "\r\x1b[2K{:<24} [{}{}] {:>3}% {}/{} rows, {:.0} rows/s",
            self.label,
            "#".repeat(filled),
            "-".repeat(WIDTH as usize - filled),
            self.done * 100 / self.total.max(1),
            self.done,
            self.total,
            self.done as f64 / secs
        );
    }

    /// Clears the bar (also on drop, so an error message starts on a clean line).
    pub fn finish(&mut self) {
        if self.shown {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
        }
        self.shown = false;
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
