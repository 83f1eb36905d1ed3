//! Progress: each job has its own bar and result. Jobs run on a pool of [`WORKERS`] plain
//! threads per instance; at most [`MAX_WAITING`] wait, each showing its place in the line.
//! The list lives in the shared state: with `--redis`, any instance's workers take the next
//! waiting job, and every instance renders the same list. Every change publishes the whole
//! list (a few lines), coalesced: a slow tab only ever has the latest list waiting, and a
//! list arriving twice changes nothing.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Html;
use serde::{Deserialize, Serialize};
use ssekit_htmx::HxRequest;
use ssekit_hub::Message;

use crate::catalogue::PROGRESS;
use crate::{Demo, Versioned, layout};

/// Jobs running at once, per instance.
pub const WORKERS: usize = 2;
/// Jobs waiting at most; one more is refused (429).
pub const MAX_WAITING: usize = 20;
/// Finished jobs still shown.
const SHOWN_DONE: usize = 5;
/// How often an idle worker looks for a job started on another instance.
const LOOK_EVERY: Duration = Duration::from_millis(100);

/// This instance's workers' bell: rung when a job joins the line here.
#[derive(Debug, Default)]
pub struct Jobs {
    bell: Mutex<()>,
    ready: Condvar,
}

/// The job list.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Board {
    next: u64,
    /// Oldest first.
    jobs: Vec<(u64, Stage)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Stage {
    Waiting,
    Running(u32),
    Done,
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
pub async fn page(State(demo): State<Demo>) -> Result<Html<String>, StatusCode> {
    let board = demo.read(|state| state.jobs()).await?;
    let body = format!(
        r##"<button hx-post="/progress/start" hx-target="#job-note">Start a job</button>
<p id="job-note" role="status"></p>
<div {swap} hx-swap="none"></div>
{list}"##,
        swap = PROGRESS.sse_swap(),
        list = board.value.html(false),
    );
    let live = layout::live("/events/progress", &demo.resume_after(board.changed), &body);
    Ok(layout::page("Progress", &live))
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
        let joined = change(&demo, |board| {
            let waiting = board
                .jobs
                .iter()
                .filter(|(_, stage)| *stage == Stage::Waiting)
                .count();
            if waiting >= MAX_WAITING {
                return false;
            }
            board.next += 1;
            let id = board.next;
            board.jobs.push((id, Stage::Waiting));
            true
        });
        if joined == Some(true) {
            demo.jobs.ready.notify_one();
        }
        joined
    })
    .await?
    .ok_or(StatusCode::SERVICE_UNAVAILABLE)?;
    Ok(match (joined, hx.wants_fragment()) {
        (true, true) => (StatusCode::OK, ""),
        (true, false) => (StatusCode::ACCEPTED, ""),
        (false, true) => (StatusCode::OK, LINE_FULL),
        (false, false) => (StatusCode::TOO_MANY_REQUESTS, LINE_FULL),
    })
}

/// Changes the job list with `edit` under the deployment's write lock, publishes it if
/// `edit` says it changed, and stores it with the id it got; what `edit` said, or `None`
/// when the state or the hub is unavailable.
fn change(demo: &Demo, edit: impl FnOnce(&mut Board) -> bool) -> Option<bool> {
    let _writing = demo.state.lock().ok()?;
    let mut board = demo.state.jobs().ok()?.value;
    if !edit(&mut board) {
        return Some(false);
    }
    let html = board.html(true);
    let message = Message::new("progress", (PROGRESS, html.as_str())).with_coalescing_key("jobs");
    let id = demo.hub.send(message).ok()?;
    demo.state.set_jobs(&Versioned::new(board, id)).ok()?;
    Some(true)
}

/// Moves job `id` to `stage` and publishes the list.
fn set(demo: &Demo, id: u64, stage: Stage) {
    change(demo, |board| {
        let Some(job) = board.jobs.iter_mut().find(|(job, _)| *job == id) else {
            return false; // gone (the state was lost meanwhile)
        };
        job.1 = stage;
        if stage == Stage::Done {
            // Only the last few finished jobs stay on the board.
            let done = board.jobs.iter().filter(|(_, s)| *s == Stage::Done).count();
            let mut extra = done.saturating_sub(SHOWN_DONE);
            board.jobs.retain(|(_, s)| {
                let drop = *s == Stage::Done && extra > 0;
                extra -= usize::from(drop);
                !drop
            });
        }
        true
    });
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

/// The next waiting job (of any instance), now running; `None` once the hub is closed.
fn next_job(demo: &Demo) -> Option<u64> {
    loop {
        if demo.hub.is_closed() {
            return None;
        }
        // A look first (a page's read: at once, even when Redis is stalled); the write
        // lock only when there is a job to take.
        let waiting = demo
            .state
            .jobs()
            .is_ok_and(|board| board.value.jobs.iter().any(|(_, s)| *s == Stage::Waiting));
        if waiting {
            let mut taken = None;
            change(demo, |board| {
                let job = board.jobs.iter_mut().find(|(_, s)| *s == Stage::Waiting);
                if let Some(job) = job {
                    job.1 = Stage::Running(0);
                    taken = Some(job.0);
                }
                taken.is_some()
            });
            if taken.is_some() {
                return taken;
            }
        }
        let bell = demo.jobs.bell.lock().unwrap_or_else(|e| e.into_inner());
        let _ = demo.jobs.ready.wait_timeout(bell, LOOK_EVERY);
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
