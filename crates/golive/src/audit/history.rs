//! Secrets in version control: every blob ever committed (all branches and tags, each blob
//! read once however many commits hold it) and the working copies of tracked files are
//! searched for Stripe secret shapes — `sk_live_`, `rk_live_`, `sk_test_`, `rk_test_`,
//! `whsec_`. The object database is walked with `gix` (no `git` process, no parsing of its
//! output). A hit is reported by its hint only (`sk_live_…WXYZ`), never its value.

use regex::Regex;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::OnceLock;

/// Where a secret was found: the file, its line, and the commit that has it (`None`: the
/// working copy of a tracked file, not committed yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub path: String,
    pub line: usize,
    pub commit: Option<String>,
}

/// One secret value found, by hint, with every place it is (the first ones).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leak {
    /// `sk_live_`, `whsec_`, …
    pub prefix: &'static str,
    pub hint: String,
    pub places: Vec<Place>,
    /// Whether the value is in the newest commit or working copy too (not only in history).
    pub in_current_files: bool,
}

/// What the walk saw.
#[derive(Debug, Default)]
pub struct Scan {
    pub leaks: Vec<Leak>,
    pub commits: usize,
    pub blobs: usize,
    /// Not a git repository: nothing could be searched.
    pub no_repository: bool,
}

/// Larger blobs are not source (bundles, images): skipped.
const MAX_BLOB: usize = 2 * 1024 * 1024;
/// Places kept per secret: enough to find it, not a wall of text.
const MAX_PLACES: usize = 5;

pub const PREFIXES: [&str; 5] = ["sk_live_", "rk_live_", "whsec_", "sk_test_", "rk_test_"];

fn pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"\b(sk_live_|rk_live_|sk_test_|rk_test_)[0-9A-Za-z]{16,}|\bwhsec_[0-9A-Za-z+/=]{16,}")
            .expect("the pattern compiles")
    })
}

/// The secret shapes in `text`: (prefix, value, line).
pub fn find_secrets(text: &str) -> Vec<(&'static str, String, usize)> {
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        for m in pattern().find_iter(line) {
            let value = m.as_str();
            let prefix = PREFIXES.iter().find(|p| value.starts_with(**p)).copied().unwrap_or("whsec_");
            found.push((prefix, value.to_string(), i + 1));
        }
    }
    found
}

#[derive(Default)]
struct Found {
    by_value: BTreeMap<String, Leak>,
}

impl Found {
    fn add(&mut self, text: &str, path: &str, commit: Option<String>, current: bool) {
        for (prefix, value, line) in find_secrets(text) {
            let leak = self.by_value.entry(value.clone()).or_insert_with(|| Leak {
                prefix,
                hint: crate::stripe_key::hint_of(&value),
                places: Vec::new(),
                in_current_files: false,
            });
            leak.in_current_files |= current;
            let place = Place { path: path.to_string(), line, commit: commit.clone() };
            if leak.places.len() < MAX_PLACES && !leak.places.contains(&place) {
                leak.places.push(place);
            }
        }
    }
}

/// Walks the repository at (or above) `dir`. Blocking: run it off the async threads.
pub fn scan(dir: &Path) -> Result<Scan, String> {
    let repo = match gix::discover(dir) {
        Ok(repo) => repo,
        Err(_) => return Ok(Scan { no_repository: true, ..Scan::default() }),
    };
    let mut found = Found::default();
    let mut scan = Scan::default();
    // Every commit any branch or tag reaches (a key on a side branch leaks as well).
    let mut tips = Vec::new();
    if let Ok(head) = repo.head_id() {
        tips.push(head.detach());
    }
    if let Ok(platform) = repo.references() {
        if let Ok(all) = platform.all() {
            for reference in all.flatten() {
                if let Ok(id) = reference.into_fully_peeled_id() {
                    if repo.find_object(id).map(|o| o.kind == gix::object::Kind::Commit).unwrap_or(false) {
                        tips.push(id.detach());
                    }
                }
            }
        }
    }
    tips.sort();
    tips.dedup();
    let head_tree = repo.head_commit().ok().and_then(|c| c.tree_id().ok()).map(|t| t.detach());
    let mut seen_trees = HashSet::new();
    let mut seen_blobs = HashSet::new();
    if !tips.is_empty() {
        let ids: Vec<gix::ObjectId> = repo
            .rev_walk(tips)
            .all()
            .map_err(|e| e.to_string())?
            .map(|info| info.map(|i| i.id))
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
        scan.commits = ids.len();
        // Oldest first: a blob is named with the commit that brought it in.
        for id in ids.into_iter().rev() {
            let commit = repo.find_object(id).map_err(|e| e.to_string())?.into_commit();
            let tree = commit.tree_id().map_err(|e| e.to_string())?.detach();
            let short = id.to_hex_with_len(7).to_string();
            walk_tree(&repo, tree, "", Some(&short), &mut seen_trees, &mut seen_blobs, &mut |path, data, commit| {
                if let Ok(text) = std::str::from_utf8(data) {
                    found.add(text, path, commit.map(str::to_string), false);
                }
            })
            .map_err(|e| e.to_string())?;
        }
    }
    scan.blobs = seen_blobs.len();
    // Values still in the newest commit are current.
    if let Some(tree) = head_tree {
        let mut seen = HashSet::new();
        let mut blobs = HashSet::new();
        walk_tree(&repo, tree, "", None, &mut seen, &mut blobs, &mut |_, data, _| {
            if let Ok(text) = std::str::from_utf8(data) {
                for (_, value, _) in find_secrets(text) {
                    if let Some(leak) = found.by_value.get_mut(&value) {
                        leak.in_current_files = true;
                    }
                }
            }
        })
        .map_err(|e| e.to_string())?;
    }
    // The working copies of tracked files: a key pasted in but not committed yet.
    if let (Ok(index), Some(workdir)) = (repo.index_or_empty(), repo.workdir()) {
        for entry in index.entries() {
            let path = entry.path(&index).to_string();
            let Ok(text) = std::fs::read_to_string(workdir.join(&path)) else { continue };
            if text.len() <= MAX_BLOB {
                found.add(&text, &path, None, true);
            }
        }
    }
    scan.leaks = found.by_value.into_values().collect();
    Ok(scan)
}

type Visit<'v> = dyn FnMut(&str, &[u8], Option<&str>) + 'v;

/// Visits every blob of `tree` not seen before (subtrees seen before are skipped whole).
fn walk_tree(
    repo: &gix::Repository,
    tree: gix::ObjectId,
    prefix: &str,
    commit: Option<&str>,
    seen_trees: &mut HashSet<gix::ObjectId>,
    seen_blobs: &mut HashSet<gix::ObjectId>,
    visit: &mut Visit<'_>,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut stack = vec![(tree, prefix.to_string())];
    while let Some((id, prefix)) = stack.pop() {
        if !seen_trees.insert(id) {
            continue;
        }
        let tree = repo.find_object(id)?.into_tree();
        for entry in tree.iter() {
            let entry = entry?;
            let path = format!("{prefix}{}", entry.filename());
            let mode = entry.mode();
            if mode.is_tree() {
                stack.push((entry.oid().to_owned(), format!("{path}/")));
            } else if mode.is_blob() && seen_blobs.insert(entry.oid().to_owned()) {
                let blob = repo.find_object(entry.oid())?;
                if blob.data.len() <= MAX_BLOB && !path.contains("node_modules/") {
                    visit(&path, &blob.data, commit);
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::find_secrets;

    #[test]
    fn every_secret_shape_is_found_with_its_line_and_nothing_else() {
        let live = format!("{}_{}", "sk_live", "51Hx9aBcDeFgHiJkLmNoPq");
        let hook = format!("{}_{}", "whsec", "AbCdEfGhIjKlMnOpQrSt1234");
        let text = format!(
            "const a = 1;\nconst key = \"{live}\";\n// {hook}\npk_live_not_secret_1234567890abcdef\nsk_live_short\n"
        );
        let found = find_secrets(&text);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!((found[0].0, found[0].2), ("sk_live_", 2));
        assert_eq!((found[1].0, found[1].2), ("whsec_", 3));
    }
}
