//! SIGINT and SIGTERM for the commands that must end cleanly when interrupted: `migrate`
//! (the statement in flight is cancelled, the run's one transaction rolls back, and the
//! command says so) and `validate` (its scratch databases are dropped before it exits).
//! `cleanup` keeps its own flags, looked at between batches (`commands/cleanup.rs`).
//!
//! The handlers only set flags; [`on_signal`] runs the command's reaction on a watcher
//! thread, so that a process blocked in a query still reacts. The exit codes are the
//! shell's: 130 for SIGINT, 143 for SIGTERM, as cleanup's.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::{Context, Result};

/// The flags of SIGINT and SIGTERM, once installed.
static FLAGS: OnceLock<(Arc<AtomicBool>, Arc<AtomicBool>)> = OnceLock::new();

/// Installs the handlers (once per process). From then on SIGINT and SIGTERM no longer end
/// the process by themselves: the command must look at [`fired`] or use [`on_signal`].
pub fn install() -> Result<()> {
    if FLAGS.get().is_some() {
        return Ok(());
    }
    let int = Arc::new(AtomicBool::new(false));
    let term = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGINT, Arc::clone(&int))
        .context("installing the SIGINT handler")?;
    signal_hook::flag::register(signal_hook::consts::SIGTERM, Arc::clone(&term))
        .context("installing the SIGTERM handler")?;
    let _ = FLAGS.set((int, term));
    Ok(())
}

/// The exit code of the signal that arrived (130 SIGINT, 143 SIGTERM), if one did.
pub fn fired() -> Option<u8> {
    let (int, term) = FLAGS.get()?;
    if term.load(Ordering::SeqCst) {
        Some(143)
    } else if int.load(Ordering::SeqCst) {
        Some(130)
    } else {
        None
    }
}

/// The signal's name for messages, from its exit code.
pub fn name(code: u8) -> &'static str {
    if code == 143 {
        "SIGTERM"
    } else {
        "SIGINT"
    }
}

/// Runs `react` once, on a watcher thread, when SIGINT or SIGTERM arrives (within 50 ms).
/// Needs [`install`] first; the thread lives as long as the process.
pub fn on_signal(react: impl FnOnce(u8) + Send + 'static) -> Result<()> {
    std::thread::Builder::new()
        .name("signal-watch".into())
        .spawn(move || loop {
            if let Some(code) = fired() {
                react(code);
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        })
        .context("starting the signal watcher")?;
    Ok(())
}
