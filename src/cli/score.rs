//! `warden score`: one text as a readable report, or JSON Lines in and verdicts out.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};

use super::EngineArgs;
use crate::engine::Engine;
use crate::error::{parse_json, Code, Error, Result};
use crate::verdict::{Action, Category, Verdict};

/// Lines longer than this are reported as errors instead of being buffered whole.
const MAX_LINE_BYTES: usize = 16 << 20;
/// Lines scored together (one classifier batch, spread over its sessions).
const CHUNK_LINES: usize = 1024;

#[derive(Debug, Args)]
pub(crate) struct ScoreArgs {
    /// The text to score; read from standard input when omitted (without --jsonl).
    text: Option<String>,

    /// Read JSON Lines ({"id", "text"} per line) and write one JSON verdict per line.
    #[arg(long, conflicts_with = "text")]
    jsonl: bool,

    /// With --jsonl, read from FILE instead of standard input.
    #[arg(long, value_name = "FILE", requires = "jsonl")]
    input: Option<PathBuf>,

    /// With --jsonl, write to FILE instead of standard output.
    #[arg(long, value_name = "FILE", requires = "jsonl")]
    output: Option<PathBuf>,

    /// With --jsonl, exit with a failure status if any line could not be scored.
    #[arg(long, requires = "jsonl")]
    strict: bool,

    /// With --jsonl, treat fields other than `id` and `text` as errors instead of ignoring them.
    #[arg(long, requires = "jsonl")]
    deny_unknown_fields: bool,

    /// For a single text, print the verdict as JSON instead of a report.
    #[arg(long, conflicts_with = "jsonl")]
    json: bool,

    /// A policy document (JSON: `{"thresholds": {...}, "guards": {...}}`, as in the
    /// README) instead of the default policy, e.g. to try a community's thresholds or to
    /// turn the identity guard off for a comparison.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,

    #[command(flatten)]
    engine: EngineArgs,
}

pub(crate) fn run(args: ScoreArgs) -> Result<ExitCode> {
    let mut builder = args.engine.builder()?;
    if let Some(path) = &args.policy {
        let bytes = std::fs::read(path).map_err(|e| Error::io(Some(path.clone()), e))?;
        builder = builder.policy(parse_json(&bytes)?);
    }
    let engine = builder.build()?;
    if args.jsonl {
        return score_jsonl(&engine, &args);
    }
    let text = match &args.text {
        Some(text) => text.clone(),
        None => {
            let mut bytes = Vec::new();
            io::stdin().read_to_end(&mut bytes)?;
            String::from_utf8(bytes).map_err(|_| Error::invalid_utf8())?
        }
    };
    let verdict = engine.score(&text);
    let mut out = io::stdout().lock();
    if args.json {
        serde_json::to_writer(&mut out, &verdict).map_err(|e| Error::io(None, e.into()))?;
        writeln!(out)?;
    } else {
        let color = io::stdout().is_terminal();
        out.write_all(report(&text, &verdict, color).as_bytes())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// One input line of `--jsonl`. Other fields are ignored unless `--deny-unknown-fields`:
/// dataset rows carry labels and metadata, and scoring them as they are is the common case.
#[derive(Debug, Deserialize)]
struct Input {
    #[serde(default)]
    id: Option<serde_json::Value>,
    text: String,
}

/// [`Input`] that rejects any other field.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StrictInput {
    #[serde(default)]
    id: Option<serde_json::Value>,
    text: String,
}

#[derive(Debug, Serialize)]
struct LineError {
    line: u64,
    id: Option<serde_json::Value>,
    error: ErrorBody,
}

#[derive(Debug, Serialize)]
struct ErrorBody {
    code: Code,
    message: String,
}

#[derive(Debug, Default)]
struct Summary {
    lines: u64,
    errors: u64,
    actions: [u64; 4],
}

fn score_jsonl(engine: &Engine, args: &ScoreArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let (reader, progress): (Box<dyn Read>, Option<ProgressBar>) = match &args.input {
        Some(path) => {
            let file = File::open(path).map_err(|e| Error::io(Some(path.clone()), e))?;
            let progress = io::stderr()
                .is_terminal()
                .then(|| progress_bar(path, &file));
            (Box::new(file), progress)
        }
        None => (Box::new(io::stdin().lock()), None),
    };
    let writer: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(File::create(path).map_err(|e| Error::io(Some(path.clone()), e))?),
        None => Box::new(io::stdout().lock()),
    };
    let mut reader = BufReader::with_capacity(1 << 16, reader);
    let mut writer = BufWriter::new(writer);
    let mut summary = Summary::default();
    let mut chunk: Vec<std::result::Result<Input, (Option<serde_json::Value>, Error)>> = Vec::new();
    let mut line = Vec::new();

    loop {
        // Gather the lines already waiting (up to a chunk) so the classifier sees them as one
        // batch, but never wait for more input before answering what has arrived.
        chunk.clear();
        let mut consumed = 0u64;
        let mut eof = false;
        while chunk.len() < CHUNK_LINES {
            line.clear();
            let (read, overflow) = read_line(&mut reader, &mut line)?;
            if read == 0 {
                eof = true;
                break;
            }
            consumed += read as u64;
            chunk.push(if overflow {
                Err((None, Error::line_too_long(MAX_LINE_BYTES)))
            } else {
                parse_line(&line, args.deny_unknown_fields)
            });
            if reader.buffer().is_empty() {
                break;
            }
        }
        let texts: Vec<&str> = chunk
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .map(|i| i.text.as_str())
            .collect();
        let mut verdicts = engine.score_batch(&texts).into_iter();
        for result in &chunk {
            summary.lines += 1;
            match result {
                Ok(input) => {
                    let mut verdict = verdicts.next().expect("one verdict per scored line");
                    verdict.id = input.id.clone();
                    summary.actions[verdict.action as usize] += 1;
                    serde_json::to_writer(&mut writer, &verdict)
                        .map_err(|e| Error::io(None, e.into()))?;
                }
                Err((id, err)) => {
                    summary.errors += 1;
                    let body = LineError {
                        line: summary.lines,
                        id: id.clone(),
                        error: ErrorBody {
                            code: err.code(),
                            message: err.to_string(),
                        },
                    };
                    serde_json::to_writer(&mut writer, &body)
                        .map_err(|e| Error::io(None, e.into()))?;
                }
            }
            writer.write_all(b"\n")?;
        }
        // Flush whenever no more input is already waiting, so a consumer reading our
        // output line by line sees each verdict as soon as its line was sent.
        writer.flush()?;
        if let Some(p) = &progress {
            p.inc(consumed);
        }
        if eof {
            break;
        }
    }
    writer.flush()?;
    if let Some(p) = progress {
        p.finish_and_clear();
    }

    let elapsed = started.elapsed().as_secs_f64();
    let a = summary.actions;
    eprintln!(
        "warden: {} lines, {} scored, {} errors; allow {}, label {}, review {}, remove {}; {:.2} s ({:.0} lines/s)",
        summary.lines,
        summary.lines - summary.errors,
        summary.errors,
        a[Action::Allow as usize],
        a[Action::Label as usize],
        a[Action::Review as usize],
        a[Action::Remove as usize],
        elapsed,
        summary.lines as f64 / elapsed.max(1e-9),
    );
    Ok(if args.strict && summary.errors > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn progress_bar(path: &Path, file: &File) -> ProgressBar {
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = ProgressBar::new(len);
    let style = ProgressStyle::with_template("{msg} {wide_bar} {bytes}/{total_bytes} ({eta})")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message(path.display().to_string());
    bar
}

/// Reads one `\n`-terminated line into `line` (without the newline), keeping at most
/// `MAX_LINE_BYTES`. Returns the bytes consumed and whether the line was cut.
fn read_line(reader: &mut impl BufRead, line: &mut Vec<u8>) -> io::Result<(usize, bool)> {
    let mut consumed = 0;
    let mut overflow = false;
    loop {
        let buf = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            break;
        }
        let (chunk, done) = match memchr_newline(buf) {
            Some(i) => (&buf[..i], i + 1),
            None => (buf, buf.len()),
        };
        let room = MAX_LINE_BYTES.saturating_sub(line.len());
        if chunk.len() > room {
            overflow = true;
        }
        line.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let found_newline = done > chunk.len();
        reader.consume(done);
        consumed += done;
        if found_newline {
            break;
        }
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok((consumed, overflow))
}

fn memchr_newline(buf: &[u8]) -> Option<usize> {
    buf.iter().position(|&b| b == b'\n')
}

/// Parses one input line; on error, also returns the line's `id` when it can be read.
fn parse_line(
    line: &[u8],
    deny_unknown: bool,
) -> std::result::Result<Input, (Option<serde_json::Value>, Error)> {
    if line.iter().all(u8::is_ascii_whitespace) {
        return Err((None, Error::empty_line()));
    }
    if std::str::from_utf8(line).is_err() {
        return Err((None, Error::invalid_utf8()));
    }
    let parsed = if deny_unknown {
        parse_json::<StrictInput>(line).map(|s| Input {
            id: s.id,
            text: s.text,
        })
    } else {
        parse_json::<Input>(line)
    };
    parsed
        .and_then(|input| match &input.id {
            None | Some(serde_json::Value::String(_)) | Some(serde_json::Value::Number(_)) => {
                Ok(input)
            }
            Some(_) => Err(Error::invalid_field("id", "must be a string or a number")),
        })
        .map_err(|err| {
            let id = serde_json::from_slice::<serde_json::Value>(line)
                .ok()
                .and_then(|v| v.get("id").cloned())
                .filter(|id| id.is_string() || id.is_number());
            (id, err)
        })
}

/// The human-readable report: action, the text with findings marked, one line per finding.
pub(crate) fn report(text: &str, verdict: &Verdict, color: bool) -> String {
    let (open, close) = if color {
        ("\x1b[1;31m", "\x1b[0m")
    } else {
        ("[[", "]]")
    };
    let mut marked = String::with_capacity(text.len() + 16);
    let mut spans: Vec<(u32, u32)> = verdict.harms().map(|m| (m.start, m.end)).collect();
    spans.sort();
    // Merge overlapping spans so markers never nest.
    let mut merged: Vec<(u32, u32)> = Vec::new();
    for (s, e) in spans {
        match merged.last_mut() {
            Some(last) if s < last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    let mut next = merged.iter().peekable();
    let mut inside: Option<u32> = None;
    for (i, c) in text.chars().enumerate() {
        let i = i as u32;
        if inside == Some(i) {
            marked.push_str(close);
            inside = None;
        }
        if let Some(&&(s, e)) = next.peek() {
            if s == i {
                marked.push_str(open);
                inside = Some(e);
                next.next();
            }
        }
        marked.push(c);
    }
    if inside.is_some() {
        marked.push_str(close);
    }

    let mut out = format!(
        "{}  score {:.2}{}\n  {}\n",
        verdict.action.as_str().to_uppercase(),
        verdict.score,
        if verdict.flagged { "  flagged" } else { "" },
        marked.replace('\n', "\n  "),
    );
    for m in &verdict.matches {
        let snippet: String = text
            .chars()
            .skip(m.start as usize)
            .take((m.end - m.start) as usize)
            .collect();
        out.push_str(&format!(
            "  {:>5}..{:<5} {:<16} {:<7} {:<24} {:?}",
            m.start,
            m.end,
            m.kind.map_or(m.category.as_str(), |k| k.as_str()),
            m.severity.as_str(),
            m.rule,
            snippet,
        ));
        if !m.evasions.is_empty() {
            out.push_str(&format!("  evasions: {}", m.evasions.join(", ")));
        }
        out.push('\n');
    }
    let scores: Vec<String> = Category::HARM
        .iter()
        .filter(|c| verdict.category(**c) > 0.0)
        .map(|c| format!("{c} {:.2}", verdict.category(*c)))
        .collect();
    if !scores.is_empty() {
        out.push_str(&format!("  categories: {}\n", scores.join(", ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8]) -> Vec<(Vec<u8>, bool)> {
        let mut reader = BufReader::with_capacity(4, input);
        let mut out = Vec::new();
        loop {
            let mut line = Vec::new();
            let (n, overflow) = read_line(&mut reader, &mut line).unwrap();
            if n == 0 {
                return out;
            }
            out.push((line, overflow));
        }
    }

    #[test]
    fn splits_lines_across_small_buffers() {
        let got = lines(b"abc\r\ndefgh\n\nlast");
        let got: Vec<&[u8]> = got.iter().map(|(l, _)| l.as_slice()).collect();
        assert_eq!(got, vec![&b"abc"[..], b"defgh", b"", b"last"]);
    }

    macro_rules! bad {
        ($name:ident, $line:expr, $code:expr, $id:expr) => {
            #[test]
            fn $name() {
                let (id, err) = parse_line($line, true).unwrap_err();
                assert_eq!(err.code().as_str(), $code);
                assert_eq!(id, $id);
            }
        };
    }

    bad!(empty, b"  ", "empty_line", None);
    bad!(not_utf8, b"{\"text\":\"\xff\"}", "invalid_utf8", None);
    bad!(not_json, b"{text", "invalid_json", None);
    bad!(
        missing_text,
        br#"{"id":7}"#,
        "missing_field",
        Some(serde_json::json!(7))
    );
    bad!(
        unknown,
        br#"{"id":"a","text":"x","extra":1}"#,
        "unknown_field",
        Some(serde_json::json!("a"))
    );
    bad!(bad_id, br#"{"id":[1],"text":"x"}"#, "invalid_field", None);
    bad!(
        text_not_string,
        br#"{"id":"b","text":5}"#,
        "invalid_field",
        Some(serde_json::json!("b"))
    );

    #[test]
    fn parses_good_line() {
        let input = parse_line(br#"{"id":"x","text":"hi"}"#, true).unwrap();
        assert_eq!(input.text, "hi");
        let input = parse_line(br#"{"id":"x","text":"hi","labels":{"a":1}}"#, false).unwrap();
        assert_eq!(input.text, "hi");
    }

    #[test]
    fn report_marks_spans() {
        let engine = Engine::builder().build().unwrap();
        let text = "what a f*cking mess";
        // Patterns only: the classifier is exercised by the integration tests.
        let out = report(text, &engine.score(text), false);
        assert!(out.contains("what a [[f*ck]]ing mess"), "{out}");
    }
}
