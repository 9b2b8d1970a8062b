//! Progress of a harvest: a bar on a terminal, JSON log lines otherwise.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

pub struct Progress {
    bar: Option<ProgressBar>,
    source: &'static str,
    total: u64,
    done: u64,
    next_log: u64,
}

impl Progress {
    /// A bar when stderr is a terminal and `enabled`; log lines otherwise.
    pub fn new(enabled: bool) -> Progress {
        let bar = (enabled && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix:>12} [{bar:40.cyan/blue}] {pos}/{len} {per_sec} {msg}",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            bar
        });
        Progress {
            bar,
            source: "",
            total: 0,
            done: 0,
            next_log: 0,
        }
    }

    /// Starts a source with `total` pages to fetch (it may grow).
    pub fn begin(&mut self, source: &'static str, total: u64) {
        self.source = source;
        self.total = total;
        self.done = 0;
        self.next_log = total / 10;
        if let Some(bar) = &self.bar {
            bar.set_prefix(source);
            bar.set_length(total);
            bar.set_position(0);
        }
        if self.bar.is_none() {
            tracing::info!(source, total, "source_started");
        }
    }

    pub fn grow(&mut self, more: u64) {
        self.total += more;
        if let Some(bar) = &self.bar {
            bar.set_length(self.total);
        }
    }

    pub fn inc(&mut self) {
        self.done += 1;
        if let Some(bar) = &self.bar {
            bar.inc(1);
        } else if self.done >= self.next_log.max(1) {
            tracing::info!(
                source = self.source,
                done = self.done,
                total = self.total,
                "source_progress"
            );
            self.next_log = self.done + (self.total / 10).max(1);
        }
    }

    pub fn end(&mut self, note: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(note.to_string());
            bar.finish();
            // A fresh line for the next source.
            let next = ProgressBar::new(0);
            next.set_style(bar.style());
            self.bar = Some(next);
        } else {
            tracing::info!(
                source = self.source,
                done = self.done,
                note,
                "source_finished"
            );
        }
    }
}
