//! Embeds the shipped wordlists so `warden` works from any directory with no data files.

use std::env;
use std::fs;
use std::path::Path;

fn main() {
    let root = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&root).join("wordlists");
    println!("cargo:rerun-if-changed={}", dir.display());

    // `curated.tsv` is an input of the build script that already merged into `en.tsv`;
    // `allow.tsv` has its own format.
    let mut lists: Vec<(String, String)> = fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "tsv"))
                .filter_map(|p| {
                    let stem = p.file_stem()?.to_str()?.to_string();
                    (stem != "curated" && stem != "allow").then(|| (stem, p.display().to_string()))
                })
                .collect()
        })
        .unwrap_or_default();
    lists.sort();
    for (_, path) in &lists {
        println!("cargo:rerun-if-changed={path}");
    }

    let mut code = String::from("pub(crate) static EMBEDDED_LISTS: &[(&str, &str)] = &[\n");
    for (lang, path) in &lists {
        code.push_str(&format!("    ({lang:?}, include_str!({path:?})),\n"));
    }
    code.push_str("];\n");
    let allow = dir.join("allow.tsv");
    if allow.exists() {
        println!("cargo:rerun-if-changed={}", allow.display());
        code.push_str(&format!(
            "pub(crate) static EMBEDDED_ALLOW: &str = include_str!({:?});\n",
            allow.display().to_string()
        ));
    } else {
        code.push_str("pub(crate) static EMBEDDED_ALLOW: &str = \"\";\n");
    }
    let out =
        Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded_wordlists.rs");
    fs::write(out, code).expect("write embedded wordlist table");
}
