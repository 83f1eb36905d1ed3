//! The one Lua script the backplane runs in Redis, and the commands that call it.
//!
//! A script runs atomically, so the three things that must agree always do: the stream,
//! its generation (`{key}:generation`) and an idempotency key (`{key}:once:{key}`).
//!
//! **Generations.** Every id of the stream is `{generation}-{n}`: Redis's explicit-ms form
//! (`XADD key G-*`, Redis 7), so `n` counts 1, 2, 3... within the generation, and the
//! generation is part of every id. A generation starts with a marker entry `G-0` (field
//! `g`). A new one starts, with a random `G` drawn by the caller, whenever the stream is
//! gone (a restart without persistence, `FLUSHALL`, a failover to an empty replica, a
//! deleted key), when the generation key is gone, or when asked to replace a generation
//! that lost events ([`Mode::Renew`]). So an id of a generation that lost data never
//! matches the live one again.

use std::time::Duration;

use redis::Cmd;

use crate::memory::random_epoch;

/// The script. KEYS: stream, generation key, and for a publish with an idempotency key,
/// that key. ARGV: approximate max length; a random candidate generation; the mode (`p`
/// publish, `e` ensure a generation, `r` replace generation ARGV\[4\]); for `p` the
/// idempotency key's lifetime in ms; then for `p` the entry's fields.
///
/// Returns the generation (`e`, `r`), or `{id, 1 if a duplicate}` (`p`).
pub(crate) const SCRIPT: &str = r#"
local stream, genkey = KEYS[1], KEYS[2]
local function top_ms()
  if redis.call('EXISTS', stream) == 0 then return -1 end
  local info = redis.call('XINFO', 'STREAM', stream)
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then
      return tonumber(string.match(info[i + 1], '^(%d+)-')) or -1
    end
  end
  return -1
end
local function start()
  local gen = string.format('%.0f', math.max(tonumber(ARGV[2]), top_ms() + 1))
  redis.call('XADD', stream, 'MAXLEN', '~', ARGV[1], gen .. '-0', 'g', gen)
  redis.call('SET', genkey, gen)
  return gen
end
local gen = redis.call('GET', genkey)
if not gen or redis.call('EXISTS', stream) == 0 then
  gen = start()
elseif ARGV[3] == 'r' and gen == ARGV[4] then
  gen = start()
end
if ARGV[3] ~= 'p' then return gen end
local once = KEYS[3]
if once then
  local seen = redis.call('GET', once)
  if seen and string.sub(seen, 1, #gen + 1) == gen .. '-' then return {seen, 1} end
end
local fields = {unpack(ARGV, 5)}
local id = redis.pcall('XADD', stream, 'MAXLEN', '~', ARGV[1], gen .. '-*', unpack(fields))
if type(id) == 'table' and id.err then
  -- The stream's newest id is not of this generation (an entry someone else wrote):
  -- a new generation after it.
  gen = start()
  id = redis.call('XADD', stream, 'MAXLEN', '~', ARGV[1], gen .. '-*', unpack(fields))
end
if once then redis.call('SET', once, id, 'PX', ARGV[4]) end
return {id, 0}
"#;

/// What a call of the script does besides making sure there is a generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Nothing more: returns the generation.
    Ensure,
    /// Starts a new generation if the current one is this one (it lost events).
    Renew(u64),
}

/// The keys and bounds every call shares.
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    pub(crate) stream: String,
    generation: String,
    once_prefix: String,
    maxlen: usize,
    once_ttl_ms: u64,
}

impl Keys {
    pub(crate) fn new(stream: &str, maxlen: usize, once_ttl: Duration) -> Self {
        Keys {
            stream: stream.to_owned(),
            generation: format!("{stream}:generation"),
            once_prefix: format!("{stream}:once:"),
            maxlen: maxlen.max(1),
            once_ttl_ms: u64::try_from(once_ttl.as_millis())
                .unwrap_or(u64::MAX)
                .max(1),
        }
    }

    /// `EVALSHA` of the script, its keys and common arguments, up to the mode.
    fn call(&self, sha: &str, once: Option<&str>, mode: &str) -> Cmd {
        let mut cmd = redis::cmd("EVALSHA");
        cmd.arg(sha)
            .arg(if once.is_some() { 3 } else { 2 })
            .arg(&self.stream)
            .arg(&self.generation);
        if let Some(once) = once {
            cmd.arg(format!("{}{once}", self.once_prefix));
        }
        cmd.arg(self.maxlen).arg(candidate()).arg(mode);
        cmd
    }

    /// Makes sure there is a generation (or replaces one); returns it.
    pub(crate) fn generation(&self, sha: &str, mode: Mode) -> Cmd {
        match mode {
            Mode::Ensure => self.call(sha, None, "e"),
            Mode::Renew(old) => {
                let mut cmd = self.call(sha, None, "r");
                cmd.arg(old.to_string());
                cmd
            }
        }
    }

    /// Appends an entry with `fields` (name, value pairs), at most once under `once`.
    pub(crate) fn publish<'f>(
        &self,
        sha: &str,
        once: Option<&str>,
        fields: impl IntoIterator<Item = (&'static str, &'f [u8])>,
    ) -> Cmd {
        let mut cmd = self.call(sha, once, "p");
        cmd.arg(self.once_ttl_ms);
        for (name, value) in fields {
            cmd.arg(name).arg(value);
        }
        cmd
    }
}

/// A random generation for the script to start if it must: 52 random bits, at least
/// 2^52, so that Lua's numbers (doubles) hold it exactly.
fn candidate() -> u64 {
    (1 << 52) | (random_epoch() >> 12)
}

/// `SCRIPT LOAD` of the script: its SHA1, for `EVALSHA`.
pub(crate) fn load() -> Cmd {
    let mut cmd = redis::cmd("SCRIPT");
    cmd.arg("LOAD").arg(SCRIPT);
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_are_exact_in_lua_and_differ() {
        let (a, b) = (candidate(), candidate());
        assert!((1 << 52..1 << 53).contains(&a), "{a}");
        assert_ne!(a, b);
    }

    #[test]
    fn a_publish_names_its_idempotency_key_as_a_third_key() {
        let keys = Keys::new("s", 10, Duration::from_secs(1));
        let packed = keys
            .publish("sha", Some("req-1"), [("t", &b"news"[..])])
            .get_packed_command();
        let text = String::from_utf8_lossy(&packed);
        assert!(text.contains("\r\n3\r\n") && text.contains("s:once:req-1"));
        assert!(text.contains("\r\n1000\r\n"), "ttl in ms");
        let plain = keys.publish("sha", None, []).get_packed_command();
        assert!(!String::from_utf8_lossy(&plain).contains(":once:"));
    }
}
