//! A TCP proxy on loopback for fault tests: forwards to a target port until told to stall
//! (bytes wait, connections stay open: a network that stops answering) or to cut (every
//! open connection is closed: a network that drops). Plain threads, stopped on drop; every
//! wait is bounded.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The proxy; its threads end when it is dropped.
pub struct Proxy {
    port: u16,
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    stalled: AtomicBool,
    stopped: AtomicBool,
    /// Bumped by a cut: pumps of an older cut close their connection.
    cuts: AtomicU64,
    open: Mutex<Vec<TcpStream>>,
}

/// How often a stalled or idle pump looks at the proxy's state.
const TICK: Duration = Duration::from_millis(10);

impl Proxy {
    /// A proxy to `target` (a loopback port).
    pub fn start(target: u16) -> Self {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind the proxy");
        let port = listener.local_addr().expect("address").port();
        listener.set_nonblocking(true).expect("non-blocking accept");
        let shared = Arc::new(Shared::default());
        let accepting = Arc::clone(&shared);
        std::thread::spawn(move || {
            while !accepting.stopped.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((client, _)) => connect(client, target, &accepting),
                    Err(_) => std::thread::sleep(TICK),
                }
            }
        });
        Proxy { port, shared }
    }

    /// The URL of Redis through the proxy.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Bytes stop moving (both ways); connections stay open.
    pub fn stall(&self) {
        self.shared.stalled.store(true, Ordering::Relaxed);
    }

    /// Bytes move again.
    pub fn resume(&self) {
        self.shared.stalled.store(false, Ordering::Relaxed);
    }

    /// Closes every open connection (new ones are accepted).
    pub fn cut(&self) {
        self.shared.cuts.fetch_add(1, Ordering::Relaxed);
        let open = std::mem::take(&mut *self.shared.open.lock().unwrap_or_else(|e| e.into_inner()));
        for stream in open {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.stopped.store(true, Ordering::Relaxed);
        self.cut();
    }
}

/// Joins `client` to a new connection to `target` with two pumps.
fn connect(client: TcpStream, target: u16, shared: &Arc<Shared>) {
    let Ok(server) = TcpStream::connect((Ipv4Addr::LOCALHOST, target)) else {
        return; // the target is down: the client sees its connection closed
    };
    let cut = shared.cuts.load(Ordering::Relaxed);
    let mut open = shared.open.lock().unwrap_or_else(|e| e.into_inner());
    for stream in [&client, &server] {
        if let Ok(clone) = stream.try_clone() {
            open.push(clone);
        }
    }
    drop(open);
    for (from, to) in [(&client, &server), (&server, &client)] {
        let (Ok(from), Ok(to)) = (from.try_clone(), to.try_clone()) else {
            continue;
        };
        let shared = Arc::clone(shared);
        std::thread::spawn(move || pump(from, to, &shared, cut));
    }
}

/// Copies `from` to `to` until either closes, the proxy stops, or a cut.
fn pump(mut from: TcpStream, mut to: TcpStream, shared: &Shared, cut: u64) {
    let _ = from.set_read_timeout(Some(TICK));
    let mut buf = [0u8; 16 * 1024];
    loop {
        if shared.stopped.load(Ordering::Relaxed) || shared.cuts.load(Ordering::Relaxed) != cut {
            break;
        }
        if shared.stalled.load(Ordering::Relaxed) {
            std::thread::sleep(TICK);
            continue;
        }
        match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => break,
        }
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
}
