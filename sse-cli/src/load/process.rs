//! What a load reads about a process from `/proc`: its CPU time and this process's limit on
//! open files. Linux only; `None` elsewhere.

use std::process::Command;

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
/// print otherwise (`who` is the program's name).
///
/// # Errors
///
/// When the soft `RLIMIT_NOFILE` is too low.
pub fn check_open_files(connections: usize, who: &str) -> Result<(), String> {
    let needed = connections as u64 + 128;
    match open_files_limit() {
        Some(limit) if limit < needed => Err(format!(
            "{who}: the open-file limit (RLIMIT_NOFILE, soft) is {limit}, but {connections} \
             connections need about {needed} descriptors. Raise it in this shell first, e.g. \
             `ulimit -n 65536` (up to the hard limit, `ulimit -Hn`), then run {who} again."
        )),
        _ => Ok(()),
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
        assert!(cpu_ticks(me).is_some());
        assert!(
            thread_cpu_ticks(me).is_some(),
            "the main thread's id is the process's"
        );
        assert!(clock_ticks_per_second() > 0);
        assert!(open_files_limit().is_some_and(|n| n > 0));
        assert!(check_open_files(1, "test").is_ok());
        assert!(
            check_open_files(usize::MAX / 2, "test").is_err()
                || open_files_limit() == Some(u64::MAX)
        );
    }
}
