//! Tests of the OpenAPI document's schemas of what the API takes (`server/openapi.json`,
//! `components.schemas`), held against the Rust types they describe: the registration and every
//! operation, with their fields, the values of their enumerations and the types' doc comments as
//! descriptions; and an example of every operation that the server takes as it is written.
//! When a type changes, `FIELDLEDGER_BLESS=1 cargo test -p fieldledger-server --lib openapi`
//! writes the new schemas into the document; the examples are written by hand.

use fieldledger_core::Operation;
use fieldledger_core::ticket::intake::Registration;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value};

/// Where the document is kept.
const DOCUMENT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");

/// The JSON Schemas (2020-12, as OpenAPI 3.1 takes them) of the types the API takes, as the
/// document's components: each type and the types it uses, referred to as
/// `#/components/schemas/<name>`.
fn schemas() -> Map<String, Value> {
    let mut generator = SchemaSettings::draft2020_12()
        .with(|s| s.definitions_path = "/components/schemas".into())
        .into_generator();
    let mut components = Map::new();
    for (name, mut schema) in [
        ("Registration", generator.root_schema_for::<Registration>()),
        ("Operation", generator.root_schema_for::<Operation>()),
    ] {
        schema.remove("$schema");
        components.insert(name.to_owned(), schema.to_value());
    }
    for (name, schema) in generator.take_definitions(true) {
        components.insert(name, schema);
    }
    components
}

#[cfg(test)]
mod tests {
    use fieldledger_core::ticket::operation::OperationKind;
    use strum::VariantArray;

    use super::*;

    fn document() -> Value {
        let text = std::fs::read_to_string(DOCUMENT).expect("the OpenAPI document");
        serde_json::from_str(&text).expect("the OpenAPI JSON")
    }

    /// Every schema the types make is in the document as they make it; with
    /// `FIELDLEDGER_BLESS=1` the document is brought up to date instead.
    #[test]
    fn the_openapi_document_describes_the_operations_as_the_types_do() {
        let mut document = document();
        let documented = document["components"]["schemas"]
            .as_object_mut()
            .expect("components.schemas");
        let mut stale = Vec::new();
        for (name, schema) in schemas() {
            if documented.get(&name) != Some(&schema) {
                documented.insert(name.clone(), schema);
                stale.push(name);
            }
        }
        if std::env::var_os("FIELDLEDGER_BLESS").is_some() && !stale.is_empty() {
            let text = serde_json::to_string_pretty(&document).expect("JSON");
            std::fs::write(DOCUMENT, text + "\n").expect("write the document");
            return;
        }
        assert!(
            stale.is_empty(),
            "server/openapi.json describes {stale:?} otherwise than the types do: run \
             FIELDLEDGER_BLESS=1 cargo test -p fieldledger-server --lib openapi"
        );
    }

    /// Each operation has an example, named after it, that the server reads as that very
    /// operation, with every field it has written out.
    #[test]
    fn every_operation_has_an_example_the_server_takes() {
        let document = document();
        let examples = document["paths"]["/v1/tickets/{id}/operations"]["post"]["requestBody"]
            ["content"]["application/json"]["examples"]
            .as_object()
            .expect("the operations' examples");
        for kind in OperationKind::VARIANTS {
            let name: &'static str = kind.into();
            let value = &examples
                .get(name)
                .unwrap_or_else(|| panic!("no example of {name}"))["value"];
            let operation: Operation = serde_json::from_value(value.clone())
                .unwrap_or_else(|e| panic!("the example of {name} is refused: {e}"));
            assert_eq!(OperationKind::from(&operation), *kind);
            assert_written_out(
                name,
                value,
                &serde_json::to_value(&operation).expect("JSON"),
            );
        }
        assert_eq!(
            examples.len(),
            OperationKind::VARIANTS.len(),
            "an example of no operation"
        );
        let body = &document["paths"]["/v1/tickets"]["post"]["requestBody"]["content"];
        let registration = &body["application/json"]["examples"]["complaint"]["value"];
        let read: Registration =
            serde_json::from_value(registration.clone()).expect("the registration example");
        assert_written_out(
            "registration",
            registration,
            &serde_json::to_value(read).expect("JSON"),
        );
    }

    /// The example `written` says what the server `read` from it: each field as read, and only
    /// fields that are empty (null, none) left out or written as null.
    fn assert_written_out(name: &str, written: &Value, read: &Value) {
        let (written, read) = (
            written.as_object().expect(name),
            read.as_object().expect(name),
        );
        for (field, value) in read {
            let empty = value.is_null() || value.as_array().is_some_and(Vec::is_empty);
            match written.get(field) {
                Some(example) => assert_eq!(example, value, "{name}: {field} is read otherwise"),
                None => assert!(empty, "the example of {name} leaves out {field}"),
            }
        }
        for (field, value) in written {
            let known = read.contains_key(field) || value.is_null();
            assert!(known, "{name}: {field} is not a field of it");
        }
    }
}
