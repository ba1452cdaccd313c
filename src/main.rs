//! The `warden` binary: everything lives in the library; see `warden --help`.

fn main() -> std::process::ExitCode {
    warden::run_cli()
}
