//! What is kept on this machine outside the steps: `golive keys save|forget` (the two Stripe
//! keys in the OS keyring) and `golive --rehearsal reset` (the offline rehearsal).

use super::ExitStatus;
use crate::context::project_or_cwd;
use crate::keys_input;
use crate::output::Printer;
use golive::keystore;
use golive::wizard::Problem;
use std::path::PathBuf;

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> Result<T, Problem> + Send + 'static) -> Result<T, Problem> {
    tokio::task::spawn_blocking(work).await.map_err(|e| Problem::internal(format!("The keyring work stopped: {e}")))?
}

pub async fn save(out: &Printer, project: Option<PathBuf>, keys_stdin: bool) -> Result<ExitStatus, Problem> {
    let (test_name, live_name) = keys_input::keyring_names(&project_or_cwd(project))?;
    let (test, live) = keys_input::read(keys_stdin)?;
    let entries = blocking(move || {
        keystore::put(&test_name, &test.secret())?;
        keystore::put(&live_name, &live.secret())?;
        Ok(vec![test_name.user(), live_name.user()])
    })
    .await?;
    out.entries(&entries);
    Ok(ExitStatus::Success)
}

pub async fn forget(out: &Printer, project: Option<PathBuf>) -> Result<ExitStatus, Problem> {
    let (test_name, live_name) = keys_input::keyring_names(&project_or_cwd(project))?;
    let entries = blocking(move || {
        keystore::delete(&test_name)?;
        keystore::delete(&live_name)?;
        Ok(vec![test_name.user(), live_name.user()])
    })
    .await?;
    out.entries(&entries);
    Ok(ExitStatus::Success)
}

pub fn reset(out: &Printer, rehearsal: bool) -> Result<ExitStatus, Problem> {
    if !rehearsal {
        return Err(Problem::invalid(
            "`golive reset` forgets the offline rehearsal only, and --rehearsal was not given.",
            "Run `golive --rehearsal reset`. A real go-live is never reset by golive: what it made in Stripe stays, and its session is what lets a re-run make no duplicates.",
        ));
    }
    let data_dir = golive::session::data_dir();
    golive_rehearsal::Rehearsal::reset(&data_dir)?;
    out.reset(&data_dir);
    Ok(ExitStatus::Success)
}
