//! Translation between automerge values and serde: typed records are written into a document
//! as nested maps, lists and scalars, and read back through `serde_json::Value`.

use automerge::transaction::{Transactable, Transaction};
use automerge::{ObjId, ObjType, ReadDoc, ScalarValue, hydrate};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value};

use crate::error::{Error, Result};

/// Converts a hydrated automerge value to JSON. Text objects become strings.
pub(crate) fn to_json(value: &hydrate::Value) -> Value {
    match value {
        hydrate::Value::Scalar(s) => scalar_to_json(s),
        hydrate::Value::Map(map) => Value::Object(
            map.iter()
                .map(|(key, v)| (key.clone(), to_json(&v.value)))
                .collect(),
        ),
        hydrate::Value::List(list) => {
            Value::Array(list.iter().map(|v| to_json(&v.value)).collect())
        }
        hydrate::Value::Text(text) => Value::String(text.to_string()),
    }
}

/// Converts one scalar to JSON; values JSON cannot hold (NaN, unknown types) become null.
pub(crate) fn scalar_to_json(value: &ScalarValue) -> Value {
    match value {
        ScalarValue::Str(s) => Value::String(s.to_string()),
        ScalarValue::Int(n) | ScalarValue::Timestamp(n) => Value::from(*n),
        ScalarValue::Uint(n) => Value::from(*n),
        ScalarValue::F64(f) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
        ScalarValue::Counter(c) => Value::from(i64::from(c)),
        ScalarValue::Boolean(b) => Value::Bool(*b),
        ScalarValue::Bytes(b) => Value::String(hex::encode(b)),
        ScalarValue::Null | ScalarValue::Unknown { .. } => Value::Null,
    }
}

/// Converts JSON to a value that automerge can create in one batch. Nulls are left out of maps
/// so that an absent optional field is simply absent in the document.
fn to_hydrate(value: &Value) -> hydrate::Value {
    match value {
        Value::Null => hydrate::Value::scalar(ScalarValue::Null),
        Value::Bool(b) => hydrate::Value::scalar(*b),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => hydrate::Value::scalar(i),
            (None, Some(u), _) => hydrate::Value::scalar(u),
            (None, None, f) => hydrate::Value::scalar(f.unwrap_or(0.0)),
        },
        Value::String(s) => hydrate::Value::scalar(s.as_str()),
        Value::Array(items) => items.iter().map(to_hydrate).collect::<Vec<_>>().into(),
        Value::Object(fields) => {
            let map: std::collections::HashMap<String, hydrate::Value> = fields
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), to_hydrate(v)))
                .collect();
            hydrate::Value::Map(map.into())
        }
    }
}

fn json_of<T: Serialize>(record: &T) -> Result<Value> {
    serde_json::to_value(record).map_err(|e| Error::invalid("record", e.to_string()))
}

/// Writes `record` under `key` of the map `obj`, replacing what was there.
pub(crate) fn put_record<T: Serialize>(
    tx: &mut Transaction<'_>,
    obj: &ObjId,
    key: &str,
    record: &T,
) -> Result<ObjId> {
    let value = to_hydrate(&json_of(record)?);
    Ok(tx.batch_create_object(obj, key, &value, false)?)
}

/// Appends `record` at the end of the list `list`.
pub(crate) fn push_record<T: Serialize>(
    tx: &mut Transaction<'_>,
    list: &ObjId,
    record: &T,
) -> Result<()> {
    let value = to_hydrate(&json_of(record)?);
    let end = tx.length(list);
    tx.batch_create_object(list, end, &value, true)?;
    Ok(())
}

/// Puts one scalar field (given as any serialisable value) under `key` of `obj`.
pub(crate) fn put_field<T: Serialize>(
    tx: &mut Transaction<'_>,
    obj: &ObjId,
    key: &str,
    value: &T,
) -> Result<()> {
    match to_hydrate(&json_of(value)?) {
        hydrate::Value::Scalar(s) => tx.put(obj, key, s)?,
        nested => {
            tx.batch_create_object(obj, key, &nested, false)?;
        }
    }
    Ok(())
}

/// The child object under `key` of `obj`, which must exist with the given type.
pub(crate) fn child<R: ReadDoc>(
    doc: &R,
    obj: &ObjId,
    key: &str,
    expected: ObjType,
) -> Result<Option<ObjId>> {
    match doc.get(obj, key)? {
        Some((automerge::Value::Object(t), id)) if t == expected => Ok(Some(id)),
        Some(_) => Err(Error::Corrupt(format!(
            "{key} is not a {expected:?} in the ticket"
        ))),
        None => Ok(None),
    }
}

/// Replaces the content of the text object under `key` of `obj` with `text`, as a character
/// diff so that concurrent edits of other parts of the text both survive.
pub(crate) fn update_text(
    tx: &mut Transaction<'_>,
    obj: &ObjId,
    key: &str,
    text: &str,
) -> Result<()> {
    let text_obj = match child(tx, obj, key, ObjType::Text)? {
        Some(id) => id,
        None => tx.put_object(obj, key, ObjType::Text)?,
    };
    tx.update_text(&text_obj, text)?;
    Ok(())
}

/// Reads a typed record from JSON; a value of the wrong shape is reported, not panicked on.
pub(crate) fn from_json<T: DeserializeOwned>(value: Value, what: &str) -> Result<T, String> {
    serde_json::from_value(value).map_err(|e| format!("{what}: {e}"))
}

/// The fields of a JSON object, or an empty map for anything else.
pub(crate) fn fields(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}
