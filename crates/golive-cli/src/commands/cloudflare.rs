//! `golive cloudflare login|token|forget`: wrangler's Cloudflare login for a user who never
//! ran wrangler themselves. The token is read from standard input (hidden when typed on a
//! terminal), never from argv.

use super::ExitStatus;
use crate::context::Context;
use crate::output::Printer;
use golive::cloudflare_auth;
use golive::wizard::Problem;
use secrecy::SecretString;
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

pub async fn login(out: &Printer, rehearsal: bool, project: Option<PathBuf>) -> Result<ExitStatus, Problem> {
    let ctx = Context::open_without_keys(out, rehearsal, project).await?;
    let dir = ctx.project_dir().expect("opened with a project");
    let login = ctx.wizard.cloudflare_login(&dir, &out.sink()).await?;
    out.cloudflare_login(&login, false);
    Ok(ExitStatus::Success)
}

pub async fn token(
    out: &Printer,
    rehearsal: bool,
    project: Option<PathBuf>,
    help_link: bool,
) -> Result<ExitStatus, Problem> {
    if help_link {
        out.link(&cloudflare_auth::token_page_url());
        return Ok(ExitStatus::Success);
    }
    let pasted = read_token()?;
    let ctx = Context::open_without_keys(out, rehearsal, project).await?;
    let dir = ctx.project_dir().expect("opened with a project");
    let login = ctx.wizard.use_cloudflare_token(&pasted, &dir).await?;
    out.cloudflare_login(&login, true);
    Ok(ExitStatus::Success)
}

pub async fn forget(out: &Printer, rehearsal: bool) -> Result<ExitStatus, Problem> {
    let ctx = Context::open_without_keys(out, rehearsal, None).await?;
    ctx.wizard.forget_cloudflare_token().await?;
    out.entries(&[cloudflare_auth::token_entry(ctx.wizard.env()).user()]);
    Ok(ExitStatus::Success)
}

/// One line of standard input; typed on a terminal, it is not echoed.
fn read_token() -> Result<SecretString, Problem> {
    let missing = || {
        Problem::invalid(
            "No Cloudflare API token on standard input.",
            format!(
                "Pipe the token in (`golive cloudflare token < token.txt`), or run the command in a terminal and paste it when asked. Make one with golive's permissions: {}",
                cloudflare_auth::token_page_url()
            ),
        )
        .with_code("cloudflare_token_format")
    };
    if std::io::stdin().is_terminal() {
        let typed = rpassword::prompt_password("Paste the Cloudflare API token (it is not shown), then Enter: ")
            .map_err(|_| missing())?;
        return Ok(SecretString::from(typed));
    }
    let mut line = String::new();
    match std::io::stdin().lock().read_line(&mut line) {
        Ok(n) if n > 0 => Ok(SecretString::from(line)),
        _ => Err(missing()),
    }
}
