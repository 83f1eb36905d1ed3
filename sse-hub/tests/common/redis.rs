//! A real `redis-server` for a test (ssekit-hub's and sse-demo's): on a free loopback port,
//! persistence off (or an append-only file with every write synced), stopped (killed) when
//! dropped; and the faults production Redis has: killed, restarted, flushed, paused,
//! clients killed. It fails the test, never skips it, when Redis is not installed.
#![allow(dead_code)] // each test file uses its own part

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `redis-server`.
pub struct RedisServer {
    port: u16,
    child: Option<Child>,
    /// With an append-only file in this folder (removed on drop).
    aof: Option<std::path::PathBuf>,
}

impl RedisServer {
    /// Starts one on a free port.
    pub fn start() -> Self {
        Self::start_with(None)
    }

    /// Starts one that keeps its data in an append-only file, synced at every write: a
    /// restart keeps everything acknowledged.
    pub fn start_persistent() -> Self {
        let dir = std::env::temp_dir().join(format!(
            "ssekit-hub-redis-{}-{}",
            std::process::id(),
            free_port()
        ));
        std::fs::create_dir_all(&dir).expect("a folder for the append-only file");
        Self::start_with(Some(dir))
    }

    fn start_with(aof: Option<std::path::PathBuf>) -> Self {
        let mut server = RedisServer {
            port: free_port(),
            child: None,
            aof,
        };
        server.spawn();
        server
    }

    fn spawn(&mut self) {
        let mut command = Command::new("redis-server");
        command
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--protected-mode", "no"]);
        match &self.aof {
            Some(dir) => command
                .args(["--appendonly", "yes", "--appendfsync", "always", "--dir"])
                .arg(dir),
            None => command.args(["--appendonly", "no"]),
        };
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "redis-server is missing: install Debian's redis-server (`bash .ci/test` does)",
            );
        self.child = Some(child);
        let started = Instant::now();
        while !self.answers() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "redis-server did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether it answers `PING`.
    fn answers(&self) -> bool {
        let Ok(mut tcp) = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)) else {
            return false;
        };
        let _ = tcp.set_read_timeout(Some(Duration::from_millis(200)));
        let mut reply = [0u8; 7];
        tcp.write_all(b"PING\r\n").is_ok()
            && tcp
                .read(&mut reply)
                .is_ok_and(|n| reply[..n].starts_with(b"+PONG"))
    }

    /// Its URL.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Sends one command (plain words) and returns the reply's first line.
    pub fn command(&self, words: &[&str]) -> String {
        let mut tcp =
            TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).expect("connect to Redis");
        let _ = tcp.set_read_timeout(Some(Duration::from_secs(5)));
        let mut request = format!("*{}\r\n", words.len());
        for word in words {
            request.push_str(&format!("${}\r\n{word}\r\n", word.len()));
        }
        tcp.write_all(request.as_bytes()).expect("send to Redis");
        let mut reply = [0u8; 512];
        let n = tcp.read(&mut reply).unwrap_or(0);
        String::from_utf8_lossy(&reply[..n])
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    /// Pauses the process (SIGSTOP): connections stay open, nothing is answered.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Lets a paused process go on (SIGCONT).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("running").id().to_string();
        let status = Command::new("kill").args([signal, &pid]).status();
        assert!(status.is_ok_and(|s| s.success()), "kill {signal} {pid}");
    }

    /// Kills it (SIGKILL): its data is gone unless it keeps an append-only file.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-CONT", &child.id().to_string()])
                .status();
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port: empty, or with its append-only file.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        if let Some(dir) = &self.aof {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A free loopback port.
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}
