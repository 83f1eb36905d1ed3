//! Progress: each job has its own bar and result. Jobs run on a pool of [`WORKERS`] plain
//! threads; at most [`MAX_WAITING`] wait, each showing its place in the line. Every change
//! publishes the whole job list (a few lines), coalesced: a slow tab only ever has the
//! latest list waiting, and a list arriving twice changes nothing.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Html;
use sse_htmx::HxRequest;
use sse_hub::Message;

use crate::catalogue::PROGRESS;
use crate::{Demo, Versioned, layout};

/// Jobs running at once.
pub const WORKERS: usize = 2;
/// Jobs waiting at most; one more is refused (429).
pub const MAX_WAITING: usize = 20;
/// Finished jobs still shown.
const SHOWN_DONE: usize = 5;

/// The jobs: what the page shows, and the line the workers take from.
#[derive(Debug)]
pub struct Jobs {
    board: Mutex<Versioned<Board>>,
    /// Held while a change is published: one at a time, in order.
    writing: Mutex<()>,
    /// Signalled when a job joins the line.
    ready: Condvar,
}

#[derive(Debug, Default)]
struct Board {
    next: u64,
    /// Oldest first.
    jobs: Vec<(u64, Stage)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Waiting,
    Running(u32),
    Done,
}

impl Jobs {
    pub(crate) fn new(start: sse_hub::EventId) -> Self {
        Jobs {
            board: Mutex::new(Versioned::new(Board::default(), start)),
            writing: Mutex::new(()),
            ready: Condvar::new(),
        }
    }

    fn board(&self) -> MutexGuard<'_, Versioned<Board>> {
        self.board.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Board {
    /// The list, as the page shows it (replacing itself out of band when `oob`).
    fn html(&self, oob: bool) -> String {
        let mut waiting = 0;
        let items: String = self
            .jobs
            .iter()
            .map(|(id, stage)| {
                let state = match stage {
                    Stage::Waiting => {
                        waiting += 1;
                        format!("waiting, #{waiting} in line")
                    }
                    Stage::Running(percent) => {
                        format!(r#"<progress value="{percent}" max="100"></progress> {percent}%"#)
                    }
                    Stage::Done => {
                        r#"<progress value="100" max="100"></progress> done: 100 widgets polished"#
                            .to_owned()
                    }
                };
                format!(r#"<li id="job-{id}"><b>Job {id}</b> {state}</li>"#)
            })
            .collect();
        let oob = if oob { r#" hx-swap-oob="true""# } else { "" };
        format!(r#"<ul id="jobs"{oob}>{items}</ul>"#)
    }
}

/// `GET /progress`: the jobs as they are, and the stream from then.
pub async fn page(State(demo): State<Demo>) -> Html<String> {
    let (list, resume) = {
        let board = demo.jobs.board();
        (board.value.html(false), demo.resume_after(board.changed))
    };
    let body = format!(
        r##"<button hx-post="/progress/start" hx-target="#job-note">Start a job</button>
<p id="job-note" role="status"></p>
<div {swap} hx-swap="none"></div>
{list}"##,
        swap = PROGRESS.sse_swap(),
    );
    let live = layout::live("/events/progress", &resume, &body);
    layout::page("Progress", &live)
}

/// What the button's note says when the line is full.
const LINE_FULL: &str = "The line is full (20 jobs waiting): try again in a moment.";

/// `POST /progress/start`: a job joins the line. When the line is full: for htmx, 200 with
/// a note the page shows under the button (nothing in the console); for other clients,
/// 429 with the same words.
pub async fn start(
    State(demo): State<Demo>,
    hx: HxRequest,
) -> Result<(StatusCode, &'static str), StatusCode> {
    let joined = Demo::blocking(move || {
        let _writing = demo.jobs.writing.lock().unwrap_or_else(|e| e.into_inner());
        {
            let mut board = demo.jobs.board();
            let waiting = board
                .value
                .jobs
                .iter()
                .filter(|(_, stage)| *stage == Stage::Waiting)
                .count();
            if waiting >= MAX_WAITING {
                return false;
            }
            board.value.next += 1;
            let id = board.value.next;
            board.value.jobs.push((id, Stage::Waiting));
        }
        demo.jobs.ready.notify_one();
        publish(&demo);
        true
    })
    .await?;
    Ok(match (joined, hx.wants_fragment()) {
        (true, true) => (StatusCode::OK, ""),
        (true, false) => (StatusCode::ACCEPTED, ""),
        (false, true) => (StatusCode::OK, LINE_FULL),
        (false, false) => (StatusCode::TOO_MANY_REQUESTS, LINE_FULL),
    })
}

/// Publishes the job list (the caller holds `writing`), and keeps the id it got.
fn publish(demo: &Demo) {
    let html = demo.jobs.board().value.html(true);
    let message = Message::new("progress", (PROGRESS, html.as_str())).with_coalescing_key("jobs");
    if let Ok(id) = demo.hub.send(message) {
        demo.jobs.board().changed = id;
    }
}

/// Moves job `id` to `stage` and publishes the list.
fn set(demo: &Demo, id: u64, stage: Stage) {
    let _writing = demo.jobs.writing.lock().unwrap_or_else(|e| e.into_inner());
    {
        let mut board = demo.jobs.board();
        if let Some(job) = board.value.jobs.iter_mut().find(|(job, _)| *job == id) {
            job.1 = stage;
        }
        if stage == Stage::Done {
            // Only the last few finished jobs stay on the board.
            let done = board
                .value
                .jobs
                .iter()
                .filter(|(_, s)| *s == Stage::Done)
                .count();
            let mut extra = done.saturating_sub(SHOWN_DONE);
            board.value.jobs.retain(|(_, s)| {
                let drop = *s == Stage::Done && extra > 0;
                extra -= usize::from(drop);
                !drop
            });
        }
    }
    publish(demo);
}

/// Starts the workers: plain threads that take the next waiting job, until the hub is
/// closed.
pub fn start_workers(demo: &Demo, step: Duration) {
    for _ in 0..WORKERS {
        let demo = demo.clone();
        std::thread::spawn(move || {
            while let Some(id) = next_job(&demo) {
                for percent in 0..=100u32 {
                    if demo.hub.is_closed() {
                        return;
                    }
                    set(&demo, id, Stage::Running(percent));
                    std::thread::sleep(step);
                }
                set(&demo, id, Stage::Done);
            }
        });
    }
}

/// The next waiting job, now running; `None` once the hub is closed.
fn next_job(demo: &Demo) -> Option<u64> {
    let mut board = demo.jobs.board();
    loop {
        if demo.hub.is_closed() {
            return None;
        }
        if let Some(job) = board
            .value
            .jobs
            .iter_mut()
            .find(|(_, s)| *s == Stage::Waiting)
        {
            job.1 = Stage::Running(0);
            return Some(job.0);
        }
        board = demo
            .jobs
            .ready
            .wait_timeout(board, Duration::from_millis(500))
            .map_or_else(|e| e.into_inner().0, |(guard, _)| guard);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_shows_each_job_and_the_line() {
        let board = Board {
            next: 3,
            jobs: vec![
                (1, Stage::Done),
                (2, Stage::Running(42)),
                (3, Stage::Waiting),
            ],
        };
        let html = board.html(true);
        assert!(html.starts_with(r#"<ul id="jobs" hx-swap-oob="true">"#));
        assert!(html.contains(r#"<li id="job-2"><b>Job 2</b> <progress value="42""#));
        assert!(html.contains("Job 3</b> waiting, #1 in line"));
        assert!(html.contains("Job 1</b> <progress value=\"100\" max=\"100\"></progress> done"));
    }
}
