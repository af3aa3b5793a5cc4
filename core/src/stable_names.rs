//! A check for the enums whose names are stored in documents and databases and sent over the
//! wire: serde, strum's parser and `as_str` must agree, and the names must never change.

use std::fmt::Debug;
use std::str::FromStr;

use serde::Serialize;
use strum::VariantArray;

/// Asserts that `T`'s variants, in order, are named `names` by serde and by strum, and that
/// each name parses back to its variant.
pub(crate) fn assert_stable_names<T>(names: &[&str])
where
    T: VariantArray + Copy + PartialEq + Debug + Serialize + FromStr,
    &'static str: From<T>,
{
    let named: Vec<&'static str> = T::VARIANTS.iter().map(|&v| v.into()).collect();
    assert_eq!(named, names, "stored names must not change");
    for (&variant, name) in T::VARIANTS.iter().zip(names) {
        let json = serde_json::to_value(variant).ok();
        assert_eq!(json.as_ref().and_then(|v| v.as_str()), Some(*name));
        assert_eq!(name.parse::<T>().ok(), Some(variant), "{name} parses back");
        let upper = name.to_uppercase();
        assert!(upper.parse::<T>().is_err(), "{upper} is not a name");
    }
}
