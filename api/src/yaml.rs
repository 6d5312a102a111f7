//! The contract as YAML that every reader takes alike: YAML 1.2 readers and the YAML 1.1
//! readers many generators are built on (where `17:00` is a number, `on` a boolean and
//! `2026-03-01` a date). A string is written plain only when it is plainly text to both;
//! otherwise it is quoted, or a literal block when it spans lines.

use serde_json::Value;

/// `value` as a YAML document.
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => mapping(&mut out, map, 0),
        Value::Array(items) if !items.is_empty() => sequence(&mut out, items, 0),
        scalar => {
            out.push_str(&inline(scalar, 0));
            out.push('\n');
        }
    }
    out
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

fn mapping(out: &mut String, map: &serde_json::Map<String, Value>, indent: usize) {
    for (key, value) in map {
        pad(out, indent);
        out.push_str(&quoted_if_needed(key));
        out.push(':');
        child(out, value, indent, indent + 2);
    }
}

fn sequence(out: &mut String, items: &[Value], indent: usize) {
    for item in items {
        pad(out, indent);
        out.push('-');
        match item {
            // A mapping starts on the dash's line, its other keys under the first.
            Value::Object(map) if !map.is_empty() => {
                let mut nested = String::new();
                mapping(&mut nested, map, indent + 2);
                out.push(' ');
                out.push_str(&nested[indent + 2..]);
            }
            _ => child(out, item, indent, indent + 2),
        }
    }
}

/// Writes what follows `key:` or `-`: a nested block on the next lines, or an inline scalar.
fn child(out: &mut String, value: &Value, parent: usize, indent: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            mapping(out, map, indent);
        }
        // Sequences under a key sit at the key's own indentation, as is usual in OpenAPI files.
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            sequence(out, items, parent);
        }
        scalar => {
            out.push(' ');
            out.push_str(&inline(scalar, indent));
            out.push('\n');
        }
    }
}

fn inline(value: &Value, indent: usize) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s, indent),
        Value::Array(_) => "[]".to_owned(),
        Value::Object(_) => "{}".to_owned(),
    }
}

fn string(s: &str, indent: usize) -> String {
    if let Some(block) = literal_block(s, indent) {
        return block;
    }
    quoted_if_needed(s)
}

/// Words YAML 1.1 reads as booleans or null in any case.
const SPECIAL_WORDS: &[&str] = &["y", "n", "yes", "no", "true", "false", "on", "off", "null"];

/// Is `s` text to every YAML reader when written plain? Conservatively: it starts with a
/// letter, `/` or `_`, holds only letters, digits and `_ . / -`, single spaces inside, and is
/// not a YAML 1.1 boolean or null word. Numbers, dates and times start with a digit, a sign or
/// a dot, so they are always quoted.
pub fn plain_is_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == '/' || first == '_')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-' | ' '))
        && !s.ends_with(' ')
        && !s.contains("  ")
        && !SPECIAL_WORDS.contains(&s.to_ascii_lowercase().as_str())
}

fn quoted_if_needed(s: &str) -> String {
    if plain_is_safe(s) {
        s.to_owned()
    } else {
        // A JSON string is a valid YAML double-quoted scalar.
        serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
    }
}

/// A multi-line string as a literal block (`|-` or `|`), where that reads back exactly.
fn literal_block(s: &str, indent: usize) -> Option<String> {
    if !s.contains('\n') {
        return None;
    }
    let body = s.strip_suffix('\n').unwrap_or(s);
    let keep = if body.len() == s.len() { "|-" } else { "|" };
    let exact = !body.ends_with('\n')
        && !s.starts_with([' ', '\n'])
        && !s.chars().any(|c| c.is_control() && c != '\n')
        && body.lines().all(|l| !l.ends_with(' '))
        && !s.contains('\u{feff}');
    if !exact {
        return None;
    }
    let mut out = String::from(keep);
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            out.extend(std::iter::repeat_n(' ', indent));
            out.push_str(line);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn what_yaml_1_1_would_read_as_another_type_is_quoted() {
        for s in [
            "17:00",
            "08:30",
            "1:20:30",
            "2026-03-01",
            "yes",
            "No",
            "ON",
            "off",
            "y",
            "null",
            "~",
            "0777",
            "0x1F",
            "1e3",
            ".5",
            ".inf",
            "-1",
            "+1",
            "12",
            "",
            " lead",
            "a: b",
            "a #b",
            "*ref",
            "&anchor",
            "!tag",
            "[x]",
            "{x}",
            "x,y",
            "'q'",
            "\"q\"",
            "%p",
            "@x",
            "`x`",
            "a  b",
            "trail ",
        ] {
            assert!(!plain_is_safe(s), "{s:?} must be quoted");
            let written = to_yaml(&json!({ "k": s }));
            assert!(written.starts_with("k: \""), "{written}");
        }
        for s in [
            "fault",
            "application/json",
            "/api/v1/cases",
            "in_progress",
            "Paper jam in tray 2",
            "v1.2",
        ] {
            assert!(plain_is_safe(s), "{s:?} may stay plain");
        }
    }

    #[test]
    fn documents_keep_their_shape() {
        let doc = json!({
            "openapi": "3.1.0",
            "paths": {"/a": {"get": {"responses": {"200": {"description": "OK"}}}}},
            "tags": [{"name": "cases", "description": "Service\ncases"}, "x"],
            "empty": {}, "none": [], "n": 3, "f": 1.5, "t": true, "z": null,
            "text": "first line\nsecond line",
            "tail": "line\n",
        });
        let yaml = to_yaml(&doc);
        assert_eq!(
            yaml,
            "openapi: \"3.1.0\"\npaths:\n  /a:\n    get:\n      responses:\n        \"200\":\n          description: OK\ntags:\n- name: cases\n  description: |-\n    Service\n    cases\n- x\nempty: {}\nnone: []\n\"n\": 3\nf: 1.5\nt: true\nz: null\ntext: |-\n  first line\n  second line\ntail: |\n  line\n"
        );
    }
}
