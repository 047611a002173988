//! The audit's history walk on a repository of 10 000 commits (made here with
//! `git fast-import`: each commit changes one of 50 files, and one early commit holds a
//! live-shaped key, deleted in the next): prints the wall time; the goal is under 5 s.

use std::io::Write;
use std::process::{Command, Stdio};

const COMMITS: usize = 10_000;
const FILES: usize = 50;

fn main() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let git = |args: &[&str]| Command::new("git").args(args).current_dir(dir.path()).output().expect("git runs");
    git(&["init", "-q", "-b", "main"]);
    let key = format!("{}_{}", "sk_live", "51BenchPlantedKey0123456789abcd");
    let mut stream = String::new();
    for i in 0..COMMITS {
        let file = i % FILES;
        let body = if i == 10 {
            format!("export const KEY = \"{key}\";\n")
        } else {
            format!("export const VERSION_{file} = {i};\n// {}\n", "x".repeat(200))
        };
        stream.push_str(&format!(
            "commit refs/heads/main\ncommitter Bench <bench@example.com> {} +0000\ndata {}\ncommit {i}\n",
            1_700_000_000 + i,
            format!("commit {i}").len()
        ));
        stream.push_str(&format!("M 100644 inline src/file{file}.js\ndata {}\n{body}\n", body.len()));
    }
    let mut import = Command::new("git")
        .args(["fast-import", "--quiet"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .spawn()
        .expect("git fast-import runs");
    import.stdin.take().expect("stdin").write_all(stream.as_bytes()).expect("the stream is written");
    assert!(import.wait().expect("fast-import ends").success());
    git(&["reset", "-q", "--hard", "main"]);

    let started = std::time::Instant::now();
    let scan = golive::audit::history::scan(dir.path()).expect("the walk runs");
    let elapsed = started.elapsed();
    assert_eq!(scan.commits, COMMITS);
    assert_eq!(scan.leaks.len(), 1, "the planted key is found");
    let place = &scan.leaks[0].places[0];
    println!(
        "audit history walk: {} commits, {} distinct files read, {:.2} s (goal < 5 s); the planted key found at {}:{} in commit {}",
        scan.commits,
        scan.blobs,
        elapsed.as_secs_f64(),
        place.path,
        place.line,
        place.commit.as_deref().unwrap_or("-")
    );
}
