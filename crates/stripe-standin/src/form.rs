//! Reading Stripe-style form bodies and query strings (bracket notation, `expand[]`),
//! turning serde's complaints into Stripe's `parameter_unknown` / `parameter_missing` errors,
//! and [`Param`] for the parameters the typings call `Emptyable` (`x=` unsets them), which
//! an `Option` cannot tell from an absent one.

use crate::error::ApiError;
use serde::de::{self, DeserializeOwned, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::marker::PhantomData;

/// A parameter that may be absent, sent empty (`description=`: unset it, the typings'
/// `Emptyable<…>`), or given. Use with `#[serde(default)]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Param<T> {
    #[default]
    Absent,
    Empty,
    Given(T),
}

impl<T> Param<T> {
    /// What an update does to an optional field: `None` leaves it, `Some(None)` unsets it,
    /// `Some(Some(v))` sets it.
    pub fn update(self) -> Option<Option<T>> {
        match self {
            Param::Absent => None,
            Param::Empty => Some(None),
            Param::Given(v) => Some(Some(v)),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Param<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ParamVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ParamVisitor<T> {
            type Value = Param<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a value, or an empty string to unset it")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                if v.is_empty() {
                    return Ok(Param::Empty);
                }
                T::deserialize(v.into_deserializer()).map(Param::Given)
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                self.visit_str(&v)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Param::Given)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Param::Given)
            }
        }
        deserializer.deserialize_any(ParamVisitor(PhantomData))
    }
}

/// Parses a form body or query string into `T`, as Stripe would judge it.
pub fn parse<T: DeserializeOwned>(input: &[u8]) -> Result<T, ApiError> {
    let config = serde_qs::Config::new(5, false);
    let deserializer =
        serde_qs::Deserializer::with_config(&config, input).map_err(|e| to_api_error("", &e.to_string()))?;
    serde_path_to_error::deserialize(deserializer)
        .map_err(|e| to_api_error(&bracketed(e.path()), &e.inner().to_string()))
}

/// A serde path (`features.products[0].product`) in Stripe's bracket notation
/// (`features[products][0][product]`).
fn bracketed(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        let name = match segment {
            Segment::Seq { index } => index.to_string(),
            Segment::Map { key } => key.clone(),
            Segment::Enum { variant } => variant.clone(),
            Segment::Unknown => continue,
        };
        if out.is_empty() {
            out = name;
        } else {
            out.push_str(&format!("[{name}]"));
        }
    }
    out
}

/// Stripe's error for serde's complaint `message` about the value at `container` (the path
/// of the struct holding the field serde names).
fn to_api_error(container: &str, message: &str) -> ApiError {
    let quoted = message.split('`').nth(1).unwrap_or("").to_string();
    let full = |field: &str| if container.is_empty() { field.to_string() } else { format!("{container}[{field}]") };
    if message.contains("unknown field") {
        // serde_path_to_error's path already ends at the unknown field.
        ApiError::unknown_param(if container.is_empty() { &quoted } else { container })
    } else if message.contains("missing field") {
        ApiError::missing_param(&full(&quoted))
    } else {
        ApiError::invalid_request(format!("Invalid request: {message}"))
    }
}

/// Stripe's boolean parameters arrive as the strings `true`/`false`.
pub fn parse_bool(param: &str, raw: &Option<String>) -> Result<Option<bool>, ApiError> {
    match raw.as_deref() {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(other) => Err(ApiError::invalid_request(format!("Invalid boolean: {other}")).param(param)),
    }
}

/// Stripe's integer parameters arrive as decimal strings.
pub fn parse_int(param: &str, raw: &Option<String>) -> Result<Option<i64>, ApiError> {
    match raw.as_deref() {
        None => Ok(None),
        Some(text) => text.parse::<i64>().map(Some).map_err(|_| {
            ApiError::invalid_request(format!("Invalid integer: {text}")).code("parameter_invalid_integer").param(param)
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct Sample {
        name: String,
        metadata: Option<BTreeMap<String, String>>,
    }

    #[test]
    fn reads_bracket_notation_encoded_or_not() {
        let s: Sample = parse(b"name=Pro&metadata%5Bplan%5D=pro").unwrap();
        assert_eq!(s.metadata.unwrap()["plan"], "pro");
        let s: Sample = parse(b"name=Pro&metadata[plan]=pro").unwrap();
        assert_eq!(s.name, "Pro");
    }

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct Emptyables {
        #[serde(default)]
        description: Param<String>,
        #[serde(default)]
        metadata: Param<BTreeMap<String, String>>,
        #[serde(default)]
        options: Param<Vec<String>>,
        created: Option<BTreeMap<String, String>>,
    }

    #[test]
    fn emptyable_params_tell_empty_from_absent() {
        let e: Emptyables = parse(b"description=&metadata=&options=").unwrap();
        assert_eq!((e.description, e.metadata, e.options), (Param::Empty, Param::Empty, Param::Empty));
        let e: Emptyables = parse(b"description=hi&metadata[plan]=pro&options[0]=a&options[1]=b").unwrap();
        assert_eq!(e.description, Param::Given("hi".into()));
        assert_eq!(e.metadata, Param::Given(BTreeMap::from([("plan".into(), "pro".into())])));
        assert_eq!(e.options, Param::Given(vec!["a".into(), "b".into()]));
        let e: Emptyables = parse(b"created[gte]=5").unwrap();
        assert_eq!((e.description, e.metadata), (Param::Absent, Param::Absent));
        assert_eq!(e.created.unwrap()["gte"], "5");
        let e: Emptyables = parse(b"options[]=a&options[]=b").unwrap();
        assert_eq!(e.options, Param::Given(vec!["a".into(), "b".into()]));
    }

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Nested {
        features: Option<Inner>,
    }

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        enabled: Option<String>,
        products: Option<Vec<Sample>>,
    }

    #[test]
    fn names_nested_params_by_their_whole_bracket_path() {
        let err = parse::<Nested>(b"features[enabled]=true&features[colour]=red").unwrap_err();
        assert_eq!(err.message, "Received unknown parameter: features[colour]");
        assert_eq!(err.param.as_deref(), Some("features[colour]"));
        let err = parse::<Nested>(b"features[products][0][name]=a&features[products][1][size]=b").unwrap_err();
        assert_eq!(err.param.as_deref(), Some("features[products][1][size]"));
        let err = parse::<Nested>(b"features[products][0][metadata][plan]=pro").unwrap_err();
        assert_eq!(err.message, "Missing required param: features[products][0][name].");
    }

    #[test]
    fn names_unknown_and_missing_params_like_stripe() {
        let err = parse::<Sample>(b"name=x&colour=red").unwrap_err();
        assert_eq!(err.message, "Received unknown parameter: colour");
        let err = parse::<Sample>(b"metadata[plan]=pro").unwrap_err();
        assert_eq!(err.message, "Missing required param: name.");
    }
}
