//! Fields that concurrent edits left with more than one value. automerge picks a winner for
//! reading; the people who work the ticket must see every value.

use automerge::{Automerge, ObjId, ObjType, Prop, ROOT, ReadDoc, Value};
use serde::{Deserialize, Serialize};

use super::codec::{read_json, scalar_to_json};
use crate::error::Result;

/// A field with concurrent values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldConflict {
    /// Where: the keys from the document root, for example `["intake", "model"]`.
    pub path: Vec<String>,
    /// Every value, as JSON, the one shown by default first.
    pub values: Vec<serde_json::Value>,
}

/// Every field of `doc` that holds concurrent values.
pub(crate) fn field_conflicts(doc: &Automerge) -> Result<Vec<FieldConflict>> {
    let mut found = Vec::new();
    walk(doc, &ROOT, ObjType::Map, &mut Vec::new(), &mut found)?;
    Ok(found)
}

fn walk(
    doc: &Automerge,
    obj: &ObjId,
    obj_type: ObjType,
    path: &mut Vec<String>,
    found: &mut Vec<FieldConflict>,
) -> Result<()> {
    let props: Vec<Prop> = match obj_type {
        ObjType::Map | ObjType::Table => doc.keys(obj).map(Prop::Map).collect(),
        ObjType::List => (0..doc.length(obj)).map(Prop::Seq).collect(),
        ObjType::Text => return Ok(()),
    };
    for prop in props {
        let mut values = doc.get_all(obj, prop.clone())?;
        if let Some((_, winner)) = doc.get(obj, prop.clone())?
            && let Some(at) = values.iter().position(|(_, id)| *id == winner)
        {
            let shown = values.remove(at);
            values.insert(0, shown);
        }
        path.push(match &prop {
            Prop::Map(key) => key.clone(),
            Prop::Seq(index) => index.to_string(),
        });
        if values.len() > 1 {
            let values = values
                .iter()
                .map(|(value, id)| value_json(doc, value, id))
                .collect::<Result<_>>()?;
            found.push(FieldConflict {
                path: path.clone(),
                values,
            });
        }
        if let Some((Value::Object(child_type), child)) = values.first().cloned() {
            walk(doc, &child, child_type, path, found)?;
        }
        path.pop();
    }
    Ok(())
}

fn value_json(doc: &Automerge, value: &Value<'_>, id: &ObjId) -> Result<serde_json::Value> {
    Ok(match value {
        // An embedded record reads as the record, not as its JSON text.
        Value::Scalar(s) => match scalar_to_json(s) {
            serde_json::Value::String(text) if text.starts_with('{') => {
                serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
            }
            other => other,
        },
        Value::Object(t) => read_json(doc, id, *t, None)?,
    })
}
