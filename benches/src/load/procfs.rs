//! What `hub_load` reads from `/proc`: a process's resident memory and CPU affinity, the
//! machine's busy time; with a process's CPU time and the open-file limit from
//! `sse bench`'s library. Linux only; `None` elsewhere.

use std::process::Command;

pub use ssekit_cli::load::process::{
    check_open_files, clock_ticks_per_second, cpu_ticks, open_files_limit, thread_cpu_ticks,
};

/// The resident set size of process `pid` in KiB (`VmRSS` of `/proc/<pid>/status`).
pub fn rss_kib(pid: u32) -> Option<u64> {
    status_field(pid, "VmRSS:")?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The CPUs process `pid` may run on (`Cpus_allowed_list`), e.g. `"0"` or `"0-1"`.
pub fn cpus_allowed(pid: u32) -> Option<String> {
    status_field(pid, "Cpus_allowed_list:").map(|v| v.trim().to_owned())
}

fn status_field(pid: u32, name: &str) -> Option<String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(name))
        .map(str::to_owned)
}

/// Busy and total clock ticks of one CPU (`Some(n)`) or of all CPUs (`None`) since boot,
/// from `/proc/stat`: busy is user + nice + system + irq + softirq + steal (so it includes
/// the kernel's network work in softirq context, which is not charged to any process).
pub fn cpu_busy_ticks(cpu: Option<usize>) -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let name = cpu.map_or_else(|| "cpu".to_owned(), |n| format!("cpu{n}"));
    let line = stat
        .lines()
        .find(|line| line.split_whitespace().next() == Some(name.as_str()))?;
    let values: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|v| v.parse().unwrap_or(0))
        .collect();
    let field = |i: usize| values.get(i).copied().unwrap_or(0);
    // user nice system idle iowait irq softirq steal guest guest_nice
    let busy = field(0) + field(1) + field(2) + field(5) + field(6) + field(7);
    let total = busy + field(3) + field(4);
    Some((busy, total))
}

/// Whether the `taskset` program is there.
pub fn has_taskset() -> bool {
    Command::new("taskset")
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success())
}

/// Pins every thread of this process to `cpu` with `taskset` (threads created later
/// inherit it).
///
/// # Errors
///
/// When `taskset` is missing or fails.
pub fn pin_self(cpu: usize) -> Result<(), String> {
    let out = Command::new("taskset")
        .args([
            "-a",
            "-p",
            "-c",
            &cpu.to_string(),
            &std::process::id().to_string(),
        ])
        .output()
        .map_err(|e| format!("taskset: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "taskset -a -p -c {cpu}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process() {
        if !std::path::Path::new("/proc/self/stat").exists() {
            return; // not Linux
        }
        let me = std::process::id();
        assert!(rss_kib(me).is_some_and(|kib| kib > 0));
        assert!(cpus_allowed(me).is_some());
        assert!(cpu_busy_ticks(None).is_some_and(|(busy, total)| busy <= total && total > 0));
        assert!(cpu_busy_ticks(Some(0)).is_some());
    }
}
