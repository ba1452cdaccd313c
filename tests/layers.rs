//! The layering of `src/` (see `layers.txt` and the README's "Layout"): no import cycle
//! between top-level modules, and no file importing a layer above its own.
//!
//! A small reading of the source, standard library only, so it runs in every `make test`
//! on a fresh clone: every `crate::…` path (in `use` lines and inline) names a top-level
//! module; `super::`, `self::` and child modules stay inside their own top-level module,
//! which is one node of the graph. `#[cfg(test)]` modules may import anything.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The top-level module a file belongs to: `src/store/sled/mod.rs` → `src/store`,
/// `src/item.rs` → `src/item.rs`.
fn node_of(root: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(root).expect("under src");
    let mut parts = rel.components();
    let first = parts.next().expect("a file").as_os_str().to_string_lossy();
    format!("src/{first}")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("readable src") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source without comments and without `#[cfg(test)] mod … { … }` blocks.
fn code_of(src: &str) -> String {
    let mut code = String::with_capacity(src.len());
    for line in src.lines() {
        let line = match line.find("//") {
            Some(i) if !line[..i].contains('"') => &line[..i],
            _ => line,
        };
        code.push_str(line);
        code.push('\n');
    }
    let mut out = String::with_capacity(code.len());
    let mut rest = code.as_str();
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        let Some(brace) = after.find('{') else {
            rest = "";
            break;
        };
        let header = &after[..brace];
        if !header.contains("mod ") {
            // A test-only item other than a module: keep it (it is small, and imports
            // inside it are still the file's).
            out.push_str("#[cfg(test)]");
            rest = &after["#[cfg(test)]".len()..];
            continue;
        }
        let mut depth = 0usize;
        let mut end = after.len();
        for (i, c) in after[brace..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = brace + i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// The top-level module names this code reaches through `crate::`, with the names used.
fn crate_imports(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    // `use crate::{a, b::c}` groups.
    let mut rest = code;
    while let Some(at) = rest.find("crate::{") {
        let group = &rest[at + "crate::{".len()..];
        let mut depth = 1;
        let mut top = String::new();
        let mut names = Vec::new();
        for c in group.chars() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                ',' if depth == 1 => names.push(std::mem::take(&mut top)),
                _ if depth == 1 => top.push(c),
                _ => {}
            }
        }
        names.push(top);
        for n in names {
            let first = n.trim().split("::").next().unwrap_or("").trim().to_string();
            if !first.is_empty() {
                out.insert(first);
            }
        }
        rest = &rest[at + 1..];
    }
    let bytes = code.as_bytes();
    let mut i = 0;
    while let Some(at) = code[i..].find("crate::") {
        let start = i + at;
        let boundary =
            start == 0 || !(bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_');
        let name: String = code[start + "crate::".len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if boundary && !name.is_empty() {
            out.insert(name);
        }
        i = start + "crate::".len();
    }
    out
}

struct Layers {
    /// `(name, path prefixes)`, lowest first.
    layers: Vec<(String, Vec<String>)>,
}

impl Layers {
    fn read(path: &Path) -> Layers {
        let text = fs::read_to_string(path).expect("layers.txt at the repository root");
        let layers = text
            .lines()
            .map(|l| l.split('#').next().unwrap_or(""))
            .filter_map(|l| {
                let mut words = l.split_whitespace();
                let name = words.next()?.to_string();
                Some((name, words.map(str::to_string).collect()))
            })
            .collect();
        Layers { layers }
    }

    fn of(&self, node: &str) -> Option<usize> {
        let mut best: Option<(usize, usize)> = None;
        for (i, (_, prefixes)) in self.layers.iter().enumerate() {
            for p in prefixes {
                let p = p.trim_end_matches('/');
                let hit = node == p
                    || node.starts_with(&format!("{p}/"))
                    || node.starts_with(&format!("{p}."));
                if hit && best.is_none_or(|(_, len)| p.len() > len) {
                    best = Some((i, p.len()));
                }
            }
        }
        best.map(|(i, _)| i)
    }
}

/// Every top-level module of `src/` and what it imports from the others.
fn graph(root: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(root, &mut files);
    let nodes: BTreeMap<String, String> = files
        .iter()
        .map(|f| {
            let node = node_of(root, f);
            let name = node
                .trim_start_matches("src/")
                .trim_end_matches(".rs")
                .to_string();
            (name, node)
        })
        .collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let from = node_of(root, file);
        if from == "src/lib.rs" {
            continue;
        }
        let code = code_of(&fs::read_to_string(file).expect("readable source"));
        let targets = edges.entry(from.clone()).or_default();
        for name in crate_imports(&code) {
            if let Some(to) = nodes.get(&name) {
                if *to != from && to != "src/lib.rs" {
                    targets.insert(to.clone());
                }
            }
        }
    }
    edges
}

/// Modules on a cycle, if any: strongly connected components of more than one node.
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    // Reachability is enough for a graph of a few dozen nodes.
    let reach = |from: &String| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.clone()];
        while let Some(n) = todo.pop() {
            for t in edges.get(&n).into_iter().flatten() {
                if seen.insert(t.clone()) {
                    todo.push(t.clone());
                }
            }
        }
        seen
    };
    let reachable: BTreeMap<&String, BTreeSet<String>> =
        edges.keys().map(|n| (n, reach(n))).collect();
    let mut done = BTreeSet::new();
    let mut out = Vec::new();
    for (n, r) in &reachable {
        if done.contains(*n) {
            continue;
        }
        let comp: Vec<String> = reachable
            .iter()
            .filter(|(m, rm)| r.contains(**m) && rm.contains(*n))
            .map(|(m, _)| (*m).clone())
            .collect();
        done.extend(comp.iter().cloned());
        if comp.len() > 1 {
            out.push(comp);
        }
    }
    out
}

#[test]
fn src_has_no_import_cycle_and_keeps_its_layers() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = repo.join("src");
    let edges = graph(&root);
    assert!(
        edges.len() > 10,
        "the reading of src/ found too few modules: {edges:?}"
    );
    let found = cycles(&edges);
    assert!(found.is_empty(), "import cycles between modules: {found:?}");

    let layers = Layers::read(&repo.join("layers.txt"));
    let mut violations = Vec::new();
    let mut unplaced = Vec::new();
    for (from, targets) in &edges {
        let Some(lf) = layers.of(from) else {
            unplaced.push(from.clone());
            continue;
        };
        for to in targets {
            match layers.of(to) {
                Some(lt) if lt > lf => violations.push(format!(
                    "{from} ({}) -> {to} ({})",
                    layers.layers[lf].0, layers.layers[lt].0
                )),
                Some(_) => {}
                None => unplaced.push(to.clone()),
            }
        }
    }
    unplaced.sort();
    unplaced.dedup();
    assert!(
        unplaced.is_empty(),
        "modules not in any layer of layers.txt: {unplaced:?}"
    );
    assert!(violations.is_empty(), "layer violations: {violations:#?}");
}

#[test]
fn the_check_sees_an_upward_import() {
    let code = code_of(
        "use crate::store::Store;\n// use crate::http::x;\nfn f() { crate::moderation::claims::claim(); }\n\
         use crate::{domain::item, clock::Timestamp};\n#[cfg(test)]\nmod tests { use crate::cli; }\n",
    );
    let names = crate_imports(&code);
    let want: BTreeSet<String> = ["store", "moderation", "domain", "clock"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(names, want);

    let mut edges = BTreeMap::new();
    edges.insert(
        "src/a.rs".to_string(),
        BTreeSet::from(["src/b".to_string()]),
    );
    edges.insert(
        "src/b".to_string(),
        BTreeSet::from(["src/a.rs".to_string()]),
    );
    assert_eq!(cycles(&edges).len(), 1);
}

/// Files stay small enough to read whole; generated tables are the exception.
#[test]
fn no_source_file_is_over_800_lines() {
    const GENERATED: [&str; 1] = ["model/entities.rs"];
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let long: Vec<String> = files
        .iter()
        .filter(|f| {
            let rel = f.strip_prefix(&root).expect("under src");
            !GENERATED.iter().any(|g| rel == Path::new(g))
        })
        .filter_map(|f| {
            let n = fs::read_to_string(f).expect("readable").lines().count();
            (n > 800).then(|| format!("{} ({n} lines)", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "split these: {long:?}");
}
