//! File kinds: from the path first, then a shebang in the first characters.

use std::sync::OnceLock;

use regex::Regex;

use super::PY_SPACE_CLASS;

pub const KINDS: [&str; 10] = [
    "shell",
    "makefile",
    "dockerfile",
    "workflow",
    "package-json",
    "markdown",
    "config",
    "http",
    "text",
    "code",
];

const SHELL_EXT: &[&str] = &[".sh", ".bash", ".zsh", ".ksh"];
const MARKDOWN_EXT: &[&str] = &[".md", ".markdown", ".mdx"];
const HTTP_EXT: &[&str] = &[".http", ".rest"];
// Source code: read whole as prose like text, but no conversation with a human
// (VG501 skips "code").
const CODE_EXT: &[&str] = &[
    ".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs", ".vue", ".svelte", ".py", ".pyi",
    ".go", ".rs", ".java", ".kt", ".kts", ".scala", ".groovy", ".rb", ".php", ".cs", ".fs", ".c",
    ".h", ".cc", ".cpp", ".cxx", ".hpp", ".m", ".mm", ".swift", ".dart", ".lua", ".pl", ".pm",
    ".r", ".jl", ".ex", ".exs", ".erl", ".clj", ".sql", ".ps1",
];
const CONFIG_EXT: &[&str] = &[
    ".yml",
    ".yaml",
    ".json",
    ".toml",
    ".ini",
    ".cfg",
    ".conf",
    ".properties",
    ".tf",
    ".tfvars",
];

struct Patterns {
    shebang: Regex,
    copy_suffix: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let s = format!("[{PY_SPACE_CLASS}]");
        let ns = format!("[^{PY_SPACE_CLASS}]");
        Patterns {
            shebang: Regex::new(&format!(
                r"^#!{s}*(?:{ns}*/)?(?:env{s}+(?:-{ns}+{s}+)*)?(?:sh|bash|zsh|dash|ksh|mksh|ash)(?:{s}|$)"
            ))
            .expect("shebang pattern"),
            // editor and hand-made copies keep their file's kind: app.js.backup2 is code
            copy_suffix: Regex::new(r"\.(?:bak|backup|orig|old|save|swp|tmp)\d*$|~$")
                .expect("copy suffix pattern"),
        }
    })
}

fn ends_with_any(s: &str, ext: &[&str]) -> bool {
    ext.iter().any(|e| s.ends_with(e))
}

/// The kind of a file: its path first, then a shebang in `head` (its first characters).
pub fn file_kind(path: &str, head: &str) -> &'static str {
    let p = path.replace('\\', "/");
    let base = p.rsplit('/').next().unwrap_or("");
    let lower = base.to_lowercase();
    if (lower.ends_with(".yml") || lower.ends_with(".yaml"))
        && (format!("/{p}").contains("/.github/workflows/")
            || lower == "action.yml"
            || lower == "action.yaml")
    {
        return "workflow";
    }
    if base == "package.json" {
        return "package-json";
    }
    if base == "Dockerfile"
        || base == "Containerfile"
        || base.starts_with("Dockerfile.")
        || base.starts_with("Containerfile.")
        || lower.ends_with(".dockerfile")
    {
        return "dockerfile";
    }
    if matches!(base, "Makefile" | "makefile" | "GNUmakefile") || lower.ends_with(".mk") {
        return "makefile";
    }
    if ends_with_any(&lower, SHELL_EXT) {
        return "shell";
    }
    if ends_with_any(&lower, MARKDOWN_EXT) {
        return "markdown";
    }
    if ends_with_any(&lower, HTTP_EXT) {
        return "http";
    }
    if lower == ".env" || lower.starts_with(".env.") || ends_with_any(&lower, CONFIG_EXT) {
        return "config";
    }
    let pat = patterns();
    if head.starts_with("#!") && pat.shebang.is_match(head.split('\n').next().unwrap_or("")) {
        return "shell";
    }
    if ends_with_any(&pat.copy_suffix.replace_all(&lower, ""), CODE_EXT) {
        return "code";
    }
    "text"
}

#[cfg(test)]
mod tests {
    use super::file_kind;

    #[test]
    fn kinds_from_paths_and_shebangs() {
        assert_eq!(file_kind("a/.github/workflows/x.yml", ""), "workflow");
        assert_eq!(file_kind(".github/workflows/x.yaml", ""), "workflow");
        assert_eq!(file_kind("x/action.yml", ""), "workflow");
        assert_eq!(file_kind("x/other.yml", ""), "config");
        assert_eq!(file_kind("web/package.json", ""), "package-json");
        assert_eq!(file_kind("Dockerfile.prod", ""), "dockerfile");
        assert_eq!(file_kind("build/GNUmakefile", ""), "makefile");
        assert_eq!(file_kind("run", "#!/usr/bin/env -S bash\n"), "shell");
        assert_eq!(file_kind("run", "#!/usr/bin/python3\n"), "text");
        assert_eq!(file_kind("app.js.backup2", ""), "code");
        assert_eq!(file_kind("notes.txt", ""), "text");
    }
}
