//! Builds the live guard's executable (crate `vitana_guard_hook`) and hands its path and
//! build id to this crate, which embeds the bytes (`_core.guard_executable()`).
//!
//! maturin puts one extension module in a wheel and no binary beside it
//! (PyO3/maturin#368), so the extension carries the executable and `hook install`
//! writes it out. A nested `cargo build` with its own target directory (under OUT_DIR,
//! so rebuilds are incremental) and the outer build's profile and target; `--offline
//! --locked`: its dependencies are a subset of this crate's, already fetched and locked.

use std::env;
use std::path::PathBuf;
use std::process::Command;

use sha2::{Digest, Sha256};

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let workspace = manifest_dir.join("../..");
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("set by cargo"));
    let target_dir = out_dir.join("hook");
    let profile = env::var("PROFILE").unwrap_or_else(|_| "release".into());
    let target = env::var("TARGET").expect("set by cargo");
    let host = env::var("HOST").expect("set by cargo");
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());

    for path in [
        "crates/vitana_guard_hook",
        "crates/vitana_core/src",
        "crates/vitana_core/Cargo.toml",
        "Cargo.lock",
        "Cargo.toml",
    ] {
        println!("cargo:rerun-if-changed={}", workspace.join(path).display());
    }

    let mut cmd = Command::new(&cargo);
    cmd.arg("build")
        .arg("--manifest-path")
        .arg(workspace.join("Cargo.toml"))
        .args([
            "-p",
            "vitana_guard_hook",
            "--bin",
            "vitana-guard-hook",
            "--offline",
            "--locked",
        ])
        .arg("--target-dir")
        .arg(&target_dir)
        // the executable ships inside the extension: no symbols to carry; it runs one
        // call per process, so it is built for build time (parallel codegen, no LTO)
        // rather than for the last percent of scan speed
        .args(["--config", "profile.release.strip=true"])
        .args(["--config", "profile.release.lto=false"])
        .args(["--config", "profile.release.codegen-units=16"]);
    if profile == "release" {
        cmd.arg("--release");
    }
    if target != host {
        cmd.args(["--target", &target]);
    }
    // the outer build's wrappers and target directory are not the nested build's
    for var in [
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET_DIR",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_PRIMARY_PACKAGE",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd
        .status()
        .expect("cannot run cargo to build vitana-guard-hook");
    assert!(
        status.success(),
        "building vitana-guard-hook failed: {status}"
    );

    let mut exe = target_dir;
    if target != host {
        exe.push(&target);
    }
    exe.push(if profile == "release" {
        "release"
    } else {
        "debug"
    });
    exe.push("vitana-guard-hook");
    let bytes = std::fs::read(&exe).unwrap_or_else(|e| panic!("{}: {e}", exe.display()));
    let id: String = Sha256::digest(&bytes)[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    println!("cargo:rustc-env=VITANA_GUARD_HOOK_EXE={}", exe.display());
    println!("cargo:rustc-env=VITANA_GUARD_HOOK_ID={id}");
}
