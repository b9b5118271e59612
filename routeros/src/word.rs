//! Serde for RouterOS words from a fixed set (`ssh`, `tcp-reset`, …): read as a string, parsed
//! with the type's own `FromStr`, and an unknown word reported the way serde reports an unknown
//! enum variant (`unknown variant `x`, expected one of …`), listing the words.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::de::{self, Visitor};

/// Deserializes `T` from one of `words`.
pub(crate) fn deserialize_word<'de, D, T>(
    d: D,
    words: &'static [&'static str],
    what: &'static str,
) -> Result<T, D::Error>
where
    D: de::Deserializer<'de>,
    T: FromStr,
{
    struct WordVisitor<T> {
        words: &'static [&'static str],
        what: &'static str,
        out: PhantomData<T>,
    }
    impl<T: FromStr> Visitor<'_> for WordVisitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.what)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            v.parse().map_err(|_| E::unknown_variant(v, self.words))
        }
    }
    d.deserialize_str(WordVisitor {
        words,
        what,
        out: PhantomData,
    })
}
