//! What `hub_load` reads from `/proc`: a process's resident memory and CPU time, its CPU
//! affinity, and this process's open-file limit. Linux only; `None` elsewhere.

use std::process::Command;

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

/// The CPU time of every thread of process `pid`, user plus system, in clock ticks
/// (`utime` + `stime` of `/proc/<pid>/stat`).
pub fn cpu_ticks(pid: u32) -> Option<u64> {
    stat_ticks(&format!("/proc/{pid}/stat"))
}

/// The CPU time of one thread of this process, user plus system, in clock ticks (from
/// `/proc/self/task/<tid>/stat`; `/proc/<tid>/stat` would give the whole process's).
pub fn thread_cpu_ticks(tid: u32) -> Option<u64> {
    stat_ticks(&format!("/proc/self/task/{tid}/stat"))
}

/// `utime` + `stime` of a `stat` file.
fn stat_ticks(path: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(path).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    let (_, after_name) = stat.rsplit_once(')')?;
    let mut fields = after_name.split_whitespace();
    // After the name: state (3), ppid (4), ... utime is field 14, stime field 15.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
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

/// Clock ticks per second (`getconf CLK_TCK`; 100, the Linux default, if that fails).
pub fn clock_ticks_per_second() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .filter(|&ticks| ticks > 0)
        .unwrap_or(100)
}

/// This process's soft limit on open files (`Max open files` in `/proc/self/limits`);
/// `u64::MAX` when unlimited.
pub fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    let soft = line
        .strip_prefix("Max open files")?
        .split_whitespace()
        .next()?;
    if soft == "unlimited" {
        return Some(u64::MAX);
    }
    soft.parse().ok()
}

/// Checks that this process may open `connections` sockets plus some slack; the message to
/// print otherwise.
///
/// # Errors
///
/// When the soft `RLIMIT_NOFILE` is too low.
pub fn check_open_files(connections: usize, who: &str) -> Result<(), String> {
    let needed = connections as u64 + 128;
    match open_files_limit() {
        Some(limit) if limit < needed => Err(format!(
            "{who}: the open-file limit (RLIMIT_NOFILE, soft) is {limit}, but {connections} \
             connections need about {needed} descriptors in the client and as many in the \
             server. Raise it in this shell before running, e.g. `ulimit -n 65536` (as root, \
             or up to the hard limit `ulimit -Hn`), then run hub_load again."
        )),
        _ => Ok(()),
    }
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
        assert!(cpu_ticks(me).is_some());
        assert!(
            thread_cpu_ticks(me).is_some(),
            "the main thread's id is the process's"
        );
        assert!(cpus_allowed(me).is_some());
        assert!(cpu_busy_ticks(None).is_some_and(|(busy, total)| busy <= total && total > 0));
        assert!(cpu_busy_ticks(Some(0)).is_some());
        assert!(open_files_limit().is_some_and(|n| n > 0));
        assert!(check_open_files(1, "test").is_ok());
        assert!(
            check_open_files(usize::MAX / 2, "test").is_err()
                || open_files_limit() == Some(u64::MAX)
        );
    }
}
