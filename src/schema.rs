//! What the API document (`http::openapi`, generated with `utoipa`) cannot read off a
//! type's Rust shape: the JSON form of the types that are parsed from strings (ids,
//! timestamps) and of the closed vocabularies a struct holds as `&'static str`.
//!
//! Each string type says its form next to the check that enforces it (see `ids`), with
//! [`string_schema!`]; the integration tests validate every real response against the
//! document, so a pattern that disagrees with what the server writes fails a test.

use utoipa::openapi::schema::{Object, ObjectBuilder, Type};

/// A string schema: a description and, where the form is fixed, a pattern (ECMA-262, as
/// JSON Schema reads it) and length bounds (in characters).
pub(crate) fn string(
    description: &str,
    pattern: Option<&str>,
    length: Option<(usize, usize)>,
) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .pattern(pattern)
        .min_length(length.map(|(min, _)| min))
        .max_length(length.map(|(_, max)| max))
        .build()
}

/// A string that is one of `values`.
pub(crate) fn one_of(values: &[&str]) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.iter().copied()))
        .build()
}

/// An object (or `null`) whose members are each `value` or `null`: what `serde` reads
/// into an `Option<BTreeMap<String, Option<T>>>`, which `utoipa` cannot derive. `value` is
/// inlined.
pub(crate) fn map_of_optional(
    description: &str,
    value: utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
) -> Object {
    use utoipa::openapi::schema::{OneOfBuilder, Schema, SchemaType};
    let null = ObjectBuilder::new().schema_type(Type::Null);
    let member = OneOfBuilder::new().item(null).item(value).build();
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Object, Type::Null]))
        .description(Some(description))
        .additional_properties(Some(Schema::OneOf(member)))
        .build()
}

/// Implements `utoipa::ToSchema` for a type serialized as a string, with the schema
/// `$schema` (an [`Object`]), under the type's own name.
macro_rules! string_schema {
    ($ty:ty, $schema:expr) => {
        impl utoipa::PartialSchema for $ty {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                let object: utoipa::openapi::schema::Object = $schema;
                object.into()
            }
        }

        impl utoipa::ToSchema for $ty {}
    };
}

pub(crate) use string_schema;

/// The pattern of a string without control characters (what `char::is_control` refuses:
/// Unicode's Cc category).
pub(crate) const NO_CONTROL: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]+$";
