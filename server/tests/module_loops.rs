//! The server's modules import one way: HTTP → engine → admission, merge, projection → storage
//! → events. A loop between top-level modules (one naming `crate::x` while `x` names it back,
//! directly or through others) would let a newcomer's change in one reach back into another.
//! The HTTP layer is the one allowed loop: the dashboard's pages (`web`) and the API (`http`)
//! share its helpers and extractors.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The loops allowed, as the set of modules in each.
const ALLOWED: &[&[&str]] = &[&["http", "web"]];

/// The top-level module a source file belongs to: `engine` for `src/engine/sync.rs`.
fn module_of(relative: &Path) -> String {
    let first = relative
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default();
    first.trim_end_matches(".rs").to_owned()
}

/// The modules that `source` names as `crate::x`, leaving out comments and tests.
fn imports(source: &str) -> BTreeSet<String> {
    let code = source.split("#[cfg(test)]").next().unwrap_or_default();
    let mut named = BTreeSet::new();
    for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
        for (i, _) in line.match_indices("crate::") {
            let rest = &line[i + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if !name.is_empty() {
                named.insert(name);
            }
        }
    }
    named
}

fn walk(dir: &Path, root: &Path, graph: &mut BTreeMap<String, BTreeSet<String>>) {
    let entries = std::fs::read_dir(dir).expect("read the source folder");
    for entry in entries {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            walk(&path, root, graph);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path.strip_prefix(root).expect("inside src");
            let module = module_of(relative);
            let source = std::fs::read_to_string(&path).expect("read a source file");
            let edges = graph.entry(module.clone()).or_default();
            edges.extend(imports(&source).into_iter().filter(|m| *m != module));
        }
    }
}

/// The modules reachable from `from`.
fn reachable(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut next = vec![from.to_owned()];
    while let Some(module) = next.pop() {
        for target in graph.get(&module).into_iter().flatten() {
            if seen.insert(target.clone()) {
                next.push(target.clone());
            }
        }
    }
    seen
}

#[test]
fn the_servers_modules_import_one_way() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph = BTreeMap::new();
    walk(&root, &root, &mut graph);
    assert!(graph.contains_key("engine") && graph.contains_key("storage"));
    let allowed = |a: &str, b: &str| ALLOWED.iter().any(|l| l.contains(&a) && l.contains(&b));
    let mut loops = Vec::new();
    for (module, targets) in &graph {
        for target in targets {
            if module < target
                && reachable(&graph, target).contains(module)
                && !allowed(module, target)
            {
                loops.push(format!("{module} ⇄ {target}"));
            }
        }
    }
    assert!(
        loops.is_empty(),
        "modules that import each other: {loops:?}"
    );
}

#[test]
fn a_loop_is_found_through_other_modules() {
    let graph: BTreeMap<String, BTreeSet<String>> =
        [("a", &["b"][..]), ("b", &["c"][..]), ("c", &["a"][..])]
            .into_iter()
            .map(|(m, t)| (m.to_owned(), t.iter().map(|s| s.to_string()).collect()))
            .collect();
    assert!(reachable(&graph, "b").contains("a"));
    assert!(!reachable(&graph, "c").contains("d"));
    assert_eq!(
        imports("use crate::engine::Engine;\n// crate::web\n#[cfg(test)]\nuse crate::demo;"),
        BTreeSet::from(["engine".to_owned()])
    );
}
