//! The layering of `src/`, read from the sources: no import cycle between
//! files, and no import from a lower layer into a higher one. Lowest first:
//! `files` → `vsphere` → `config`, `manifest` → `inventory`, `probe` →
//! `checks` → `report` → the gate library (`gate`, `plan`) → `grant` →
//! `cli` → `main`. A file may import its own layer or lower ones.
//!
//! Imports are the `crate::…`, `super::…` and `self::…` paths of a file
//! outside its `#[cfg(test)]` modules and comments, `use` items and paths in
//! code alike.
//! A name a `mod.rs` (or `lib.rs`) re-exports with `pub use` counts as the
//! file it names. A reader, not a compiler (macros are not followed): the
//! port of `../shared/tools/layers.py`, which also counts a path named in a
//! doc comment and does not follow re-exports.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first; a module not listed fails the test.
const LAYERS: &[(&str, u8)] = &[
    ("files", 0),
    ("vsphere", 1),
    ("config", 2),
    ("manifest", 2),
    ("inventory", 3),
    ("probe", 3),
    ("checks", 4),
    ("report", 5),
    ("gate", 6),
    ("plan", 6),
    ("grant", 7),
    ("cli", 8),
    ("main", 9),
    ("lib", 9),
];

type Module = Vec<String>;

struct Source {
    path: PathBuf,
    module: Module,
    text: String,
}

fn sources(root: &Path) -> Vec<Source> {
    let mut out = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(root).unwrap().with_extension("");
                let mut module: Module = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if module.last().is_some_and(|m| m == "mod") {
                    module.pop();
                }
                let text = strip_comments(&strip_tests(&std::fs::read_to_string(&path).unwrap()));
                out.push(Source { path, module, text });
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// `text` without its `#[cfg(test)] mod NAME { … }` blocks (brace matching,
/// good enough for rustfmt'd code).
fn strip_tests(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("#[cfg(test)]") {
        let after = rest[at + "#[cfg(test)]".len()..].trim_start();
        let after = after
            .strip_prefix("pub(crate)")
            .or_else(|| after.strip_prefix("pub(super)"))
            .or_else(|| after.strip_prefix("pub"))
            .unwrap_or(after)
            .trim_start();
        let Some(m) = after.strip_prefix("mod ") else {
            out.push_str(&rest[..at + 1]);
            rest = &rest[at + 1..];
            continue;
        };
        let Some(open) = m.find('{').filter(|&o| !m[..o].contains(';')) else {
            out.push_str(&rest[..at + 1]);
            rest = &rest[at + 1..];
            continue;
        };
        out.push_str(&rest[..at]);
        let body = &m[open + 1..];
        let mut depth = 1;
        let mut end = body.len();
        for (i, c) in body.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                end = i + 1;
                break;
            }
        }
        rest = &body[end..];
    }
    out.push_str(rest);
    out
}

/// `text` without line comments: a doc link such as [`super::load`] names
/// a path, and imports nothing.
fn strip_comments(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(at) => &l[..at],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The identifier at the start of `s`, and what follows it.
fn ident(s: &str) -> (&str, &str) {
    let end = s.find(|c: char| !is_ident(c)).unwrap_or(s.len());
    (&s[..end], &s[end..])
}

/// Every full path a use tree starting at `s` names (`a::b`, `a::{b, c::d}`),
/// each prefixed with `prefix`.
fn use_tree(s: &str, prefix: &[String], out: &mut Vec<Vec<String>>) -> usize {
    let mut segs = prefix.to_vec();
    let mut i = 0;
    loop {
        let rest = s[i..].trim_start();
        i = s.len() - rest.len();
        if let Some(group) = rest.strip_prefix('{') {
            i += 1;
            let mut inner = group;
            loop {
                let t = inner.trim_start();
                i += inner.len() - t.len();
                if let Some(after) = t.strip_prefix('}') {
                    return i + (t.len() - after.len());
                }
                if let Some(after) = t.strip_prefix(',') {
                    i += 1;
                    inner = after;
                    continue;
                }
                let used = use_tree(t, &segs, out);
                if used == 0 {
                    return i;
                }
                i += used;
                inner = &s[i..];
            }
        }
        let (name, after) = ident(rest);
        if name.is_empty() {
            out.push(segs);
            return i;
        }
        segs.push(name.to_string());
        i += name.len();
        match after.strip_prefix("::") {
            Some(_) => i += 2,
            None => {
                out.push(segs);
                return i;
            }
        }
    }
}

/// Every absolute path a file names through `crate::`, `super::`, `self::`.
fn paths_of(src: &Source) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let text = &src.text;
    for base in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(at) = text[from..].find(base) {
            let start = from + at;
            from = start + base.len();
            if text[..start].chars().next_back().is_some_and(is_ident) {
                continue;
            }
            let mut prefix: Vec<String> = match base {
                "crate::" => vec![],
                "self::" => src.module.clone(),
                _ => src.module[..src.module.len().saturating_sub(1)].to_vec(),
            };
            let mut rest = &text[from..];
            while let Some(r) = rest.strip_prefix("super::") {
                prefix.pop();
                rest = r;
            }
            use_tree(rest, &prefix, &mut out);
        }
    }
    out
}

/// `pub use` items of a `mod.rs` or `lib.rs`: exported name → the path it names.
fn reexports(src: &Source) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for stmt in src.text.split(';') {
        let Some((at, len)) = ["pub use ", "pub(crate) use "]
            .iter()
            .find_map(|k| stmt.find(k).map(|at| (at, k.len())))
        else {
            continue;
        };
        let tree = stmt[at + len..].trim_start();
        let (first, after) = ident(tree);
        let parent = src.module[..src.module.len().saturating_sub(1)].to_vec();
        let (prefix, tree) = match (first, after.strip_prefix("::")) {
            ("crate", Some(t)) => (vec![], t),
            ("super", Some(t)) => (parent, t),
            ("self", Some(t)) => (src.module.clone(), t),
            _ => (src.module.clone(), tree),
        };
        let mut paths = Vec::new();
        use_tree(tree, &prefix, &mut paths);
        for p in paths {
            if let Some(name) = p.last() {
                out.insert(name.clone(), p);
            }
        }
    }
    out
}

struct Graph {
    files: Vec<String>,
    edges: BTreeMap<String, BTreeSet<String>>,
}

fn graph(root: &Path) -> Graph {
    let srcs = sources(root);
    let by_module: BTreeMap<Module, &Source> = srcs.iter().map(|s| (s.module.clone(), s)).collect();
    let dir_modules: BTreeMap<Module, BTreeMap<String, Vec<String>>> = srcs
        .iter()
        .filter(|s| s.path.ends_with("mod.rs") || s.path.ends_with("lib.rs"))
        .map(|s| (s.module.clone(), reexports(s)))
        .collect();
    // `/`-separated on Windows too, as the layers and the tests name files.
    let name = |s: &Source| {
        s.path
            .strip_prefix(root)
            .unwrap()
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/")
    };
    // The file a path names: its longest module prefix, through re-exports.
    let resolve = |path: &[String]| -> Option<&Source> {
        let mut path = path.to_vec();
        for _ in 0..4 {
            let k = (0..=path.len())
                .rev()
                .find(|&k| by_module.contains_key(&path[..k]))?;
            let found = by_module[&path[..k]];
            match (dir_modules.get(&path[..k]), path.get(k)) {
                (Some(exports), Some(next)) if exports.contains_key(next) => {
                    let mut aliased = exports[next].clone();
                    aliased.extend_from_slice(&path[k + 1..]);
                    if aliased == path {
                        return Some(found);
                    }
                    path = aliased;
                }
                _ => return Some(found),
            }
        }
        None
    };
    let mut edges = BTreeMap::new();
    for s in &srcs {
        let mut to = BTreeSet::new();
        for p in paths_of(s) {
            if let Some(t) = resolve(&p)
                && t.path != s.path
            {
                to.insert(name(t));
            }
        }
        edges.insert(name(s), to);
    }
    Graph {
        files: srcs.iter().map(name).collect(),
        edges,
    }
}

/// The strongly connected components of more than one file (Tarjan).
fn cycles(g: &Graph) -> Vec<Vec<String>> {
    struct T<'a> {
        g: &'a Graph,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a str) {
        let n = t.index.len();
        t.index.insert(v, n);
        t.low.insert(v, n);
        t.stack.push(v);
        t.on.insert(v);
        for w in &t.g.edges[v] {
            let w = w.as_str();
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                comp.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                t.out.push(comp);
            }
        }
    }
    let mut t = T {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: vec![],
        on: BTreeSet::new(),
        out: vec![],
    };
    for f in &g.files {
        if !t.index.contains_key(f.as_str()) {
            visit(&mut t, f);
        }
    }
    t.out
}

fn layer(file: &str) -> Option<u8> {
    let top = file.split('/').next()?.trim_end_matches(".rs");
    LAYERS.iter().find(|(n, _)| *n == top).map(|(_, r)| *r)
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn every_module_of_src_has_a_layer() {
    let g = graph(&src());
    let unplaced: Vec<&String> = g.files.iter().filter(|f| layer(f).is_none()).collect();
    assert!(
        unplaced.is_empty(),
        "give these a layer in tests/integration/layers.rs: {unplaced:?}"
    );
}

/// The reader sees the imports that are there, so an empty list of
/// cycles and climbs means something.
#[test]
fn the_reader_sees_known_imports_of_src() {
    let g = graph(&src());
    for (a, b) in [
        ("cli/check_cmd.rs", "plan.rs"),
        ("gate.rs", "checks/check.rs"),
        ("checks/registry.rs", "checks/targets.rs"),
        // `crate::checks::Finding`, re-exported by checks/mod.rs.
        ("report/emit.rs", "checks/finding.rs"),
    ] {
        assert!(
            g.edges[a].contains(b),
            "{a} -> {b} not seen: {:?}",
            g.edges[a]
        );
    }
    assert!(g.edges.values().map(BTreeSet::len).sum::<usize>() > 300);
}

#[test]
fn no_import_cycle_between_files() {
    let found = cycles(&graph(&src()));
    assert!(found.is_empty(), "import cycles: {found:#?}");
}

#[test]
fn no_import_climbs_a_layer() {
    let g = graph(&src());
    let climbs: Vec<String> = g
        .edges
        .iter()
        .flat_map(|(a, bs)| bs.iter().map(move |b| (a, b)))
        .filter(|(a, b)| layer(b) > layer(a))
        .map(|(a, b)| format!("{a} -> {b}"))
        .collect();
    assert!(climbs.is_empty(), "imports that climb a layer: {climbs:#?}");
}

/// The reader itself, on a tree built for it: a cycle through a re-export,
/// a climb, and an import inside a test module that does not count.
#[test]
fn the_reader_finds_a_cycle_through_a_reexport_and_a_climb() {
    let d = tempfile::tempdir().unwrap();
    let w = |p: &str, t: &str| {
        let p = d.path().join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, t).unwrap();
    };
    w("lib.rs", "pub mod checks;\npub mod report;\n");
    w(
        "checks/mod.rs",
        "pub mod a;\npub mod b;\npub use a::Thing;\n",
    );
    w("checks/a.rs", "use super::b::Other;\npub struct Thing;\n");
    w(
        "checks/b.rs",
        "use crate::checks::Thing;\npub struct Other;\n#[cfg(test)]\nmod tests {\n    use crate::report::X;\n}\n",
    );
    w(
        "report/mod.rs",
        "use crate::checks::{a::Thing, b};\npub struct X;\n",
    );
    let g = graph(d.path());
    assert_eq!(
        cycles(&g),
        vec![vec!["checks/a.rs".to_string(), "checks/b.rs".to_string()]]
    );
    assert!(!g.edges["checks/b.rs"].contains("report/mod.rs"));
    assert_eq!(
        g.edges["report/mod.rs"],
        ["checks/a.rs", "checks/b.rs"]
            .into_iter()
            .map(String::from)
            .collect()
    );
}
