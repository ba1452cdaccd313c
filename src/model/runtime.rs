//! Finding ONNX Runtime and the shipped model on disk, with one clear error when either is
//! missing. `ort` loads the runtime dynamically (`load-dynamic`), so the library must be
//! found at run time: `ORT_DYLIB_PATH`, else the copy `make setup` installs into `.tools/`.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ort::environment::Environment;

use crate::error::{Error, Result};

/// The ONNX Runtime release Warden is built and tested against.
pub const ORT_VERSION: &str = "1.31.1";
/// The shipped model's directory, relative to a Warden checkout.
pub const DEFAULT_MODEL_DIR: &str = "models/warden-minilm";

fn local_library() -> PathBuf {
    PathBuf::from(format!(
        ".tools/onnxruntime-{ORT_VERSION}/onnxruntime/capi/libonnxruntime.so.{ORT_VERSION}"
    ))
}

/// Places a file of a Warden checkout may be: the working directory, the checkout the
/// binary was built in (`target/<profile>/[deps/]warden`), and the build-time source dir.
fn candidates(relative: &Path) -> Vec<PathBuf> {
    let mut out = vec![relative.to_path_buf()];
    if let Ok(exe) = std::env::current_exe() {
        for up in exe.ancestors().skip(1).take(4) {
            out.push(up.join(relative));
        }
    }
    out.push(Path::new(env!("CARGO_MANIFEST_DIR")).join(relative));
    out
}

fn find(relative: &Path) -> Option<PathBuf> {
    candidates(relative).into_iter().find(|p| p.exists())
}

/// The ONNX Runtime library to load.
pub fn library_path() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("ORT_DYLIB_PATH") {
        let path = PathBuf::from(path);
        return if path.exists() {
            Ok(path)
        } else {
            Err(Error::model(format!(
                "ORT_DYLIB_PATH points to {}, which does not exist; {}",
                path.display(),
                HOW_TO_FIX
            )))
        };
    }
    find(&local_library()).ok_or_else(|| {
        Error::model(format!(
            "ONNX Runtime {ORT_VERSION} was not found; {HOW_TO_FIX}"
        ))
    })
}

const HOW_TO_FIX: &str = "run `make setup` in the Warden checkout (installs it into .tools/), \
     or set ORT_DYLIB_PATH to a libonnxruntime.so.1.31.1, or run with --patterns-only";

/// The process-wide ONNX Runtime environment, created on first use.
pub fn environment() -> Result<&'static Environment> {
    static ENVIRONMENT: OnceLock<std::result::Result<Environment, String>> = OnceLock::new();
    ENVIRONMENT
        .get_or_init(|| {
            let path = library_path().map_err(|e| e.to_string())?;
            let builder =
                ort::init_from(&path).map_err(|e| format!("loading {}: {e}", path.display()))?;
            builder
                .with_name("warden")
                .with_telemetry(false)
                .build()
                .map_err(|e| format!("creating the ONNX Runtime environment: {e}"))
        })
        .as_ref()
        .map_err(|msg| Error::model(msg.clone()))
}

/// The shipped model directory, if it can be found.
pub fn default_model_dir() -> Result<PathBuf> {
    find(Path::new(DEFAULT_MODEL_DIR)).ok_or_else(|| {
        Error::model(format!(
            "model directory {DEFAULT_MODEL_DIR} not found; pass --model DIR (or WARDEN_MODEL), \
             run from the Warden checkout, or use --patterns-only"
        ))
    })
}
