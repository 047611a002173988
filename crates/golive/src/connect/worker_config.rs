//! Reading the user's wrangler configuration (`wrangler.json`, `wrangler.jsonc` or
//! `wrangler.toml`, in wrangler's own order): the Worker's name, account, environments,
//! routes and workers.dev setting. Errors name the file and line.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The files wrangler looks for, in the order it prefers them.
pub const CONFIG_FILES: [&str; 3] = ["wrangler.json", "wrangler.jsonc", "wrangler.toml"];

/// What golive needs from a wrangler configuration.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct WorkerConfig {
    pub file: PathBuf,
    pub name: String,
    pub account_id: Option<String>,
    pub main: Option<String>,
    pub workers_dev: Option<bool>,
    pub routes: Vec<String>,
    /// `[env.NAME]` sections: each deploys as its own Worker (`NAME-ENV` unless renamed).
    pub environments: BTreeMap<String, EnvironmentConfig>,
    /// Other config files in the folder that wrangler ignores because this one wins.
    pub shadowed: Vec<PathBuf>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct EnvironmentConfig {
    pub name: Option<String>,
    pub routes: Vec<String>,
    pub workers_dev: Option<bool>,
    /// The environment's own `account_id` (wrangler inherits the top level's when absent).
    #[serde(default)]
    pub account_id: Option<String>,
}

impl WorkerConfig {
    /// The account wrangler acts on for the environment `env` (`None`: the top level), as
    /// the configuration says: the environment's own `account_id`, else the top level's. An
    /// empty one counts as none, as wrangler ignores it.
    pub fn account_for(&self, env: Option<&str>) -> Option<&str> {
        env.and_then(|e| self.environments.get(e))
            .and_then(|e| e.account_id.as_deref())
            .filter(|a| !a.is_empty())
            .or(self.account_id.as_deref().filter(|a| !a.is_empty()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    NotFound {
        dir: PathBuf,
    },
    Unreadable {
        file: PathBuf,
        message: String,
    },
    Syntax {
        file: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    MissingName {
        file: PathBuf,
    },
    /// A Worker name (the top-level one, or what an environment deploys as) Cloudflare refuses.
    BadName {
        file: PathBuf,
        name: String,
    },
}

/// Cloudflare's rule for a Worker's name: lowercase letters, digits and dashes, starting and
/// ending with a letter or digit, at most 63 characters. Names become keyring entries and
/// wrangler arguments, so nothing else is let through.
pub fn valid_worker_name(name: &str) -> bool {
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    !name.is_empty()
        && name.len() <= 63
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && edge(name.chars().next())
        && edge(name.chars().last())
}

impl ConfigError {
    pub fn message(&self) -> String {
        match self {
            ConfigError::NotFound { dir } => {
                format!("No wrangler.toml, wrangler.jsonc or wrangler.json in {}.", dir.display())
            }
            ConfigError::Unreadable { file, message } => {
                format!("Could not read {}: {message}", file.display())
            }
            ConfigError::Syntax { file, line, column, message } => {
                format!("{} line {line}, column {column}: {message}", file.display())
            }
            ConfigError::MissingName { file } => {
                format!("{} has no `name`: wrangler cannot tell which Worker it is.", file.display())
            }
            ConfigError::BadName { file, name } => {
                format!(
                    "{} names the Worker “{name}”, which Cloudflare does not accept as a Worker name.",
                    file.display()
                )
            }
        }
    }

    pub fn fix(&self) -> String {
        match self {
            ConfigError::NotFound { .. } => "Choose the folder of your API that holds wrangler.toml (the one you run `wrangler deploy` in).".into(),
            ConfigError::Unreadable { .. } => "Check that the file exists and that you may read it.".into(),
            ConfigError::Syntax { .. } => "Fix the file at that line (wrangler itself would refuse it too), save, and check again.".into(),
            ConfigError::MissingName { .. } => "Add `name = \"your-worker\"` at the top of the file: the name your Worker has in the Cloudflare dashboard.".into(),
            ConfigError::BadName { .. } => "Use lowercase letters, digits and dashes only (at most 63 characters, no dash at either end), as the Worker is named in the Cloudflare dashboard; for an environment, its name and the Worker's together.".into(),
        }
    }
}

/// Finds and reads the configuration in `dir`.
pub fn load(dir: &Path) -> Result<WorkerConfig, ConfigError> {
    let (present, _, raw) = read::<RawConfig>(dir)?;
    let file = present[0].clone();
    let name = raw.name.filter(|n| !n.trim().is_empty()).ok_or(ConfigError::MissingName { file: file.clone() })?;
    let deployed_names = std::iter::once(name.clone())
        .chain(raw.env.iter().map(|(env, e)| e.name.clone().unwrap_or_else(|| format!("{name}-{env}"))));
    if let Some(bad) = deployed_names.into_iter().find(|n| !valid_worker_name(n)) {
        return Err(ConfigError::BadName { file, name: bad });
    }
    Ok(WorkerConfig {
        name,
        account_id: raw.account_id,
        main: raw.main,
        workers_dev: raw.workers_dev,
        routes: raw.routes.into_iter().chain(raw.route).map(Route::pattern).collect(),
        environments: raw
            .env
            .into_iter()
            .map(|(k, v)| {
                let routes = v.routes.into_iter().chain(v.route).map(Route::pattern).collect();
                (k, EnvironmentConfig { name: v.name, routes, workers_dev: v.workers_dev, account_id: v.account_id })
            })
            .collect(),
        shadowed: present[1..].to_vec(),
        file,
    })
}

/// The names under `vars` of a wrangler config, with the file and its text (for line
/// numbers). Values are not kept.
pub struct VarNames {
    pub file: PathBuf,
    pub text: String,
    /// `(environment, name)`: `None` for the top level, else the `[env.NAME]`.
    pub names: Vec<(Option<String>, String)>,
}

/// The names under `vars` of the folder's wrangler config — top level and each `[env.NAME]`.
pub fn var_names(dir: &Path) -> Result<VarNames, ConfigError> {
    #[derive(Deserialize)]
    struct Vars {
        #[serde(default)]
        vars: BTreeMap<String, serde::de::IgnoredAny>,
        #[serde(default)]
        env: BTreeMap<String, EnvVars>,
    }
    #[derive(Deserialize)]
    struct EnvVars {
        #[serde(default)]
        vars: BTreeMap<String, serde::de::IgnoredAny>,
    }
    let (present, text, raw) = read::<Vars>(dir)?;
    let file = present[0].clone();
    let mut names: Vec<(Option<String>, String)> = raw.vars.into_keys().map(|n| (None, n)).collect();
    for (env, e) in raw.env {
        names.extend(e.vars.into_keys().map(|n| (Some(env.clone()), n)));
    }
    Ok(VarNames { file, text, names })
}

/// The KV namespace bindings of the folder's wrangler config for `env` (`None`: the top
/// level). As in wrangler, an environment's `kv_namespaces` replace the top level's.
pub fn kv_bindings(dir: &Path, env: Option<&str>) -> Result<Vec<String>, ConfigError> {
    Ok(kv_namespaces(dir, env)?.into_iter().map(|b| b.binding).collect())
}

/// One `kv_namespaces` entry: its binding, the namespace id it names (if any), and whether it
/// is the environment's own entry (else the top level's).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct KvEntry {
    pub binding: String,
    pub id: Option<String>,
    #[serde(skip)]
    pub in_env: bool,
}

/// The KV namespaces the Worker of `env` binds, as [`kv_bindings`] chooses them.
pub fn kv_namespaces(dir: &Path, env: Option<&str>) -> Result<Vec<KvEntry>, ConfigError> {
    type Binding = KvEntry;
    #[derive(Deserialize)]
    struct Kv {
        kv_namespaces: Option<Vec<Binding>>,
        #[serde(default)]
        env: BTreeMap<String, EnvKv>,
    }
    #[derive(Deserialize)]
    struct EnvKv {
        kv_namespaces: Option<Vec<Binding>>,
    }
    let (_, _, mut raw) = read::<Kv>(dir)?;
    let top = raw.kv_namespaces.take().unwrap_or_default();
    let chosen = match env.and_then(|e| raw.env.remove(e)) {
        Some(EnvKv { kv_namespaces: Some(own) }) => own.into_iter().map(|b| KvEntry { in_env: true, ..b }).collect(),
        _ if env.is_some() => Vec::new(),
        _ => top,
    };
    Ok(chosen)
}

#[derive(Debug, Deserialize)]
struct RawConfig {
    name: Option<String>,
    account_id: Option<String>,
    main: Option<String>,
    workers_dev: Option<bool>,
    #[serde(default)]
    routes: Vec<Route>,
    route: Option<Route>,
    #[serde(default)]
    env: BTreeMap<String, RawEnv>,
}

#[derive(Debug, Deserialize)]
struct RawEnv {
    name: Option<String>,
    account_id: Option<String>,
    workers_dev: Option<bool>,
    #[serde(default)]
    routes: Vec<Route>,
    route: Option<Route>,
}

/// A route is a pattern string or a table with `pattern` (and `zone_name`, `custom_domain`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Route {
    Pattern(String),
    Table { pattern: String },
}

impl Route {
    fn pattern(self) -> String {
        match self {
            Route::Pattern(p) | Route::Table { pattern: p } => p,
        }
    }
}

/// The config files present in `dir` (the first wins, as in wrangler), the winner's text, and
/// that text read as `T` — TOML or JSONC by its extension.
fn read<T: serde::de::DeserializeOwned>(dir: &Path) -> Result<(Vec<PathBuf>, String, T), ConfigError> {
    let present: Vec<PathBuf> = CONFIG_FILES.iter().map(|f| dir.join(f)).filter(|p| p.is_file()).collect();
    let Some(file) = present.first() else {
        return Err(ConfigError::NotFound { dir: dir.to_path_buf() });
    };
    let text = std::fs::read_to_string(file)
        .map_err(|e| ConfigError::Unreadable { file: file.clone(), message: e.to_string() })?;
    let raw = if file.extension().is_some_and(|e| e == "toml") {
        parse_toml(file, &text)?
    } else {
        parse_jsonc(file, &text)?
    };
    Ok((present, text, raw))
}

fn parse_toml<T: serde::de::DeserializeOwned>(file: &Path, text: &str) -> Result<T, ConfigError> {
    toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
        ConfigError::Syntax { file: file.to_path_buf(), line, column, message: e.message().to_string() }
    })
}

fn parse_jsonc<T: serde::de::DeserializeOwned>(file: &Path, text: &str) -> Result<T, ConfigError> {
    // JSONC as wrangler reads it: comments and trailing commas, nothing looser.
    let options = jsonc_parser::ParseOptions {
        allow_comments: true,
        allow_trailing_commas: true,
        allow_loose_object_property_names: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        ..Default::default()
    };
    jsonc_parser::parse_to_serde_value::<T>(text, &options).map_err(|e| ConfigError::Syntax {
        file: file.to_path_buf(),
        line: e.line_display().max(1),
        column: e.column_display().max(1),
        message: e.kind().to_string(),
    })
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    #[test]
    fn reads_toml_with_environments_and_routes() {
        let dir = dir_with(&[(
            "wrangler.toml",
            "name = \"pan-api\"\naccount_id = \"abc\"\nmain = \"src/index.ts\"\nroutes = [{ pattern = \"api.example.com/*\", zone_name = \"example.com\" }]\n\n[env.staging]\nname = \"pan-api-staging\"\nworkers_dev = true\n",
        )]);
        let config = load(dir.path()).unwrap();
        assert_eq!(config.name, "pan-api");
        assert_eq!(config.account_id.as_deref(), Some("abc"));
        assert_eq!(config.routes, vec!["api.example.com/*"]);
        assert_eq!(config.environments["staging"].name.as_deref(), Some("pan-api-staging"));
        assert_eq!(config.environments["staging"].workers_dev, Some(true));
    }

    #[test]
    fn reads_jsonc_with_comments_and_trailing_commas() {
        let dir =
            dir_with(&[("wrangler.jsonc", "{\n  // the API\n  \"name\": \"pan-api\",\n  \"workers_dev\": true,\n}\n")]);
        let config = load(dir.path()).unwrap();
        assert_eq!(config.name, "pan-api");
        assert_eq!(config.workers_dev, Some(true));
    }

    #[test]
    fn prefers_json_over_toml_as_wrangler_does_and_says_so() {
        let dir = dir_with(&[("wrangler.toml", "name = \"old\"\n"), ("wrangler.jsonc", "{\"name\": \"new\"}")]);
        let config = load(dir.path()).unwrap();
        assert_eq!(config.name, "new");
        assert_eq!(config.shadowed.len(), 1);
    }

    #[test]
    fn syntax_errors_name_file_and_line() {
        let dir = dir_with(&[("wrangler.toml", "name = \"api\"\nmain = \n")]);
        match load(dir.path()).unwrap_err() {
            ConfigError::Syntax { file, line, .. } => {
                assert!(file.ends_with("wrangler.toml"));
                assert_eq!(line, 2);
            }
            other => panic!("{other:?}"),
        }
        let dir = dir_with(&[("wrangler.jsonc", "{\n  \"name\": \"api\",\n  \"main\": }\n")]);
        match load(dir.path()).unwrap_err() {
            ConfigError::Syntax { line, .. } => assert_eq!(line, 3),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn missing_file_and_missing_name_are_told_apart() {
        let empty = dir_with(&[]);
        assert!(matches!(load(empty.path()), Err(ConfigError::NotFound { .. })));
        let nameless = dir_with(&[("wrangler.toml", "main = \"src/index.ts\"\n")]);
        assert!(matches!(load(nameless.path()), Err(ConfigError::MissingName { .. })));
        for (toml, bad) in [
            ("name = \"Pan API\"\n", "Pan API"),
            ("name = \"api/../x\"\n", "api/../x"),
            ("name = \"api\"\n[env.\"x; rm -rf ~\"]\n", "api-x; rm -rf ~"),
            ("name = \"api\"\n[env.prod]\nname = \"-api\"\n", "-api"),
        ] {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("wrangler.toml"), toml).unwrap();
            match load(dir.path()) {
                Err(ConfigError::BadName { name, .. }) => assert_eq!(name, bad),
                other => panic!("{toml}: {other:?}"),
            }
        }
        assert!(valid_worker_name("pan-api-staging") && !valid_worker_name(&"a".repeat(64)));
    }
}
