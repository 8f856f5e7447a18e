//! The README is a user's front page and the rest lives in `docs/`: these
//! tests keep it short, keep it pointing at every page, and keep the links
//! and tables of the pages from rotting as sections move.

use std::path::{Path, PathBuf};

/// Issue 22: a front page, not a manual.
const README_MAX_LINES: usize = 250;

/// Pages another engineer writes: linked from the README before they land,
/// so a missing one is allowed until it exists, and checked from then on.
const PENDING: &[&str] = &["docs/windows.md"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The README and every page under `docs/`.
fn pages() -> Vec<PathBuf> {
    let mut pages = vec![root().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("docs/ exists")
        .map(|e| e.expect("a readable docs/ entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The lines outside fenced code blocks, with their line numbers.
fn prose(text: &str) -> Vec<(usize, &str)> {
    let mut fenced = false;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with("```") {
            fenced = !fenced;
        } else if !fenced {
            out.push((i + 1, line));
        }
    }
    out
}

/// The anchor GitHub gives a heading: lower case, punctuation but `-` and
/// `_` dropped, each space a `-`.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn anchors(text: &str) -> Vec<String> {
    prose(text)
        .into_iter()
        .filter_map(|(_, l)| l.strip_prefix('#'))
        .map(|h| anchor(h.trim_start_matches('#')))
        .collect()
}

/// The targets of inline links `[text](target)` on one line.
fn link_targets(line: &str) -> Vec<&str> {
    line.match_indices("](")
        .filter_map(|(i, _)| {
            let rest = &line[i + 2..];
            rest.find(')').map(|end| &rest[..end])
        })
        .collect()
}

/// A table row's cells, not counting `|` inside code spans or escaped.
fn cells(row: &str) -> usize {
    let mut code = false;
    let mut escaped = false;
    let mut pipes = 0;
    for c in row.trim().trim_matches('|').chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '`' => code = !code,
            '|' if !code => pipes += 1,
            _ => {}
        }
    }
    pipes + 1
}

#[test]
fn readme_is_at_most_250_lines() {
    let lines = read(&root().join("README.md")).lines().count();
    assert!(
        lines <= README_MAX_LINES,
        "README.md has {lines} lines; move detail to docs/"
    );
}

#[test]
fn readme_links_every_docs_page() {
    let readme = read(&root().join("README.md"));
    for page in &pages()[1..] {
        // As a Markdown link names it: `/`-separated on Windows too.
        let name = page
            .strip_prefix(root())
            .unwrap()
            .components()
            .map(|c| c.as_os_str().to_str().unwrap())
            .collect::<Vec<_>>()
            .join("/");
        assert!(
            readme.contains(&format!("]({name})")),
            "README.md does not link {name}"
        );
    }
}

#[test]
fn relative_links_and_their_anchors_resolve() {
    let mut broken = Vec::new();
    // Canonical paths on Windows are verbatim (`\\?\Z:\…`): compare
    // like with like.
    let canonical_root = root().canonicalize().unwrap();
    for page in pages() {
        let text = read(&page);
        for (n, line) in prose(&text) {
            for target in link_targets(line) {
                if target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                let (path, fragment) = target.split_once('#').unwrap_or((target, ""));
                let file = if path.is_empty() {
                    page.clone()
                } else {
                    page.parent().unwrap().join(path)
                };
                let relative = file
                    .canonicalize()
                    .ok()
                    .and_then(|f| f.strip_prefix(&canonical_root).ok().map(Path::to_path_buf));
                let Some(relative) = relative else {
                    let pending = PENDING.iter().any(|p| file.ends_with(p));
                    if !pending {
                        broken.push(format!("{}:{n}: {target}", page.display()));
                    }
                    continue;
                };
                if !fragment.is_empty()
                    && !anchors(&read(&root().join(&relative)))
                        .iter()
                        .any(|a| a == fragment)
                {
                    broken.push(format!(
                        "{}:{n}: no heading for #{fragment}",
                        page.display()
                    ));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// Tables whose first row is not followed by a `| --- |` separator (a row
/// stranded after a paragraph renders as text) or whose rows do not have
/// the header's number of cells.
fn table_problems(text: &str) -> Vec<String> {
    let lines = prose(text);
    let mut bad = Vec::new();
    let mut header: Option<usize> = None;
    for (k, &(n, line)) in lines.iter().enumerate() {
        if !line.starts_with('|') {
            header = None;
            continue;
        }
        match header {
            None => {
                header = Some(cells(line));
                let separator = lines.get(k + 1).is_some_and(|&(_, next)| {
                    next.starts_with('|')
                        && next.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
                });
                if !separator {
                    bad.push(format!("{n}: a table row without a header and separator"));
                }
            }
            Some(h) if cells(line) != h => {
                bad.push(format!("{n}: {} cells under a header of {h}", cells(line)))
            }
            Some(_) => {}
        }
    }
    bad
}

#[test]
fn every_table_has_a_header_and_its_rows_its_columns() {
    let bad: Vec<String> = pages()
        .iter()
        .flat_map(|p| {
            table_problems(&read(p))
                .into_iter()
                .map(move |b| format!("{}:{b}", p.display()))
        })
        .collect();
    assert!(bad.is_empty(), "malformed tables:\n{}", bad.join("\n"));
}

#[test]
fn a_table_row_stranded_after_a_paragraph_is_malformed() {
    let text = "| a | b |\n| --- | --- |\n| 1 | 2 |\n\nprose\n| 3 | 4 |\n";
    assert_eq!(table_problems(text).len(), 1, "{:?}", table_problems(text));
}

#[test]
fn a_row_with_a_missing_cell_is_malformed() {
    let text = "| a | b |\n| --- | --- |\n| 1 |\n";
    assert_eq!(table_problems(text).len(), 1);
}

#[test]
fn pipes_in_code_spans_and_escaped_pipes_are_not_cell_borders() {
    assert_eq!(cells("| a | b `x|y` \\| c |"), 2);
}

#[test]
fn anchors_are_github_s() {
    assert_eq!(anchor("What `--config` reads"), "what---config-reads");
    assert_eq!(
        anchor("`datastore-latency`, in both commands"),
        "datastore-latency-in-both-commands"
    );
}
