//! The rules applied to the generated document instead of being spelled out on each type
//! (see the parent module's docs).

use std::collections::BTreeSet;

use serde_json::Value;

/// Rewrites the rustdoc links of every `description` as plain code (see the module docs).
pub(super) fn plain_descriptions(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, member) in map.iter_mut() {
                match (key.as_str(), member) {
                    ("description", Value::String(text)) => *text = plain_links(text),
                    (_, member) => plain_descriptions(member),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(plain_descriptions),
        _ => {}
    }
}

/// ``[`X`]`` and ``[`X`](path)`` become `` `X` ``.
pub(super) fn plain_links(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("[`") {
        let Some(end) = rest[at + 2..].find("`]").map(|e| at + 2 + e) else {
            break;
        };
        out.push_str(&rest[..at]);
        out.push('`');
        out.push_str(&rest[at + 2..end]);
        out.push('`');
        rest = &rest[end + 2..];
        if rest.starts_with('(') {
            if let Some(close) = rest.find(')') {
                rest = &rest[close + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Sets `additionalProperties: false` on every object schema that lists its properties
/// and says nothing about others (see the module docs). A `properties` map is a map of
/// names to schemas, not a schema: its members are visited, it is not closed itself.
pub(super) fn close_objects(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let lists_properties = map.get("properties").is_some_and(Value::is_object);
            if lists_properties && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            for (key, member) in map.iter_mut() {
                match (key.as_str(), member) {
                    ("properties", Value::Object(properties)) => {
                        properties.values_mut().for_each(close_objects)
                    }
                    (_, member) => close_objects(member),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(close_objects),
        _ => {}
    }
}

/// In a schema only responses use, a property that may be absent is never `null`: a
/// response type writes an optional field with `skip_serializing_if`, so it is either
/// there with a value or not there, and a field that can be `null` is always written (and
/// marked `required`). `utoipa` types every `Option` as nullable; this takes the `null`
/// back out of the properties that are not required, in the component schemas no request
/// refers to (a request may send `null` for an optional field) and in the responses'
/// inline schemas.
pub(super) fn optional_is_not_null_in_responses(doc: &mut Value) {
    let requests = request_schemas(doc);
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in schemas.iter_mut() {
            if !requests.contains(name) {
                not_null_when_optional(schema);
            }
        }
    }
    let responses = doc
        .pointer_mut("/paths")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
        .filter_map(|op| op.get_mut("responses").and_then(Value::as_object_mut))
        .flat_map(|responses| responses.values_mut())
        .filter_map(|r| r.get_mut("content").and_then(Value::as_object_mut))
        .flat_map(|content| content.values_mut())
        .filter_map(|media| media.get_mut("schema"));
    responses.for_each(not_null_when_optional);
}

/// The names of the component schemas a request body or parameter refers to, directly
/// or through other components.
fn request_schemas(doc: &Value) -> BTreeSet<String> {
    let mut pending = Vec::new();
    for op in doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|paths| paths.values())
        .filter_map(Value::as_object)
        .flat_map(|item| item.values())
    {
        refs(&op["requestBody"], &mut pending);
        refs(&op["parameters"], &mut pending);
    }
    let mut seen = BTreeSet::new();
    while let Some(name) = pending.pop() {
        if seen.insert(name.clone()) {
            refs(&doc["components"]["schemas"][&name], &mut pending);
        }
    }
    seen
}

/// The names of the component schemas `value` refers to.
fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                out.push(name.to_string());
            }
            map.values().for_each(|v| refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

/// Takes `null` out of the optional properties of `schema` and of the objects within it.
fn not_null_when_optional(schema: &mut Value) {
    let Value::Object(map) = schema else { return };
    let required: BTreeSet<String> = map
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    for (key, member) in map.iter_mut() {
        match (key.as_str(), member) {
            ("properties", Value::Object(properties)) => {
                for (name, property) in properties.iter_mut() {
                    if !required.contains(name) {
                        not_null(property);
                    }
                    not_null_when_optional(property);
                }
            }
            ("items" | "additionalProperties", member) => not_null_when_optional(member),
            ("oneOf" | "anyOf", Value::Array(members)) => {
                members.iter_mut().for_each(not_null_when_optional)
            }
            _ => {}
        }
    }
}

/// `{"type": ["string", "null"]}` → `{"type": "string"}`; `{"oneOf": [{"type": "null"},
/// S]}` → `S` (with the property's other members, a description say).
fn not_null(property: &mut Value) {
    let Value::Object(map) = property else { return };
    if let Some(Value::Array(types)) = map.get_mut("type") {
        types.retain(|t| t != "null");
        if let [only] = types.as_slice() {
            let only = only.clone();
            map.insert("type".into(), only);
        }
    }
    let is_null = |s: &Value| {
        s.get("type").is_some_and(|t| t == "null") && s.as_object().is_some_and(|o| o.len() == 1)
    };
    let other = match map.get("oneOf") {
        Some(Value::Array(members)) if members.len() == 2 && members.iter().any(is_null) => {
            members.iter().find(|m| !is_null(m)).cloned()
        }
        _ => None,
    };
    if let Some(Value::Object(other)) = other {
        map.remove("oneOf");
        for (k, v) in other {
            map.entry(k).or_insert(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn rustdoc_links_read_as_code() {
        assert_eq!(
            plain_links("as in [`Policy`]; see [`Engine`](crate::Engine) and [x](y)."),
            "as in `Policy`; see `Engine` and [x](y)."
        );
        assert_eq!(plain_links("no links [`"), "no links [`");
    }

    #[test]
    fn objects_that_list_properties_are_closed() {
        let mut v = json!({
            "a": {"type": "object", "properties": {"x": {"type": "object", "properties": {}}}},
            "b": {"type": "object", "additionalProperties": {"type": "number"}},
            "c": {"type": "object", "properties": {}, "additionalProperties": true},
            "d": {"type": "object", "properties": {"properties": {"type": "string"}}},
        });
        close_objects(&mut v);
        assert_eq!(v["a"]["additionalProperties"], false);
        assert_eq!(v["a"]["properties"]["x"]["additionalProperties"], false);
        assert_eq!(v["b"]["additionalProperties"], json!({"type": "number"}));
        assert_eq!(v["c"]["additionalProperties"], true);
        assert_eq!(v["d"]["additionalProperties"], false);
        assert_eq!(
            v["d"]["properties"],
            json!({"properties": {"type": "string"}})
        );
    }

    #[test]
    fn optional_response_fields_are_not_null_and_request_fields_keep_null() {
        let nullable = json!({
            "type": "object",
            "required": ["always"],
            "properties": {
                "always": {"type": ["string", "null"]},
                "maybe": {"type": ["string", "null"]},
                "inner": {"oneOf": [{"type": "null"}, {"$ref": "#/x", "description": "d"}]},
                "list": {"type": "array", "items": {
                    "type": "object", "properties": {"n": {"type": ["integer", "null"]}}}},
            },
        });
        let mut doc = json!({
            "paths": {"/a": {"post": {
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Asked"}}}},
                "responses": {"200": {"content": {"application/json": {"schema": nullable.clone()}}}},
            }}},
            "components": {"schemas": {
                "Asked": {"type": "object", "properties": {
                    "via": {"$ref": "#/components/schemas/Nested"},
                    "maybe": {"type": ["string", "null"]}}},
                "Nested": nullable.clone(),
                "Answered": nullable,
            }},
        });
        optional_is_not_null_in_responses(&mut doc);
        let answered = &doc["components"]["schemas"]["Answered"]["properties"];
        assert_eq!(answered["always"]["type"], json!(["string", "null"]));
        assert_eq!(answered["maybe"]["type"], "string");
        assert_eq!(
            answered["inner"],
            json!({"$ref": "#/x", "description": "d"})
        );
        assert_eq!(
            answered["list"]["items"]["properties"]["n"]["type"],
            "integer"
        );
        let inline = &doc["paths"]["/a"]["post"]["responses"]["200"]["content"]["application/json"]
            ["schema"]["properties"];
        assert_eq!(inline, answered);
        // What a request refers to, directly or not, keeps its nulls.
        let asked = &doc["components"]["schemas"];
        assert_eq!(
            asked["Asked"]["properties"]["maybe"]["type"],
            json!(["string", "null"])
        );
        assert_eq!(
            asked["Nested"]["properties"]["maybe"]["type"],
            json!(["string", "null"])
        );
    }
}
