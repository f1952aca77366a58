//! A JSON array assembled from the raw items of several pages, so a paged load reaches the
//! engine as one array without building any value on the way.

use serde_json::value::RawValue;

pub struct JsonList {
    bytes: Vec<u8>,
    empty: bool,
}

impl JsonList {
    pub fn new() -> Self {
        JsonList {
            bytes: b"[".to_vec(),
            empty: true,
        }
    }

    /// Appends the items of one page, as they were sent.
    pub fn extend<'a>(&mut self, items: impl IntoIterator<Item = &'a RawValue>) {
        for item in items {
            if !self.empty {
                self.bytes.push(b',');
            }
            self.empty = false;
            self.bytes.extend_from_slice(item.get().as_bytes());
        }
    }

    /// The JSON text of the whole array.
    pub fn finish(mut self) -> Vec<u8> {
        self.bytes.push(b']');
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_join_into_one_array_keeping_items_verbatim() {
        let page1: Vec<&RawValue> = serde_json::from_str(r#"[{"id":"a","x":[1, 2]}, 7]"#).unwrap();
        let page2: Vec<&RawValue> = serde_json::from_str("[]").unwrap();
        let page3: Vec<&RawValue> = serde_json::from_str(r#"["z"]"#).unwrap();
        let mut list = JsonList::new();
        list.extend(page1);
        list.extend(page2);
        list.extend(page3);
        assert_eq!(
            String::from_utf8(list.finish()).unwrap(),
            r#"[{"id":"a","x":[1, 2]},7,"z"]"#
        );
        assert_eq!(JsonList::new().finish(), b"[]");
    }
}
