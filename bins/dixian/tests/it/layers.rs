//! The layering rule of `docs/architecture.md`: inside `web`, `app` and `domain`, the
//! top-level modules (one per capability, plus shared leaves) import each other without a
//! cycle, so a capability can be read, changed or removed on its own. Read from the sources:
//! every `crate::<module>` path outside test-only code is an edge. Test code (`#[cfg(test)]`
//! items and test-only modules) may reach anywhere and is left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The code of a source: every `#[cfg(test)]` item removed (a `mod x;` line or a braced
/// block), and comments and literals, so that prose naming a module is not an edge.
fn without_test_code(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line.trim() != "#[cfg(test)]" {
            out.extend(code_chars(line));
            out.push('\n');
            continue;
        }
        // Skip further attributes, then the item: up to its `;` or its matching brace.
        let mut depth = 0i32;
        let mut opened = false;
        for item in lines.by_ref() {
            let t = item.trim();
            if !opened && t.starts_with("#[") {
                continue;
            }
            for c in code_chars(item) {
                match c {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            if (opened && depth <= 0) || (!opened && t.ends_with(';')) {
                break;
            }
        }
    }
    out
}

/// The characters of a line that are code: string and char literals and `//` comments left
/// out, so a brace in a message does not count.
fn code_chars(line: &str) -> Vec<char> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                while let Some(d) = chars.next() {
                    match d {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '\'' => {
                // A char literal ('{', '\n'); a lifetime has no closing quote nearby.
                let rest: String = chars.clone().take(3).collect();
                if rest.starts_with('\\') {
                    if let Some(end) = rest.find('\'').filter(|&e| e > 0) {
                        for _ in 0..=end {
                            chars.next();
                        }
                    }
                } else if rest.chars().nth(1) == Some('\'') {
                    chars.next();
                    chars.next();
                }
            }
            '/' if chars.peek() == Some(&'/') => break,
            _ => out.push(c),
        }
    }
    out
}

/// Modules that `lib.rs` declares under `#[cfg(test)]`: test fixtures, not layers.
fn test_only_modules(lib: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut after_cfg_test = false;
    for line in lib.lines() {
        let t = line.trim();
        if t == "#[cfg(test)]" {
            after_cfg_test = true;
            continue;
        }
        if after_cfg_test && t.starts_with("#[") {
            continue;
        }
        if after_cfg_test {
            let name = t
                .trim_start_matches("pub ")
                .strip_prefix("mod ")
                .and_then(|r| r.strip_suffix(';'));
            if let Some(name) = name {
                out.insert(name.to_string());
            }
        }
        after_cfg_test = false;
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The `crate::<module>` edges between the top-level modules of a crate's `src`.
fn module_graph(src: &Path) -> Graph {
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    let test_only = test_only_modules(&lib);
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let top_of = |path: &Path| -> Option<String> {
        let rel = path.strip_prefix(src).ok()?;
        let first = rel
            .components()
            .next()?
            .as_os_str()
            .to_string_lossy()
            .to_string();
        let name = first.trim_end_matches(".rs").to_string();
        (name != "lib" && !test_only.contains(&name)).then_some(name)
    };
    let modules: BTreeSet<String> = files.iter().filter_map(|f| top_of(f)).collect();
    let mut graph: Graph = modules
        .iter()
        .map(|m| (m.clone(), BTreeSet::new()))
        .collect();
    for file in &files {
        let Some(from) = top_of(file) else { continue };
        let code = without_test_code(&std::fs::read_to_string(file).unwrap());
        for (i, _) in code.match_indices("crate::") {
            let before = code[..i].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
                continue;
            }
            let target: String = code[i + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if target != from && modules.contains(&target) {
                graph.entry(from.clone()).or_default().insert(target);
            }
        }
    }
    graph
}

/// A cycle of the graph as the path that closes it (`a → b → a`), if there is one.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &Graph,
        done: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, done, path) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(c) = visit(node, graph, &mut done, &mut Vec::new()) {
            return Some(c);
        }
    }
    None
}

fn crate_src(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../crates")
        .join(name)
        .join("src")
}

#[test]
fn web_app_and_domain_modules_import_each_other_without_a_cycle() {
    for name in ["web", "app", "domain"] {
        let graph = module_graph(&crate_src(name));
        assert!(graph.len() > 5, "{name}: read only {graph:?}");
        if let Some(cycle) = find_cycle(&graph) {
            panic!(
                "crates/{name}: modules import each other in a cycle: {}",
                cycle.join(" → ")
            );
        }
    }
}

/// In `web` a capability is a folder (`registry/`, `monitoring/` …) and a shared leaf is a
/// file (`forms.rs`, `frame.rs` …): a capability imports leaves only, and a leaf imports no
/// capability, so removing one capability's folder breaks no other.
#[test]
fn web_capabilities_import_only_shared_leaves() {
    let src = crate_src("web");
    let graph = module_graph(&src);
    let is_capability = |m: &str| src.join(m).is_dir();
    let capabilities: Vec<&String> = graph.keys().filter(|m| is_capability(m)).collect();
    assert!(capabilities.len() >= 8, "read only {capabilities:?}");
    for (from, targets) in &graph {
        for to in targets {
            assert!(
                !is_capability(to),
                "crates/web: `{from}` imports the capability `{to}`; move what both need into a shared leaf"
            );
        }
    }
}

#[test]
fn the_checker_finds_a_cycle_and_skips_test_code() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::write(
        src.join("lib.rs"),
        "mod a;\nmod b;\nmod c;\n#[cfg(test)]\nmod fixtures;\n",
    )
    .unwrap();
    std::fs::write(src.join("fixtures.rs"), "use crate::a::x;\n").unwrap();
    std::fs::write(
        src.join("a.rs"),
        "use crate::b::f;\nuse crate::fixtures::y;\n#[cfg(test)]\nmod tests {\n    use crate::c::g; // '{'\n    fn t() { let _ = \"}\"; }\n}\n",
    )
    .unwrap();
    std::fs::create_dir(src.join("b")).unwrap();
    std::fs::write(src.join("b/mod.rs"), "pub mod inner;\n").unwrap();
    std::fs::write(src.join("b/inner.rs"), "fn f() { crate::c::h(); }\n").unwrap();
    std::fs::write(src.join("c.rs"), "// crate::a is mentioned only in prose\n").unwrap();
    let graph = module_graph(src);
    assert_eq!(graph.len(), 3, "{graph:?}");
    assert_eq!(graph["a"], BTreeSet::from(["b".to_string()]));
    assert_eq!(graph["b"], BTreeSet::from(["c".to_string()]));
    assert!(graph["c"].is_empty(), "{graph:?}");
    assert_eq!(find_cycle(&graph), None);

    std::fs::write(src.join("c.rs"), "pub fn h() { crate::a::z(); }\n").unwrap();
    let graph = module_graph(src);
    let cycle = find_cycle(&graph).unwrap();
    assert_eq!(cycle.first(), cycle.last());
    assert_eq!(cycle.len(), 4, "{cycle:?}");
}
