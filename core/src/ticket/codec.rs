//! Translation between automerge values and serde: typed records are written into a document
//! as nested maps, lists and scalars, and read back through `serde_json::Value`.

use automerge::transaction::{Transactable, Transaction};
use automerge::{
    ChangeHash, ObjId, ObjType, ReadDoc, ScalarValue, ScalarValueRef, ValueRef, hydrate,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value};

use crate::error::{Error, Result};

/// Reads the object `obj` of type `obj_type` (at `heads`, or now) as JSON. Text objects become
/// strings. This walks the document with its range iterators, which is many times faster than
/// hydrating it.
pub(crate) fn read_json<R: ReadDoc>(
    doc: &R,
    obj: &ObjId,
    obj_type: ObjType,
    heads: Option<&[ChangeHash]>,
) -> Result<Value> {
    let nested = |value: ValueRef<'_>, id: ObjId| -> Result<Value> {
        match value {
            ValueRef::Object(t) => read_json(doc, &id, t, heads),
            ValueRef::Scalar(s) => Ok(scalar_ref_to_json(&s)),
        }
    };
    Ok(match obj_type {
        ObjType::Map | ObjType::Table => {
            let items: Vec<_> = match heads {
                Some(h) => doc
                    .map_range_at(obj, .., h)
                    .map(|i| (i.key.to_string(), i.id(), i.value))
                    .collect(),
                None => doc
                    .map_range(obj, ..)
                    .map(|i| (i.key.to_string(), i.id(), i.value))
                    .collect(),
            };
            let mut map = Map::new();
            for (key, id, value) in items {
                map.insert(key, nested(value, id)?);
            }
            Value::Object(map)
        }
        ObjType::List => {
            let items: Vec<_> = match heads {
                Some(h) => doc
                    .list_range_at(obj, .., h)
                    .map(|i| (i.id(), i.value))
                    .collect(),
                None => doc.list_range(obj, ..).map(|i| (i.id(), i.value)).collect(),
            };
            Value::Array(
                items
                    .into_iter()
                    .map(|(id, value)| nested(value, id))
                    .collect::<Result<_>>()?,
            )
        }
        ObjType::Text => Value::String(match heads {
            Some(h) => doc.text_at(obj, h)?,
            None => doc.text(obj)?,
        }),
    })
}

pub(crate) fn scalar_ref_to_json(value: &ScalarValueRef<'_>) -> Value {
    match value {
        ScalarValueRef::Str(s) => Value::String(s.to_string()),
        ScalarValueRef::Int(n) | ScalarValueRef::Timestamp(n) | ScalarValueRef::Counter(n) => {
            Value::from(*n)
        }
        ScalarValueRef::Uint(n) => Value::from(*n),
        ScalarValueRef::F64(f) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
        ScalarValueRef::Boolean(b) => Value::Bool(*b),
        ScalarValueRef::Bytes(b) => Value::String(hex::encode(b)),
        ScalarValueRef::Null | ScalarValueRef::Unknown { .. } => Value::Null,
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

/// Writes `record` as one scalar holding its JSON under `key` of the map `obj`. Records that
/// are written once and never edited field by field (a work-log entry, a decision, an audit)
/// are embedded like this: one operation instead of one per field, which keeps documents small
/// and fast to load and read.
pub(crate) fn put_embedded<T: Serialize>(
    tx: &mut Transaction<'_>,
    obj: &ObjId,
    key: &str,
    record: &T,
) -> Result<()> {
    tx.put(obj, key, json_of(record)?.to_string())?;
    Ok(())
}

/// Appends `record`, embedded as one JSON scalar, at the end of the list `list`.
pub(crate) fn push_embedded<T: Serialize>(
    tx: &mut Transaction<'_>,
    list: &ObjId,
    record: &T,
) -> Result<()> {
    let end = tx.length(list);
    tx.insert(list, end, json_of(record)?.to_string())?;
    Ok(())
}

/// Reads a record that is either a map or embedded as a JSON string.
pub(crate) fn decode<T: DeserializeOwned>(value: Value) -> Result<T, serde_json::Error> {
    match value {
        Value::String(s) => serde_json::from_str(&s),
        other => serde_json::from_value(other),
    }
}

/// Serde helpers for fields that hold embedded records.
pub(crate) mod embedded {
    use serde::Deserialize;
    use serde::de::{DeserializeOwned, Deserializer, Error};
    use serde_json::Value;

    /// A list of embedded records.
    pub(crate) fn list<'de, D: Deserializer<'de>, T: DeserializeOwned>(
        d: D,
    ) -> Result<Vec<T>, D::Error> {
        Vec::<Value>::deserialize(d)?
            .into_iter()
            .map(|v| super::decode(v).map_err(D::Error::custom))
            .collect()
    }

    /// An optional embedded record.
    pub(crate) fn option<'de, D: Deserializer<'de>, T: DeserializeOwned>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        match Option::<Value>::deserialize(d)? {
            None | Some(Value::Null) => Ok(None),
            Some(v) => super::decode(v).map(Some).map_err(D::Error::custom),
        }
    }
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
    decode(value).map_err(|e| format!("{what}: {e}"))
}

/// The fields of a JSON object, or an empty map for anything else.
pub(crate) fn fields(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}
