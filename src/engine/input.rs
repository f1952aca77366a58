//! The two inputs of a plan, read from JSON: Central contacts (DESIGN §2) and Outlook contacts
//! as Graph returns them. Central data is judged strictly (a wrong shape becomes a reason on
//! the record); Graph data is read leniently (a wrong shape reads as empty). Either way, any
//! JSON value inside a record is accepted; only a top level that is not an array of objects
//! is an error.

use std::borrow::Cow;
use std::fmt;

use smallvec::SmallVec;

use super::json_reader::{JsonError, Reader};
use super::kinds::Kind;
use super::text::Text;

/// Id of the single-value extended property that carries Central's id on an Outlook contact.
pub const CENTRAL_ID_PROPERTY: &str =
    "String {3cceee99-16d4-4ae2-ad04-488106d3074b} Name CentralContactId";

/// Why an input could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for InputError {}

/// A postal address as Central sends it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CentralAddress<'a> {
    pub line1: Text<'a>,
    pub line2: Text<'a>,
    pub line3: Text<'a>,
    pub town: Text<'a>,
    pub county: Text<'a>,
    pub country: Text<'a>,
    pub postcode: Text<'a>,
}

impl CentralAddress<'_> {
    fn texts(&self) -> [&Text<'_>; 7] {
        [
            &self.line1,
            &self.line2,
            &self.line3,
            &self.town,
            &self.county,
            &self.country,
            &self.postcode,
        ]
    }

    pub fn has_invalid(&self) -> bool {
        self.texts().iter().any(|t| t.is_invalid())
    }
}

/// An address field of a Central contact: absent, an object, or something else (invalid).
#[derive(Debug, Clone, Default, PartialEq)]
pub enum AddressField<'a> {
    #[default]
    Absent,
    Value(CentralAddress<'a>),
    Invalid,
}

impl<'a> AddressField<'a> {
    pub fn is_invalid(&self) -> bool {
        match self {
            AddressField::Invalid => true,
            AddressField::Value(a) => a.has_invalid(),
            AddressField::Absent => false,
        }
    }
}

/// One contact from Central (DESIGN §2). Text values are trimmed as they are read: Central's
/// values are only ever used trimmed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CentralContact<'a> {
    pub id: Text<'a>,
    pub status: Text<'a>,
    pub title: Text<'a>,
    pub first_name: Text<'a>,
    pub last_name: Text<'a>,
    pub email: Text<'a>,
    pub mobile: Text<'a>,
    pub telephone: Text<'a>,
    pub website: Text<'a>,
    pub home_address: AddressField<'a>,
    pub business_address: AddressField<'a>,
    /// Central's version of the record: a write to it is made on `If-Match` of this.
    pub version: Text<'a>,
    /// The account (organisation) the contact belongs to.
    pub account_id: Text<'a>,
    /// `contact` (the default) or `individual` (a private person, who has no company).
    pub record_type: Text<'a>,
    /// An account's name (an account read as a record: [`CentralContact::is_account`]).
    pub name: Text<'a>,
    /// Read from Central's accounts, to be written to Outlook as a contact of its name.
    pub is_account: bool,
    /// The name of the contact's account, once the accounts are known
    /// ([`Accounts::attach`](super::accounts::Accounts::attach)); `""` for none. `None` while
    /// the accounts are not known, and for an individual: the company is then not synced.
    pub company: Option<Cow<'a, str>>,
}

impl CentralContact<'_> {
    /// `status` is "active", compared case-insensitively after trimming.
    pub fn is_active(&self) -> bool {
        self.status.as_str().eq_ignore_ascii_case("active")
    }

    /// `type` is "individual" (trimmed, any case): a private person, with no company.
    pub fn is_individual(&self) -> bool {
        self.record_type.as_str().eq_ignore_ascii_case("individual")
    }

    /// The record's type.
    pub fn kind(&self) -> Kind {
        if self.is_account {
            Kind::Account
        } else if self.is_individual() {
            Kind::Individual
        } else {
            Kind::Contact
        }
    }

    /// True when a field that should hold text holds an object or array.
    pub fn has_invalid_field(&self) -> bool {
        [
            &self.id,
            &self.title,
            &self.first_name,
            &self.last_name,
            &self.email,
            &self.mobile,
            &self.telephone,
            &self.website,
        ]
        .iter()
        .any(|t| t.is_invalid())
            // (A contact's `name` is not one of its fields.)
            || (self.is_account && self.name.is_invalid())
            || self.home_address.is_invalid()
            || self.business_address.is_invalid()
    }
}

/// A postal address as Graph returns it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OutlookAddress<'a> {
    pub street: Text<'a>,
    pub city: Text<'a>,
    pub state: Text<'a>,
    pub country_or_region: Text<'a>,
    pub postal_code: Text<'a>,
}

/// One entry of a Graph contact's `emailAddresses`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OutlookEmail<'a> {
    pub name: Text<'a>,
    pub address: Text<'a>,
}

/// A list that holds its first element in place: most contacts have one email address and
/// one business phone, and reading 100,000 of them then allocates nothing for the lists.
pub type Few<T> = SmallVec<[T; 1]>;

/// One Outlook contact as read from Graph (only what the engine needs).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OutlookContact<'a> {
    pub id: Text<'a>,
    pub title: Text<'a>,
    pub given_name: Text<'a>,
    pub surname: Text<'a>,
    pub display_name: Text<'a>,
    pub mobile_phone: Text<'a>,
    pub business_home_page: Text<'a>,
    pub company_name: Text<'a>,
    pub email_addresses: Few<OutlookEmail<'a>>,
    pub business_phones: Few<Text<'a>>,
    pub home_address: OutlookAddress<'a>,
    pub business_address: OutlookAddress<'a>,
    /// The Central id stored in our extended property, if any.
    pub central_id: Option<Cow<'a, str>>,
    /// `@odata.etag` as read: an update is sent with `If-Match` on it.
    pub etag: Text<'a>,
    /// `createdDateTime` (ISO 8601, UTC): of copies of one record, the earliest is kept.
    pub created: Text<'a>,
    /// `parentFolderId`: the folder the contact is in (which gives its type, see `kind`).
    pub parent_folder_id: Text<'a>,
    /// The type of the folder the contact was read from (a contact's unless individuals have
    /// a folder of their own and this is it), or of its marker category.
    pub kind: Kind,
    /// Read from the default Contacts folder for carrying the marker category of its type
    /// (DESIGN §4): to be moved into that type's folder.
    pub marked: bool,
}

impl OutlookContact<'_> {
    /// The first email address, or `""`.
    pub fn primary_email(&self) -> &str {
        self.email_addresses
            .first()
            .map(|e| e.address.as_str())
            .unwrap_or("")
    }

    /// The first business phone, or `""`.
    pub fn primary_business_phone(&self) -> &str {
        self.business_phones.first().map(Text::as_str).unwrap_or("")
    }
}

/// True when `id` names our extended property. Graph matches the property name
/// case-sensitively and the rest (type, GUID, `Name`) case-insensitively.
pub fn is_central_id_property(id: &str) -> bool {
    let id = id.trim();
    let Some((head, name)) = id.rsplit_once(' ') else {
        return false;
    };
    let expected_head =
        &CENTRAL_ID_PROPERTY[..CENTRAL_ID_PROPERTY.len() - "CentralContactId".len() - 1];
    name == "CentralContactId" && head.eq_ignore_ascii_case(expected_head)
}

/// Parses a JSON array of Central contacts, in one pass over the text (see `json_reader`). It
/// accepts exactly what the serde_json reading it replaced accepts (behind a repair of lone
/// surrogate escapes, which serde_json rejects), and reads the same records — that reading is
/// kept as the reference in `tests/oracle/serde_reader.rs`, and `tests/json_reader_props.rs`
/// holds the two together: a lone surrogate escape reads as U+FFFD, values nest to any depth.
pub fn parse_central(json: &[u8]) -> Result<Vec<CentralContact<'_>>, InputError> {
    read_records(json, "Central contacts", read_central, &mut |_, _| {})
}

/// Parses a JSON array of Outlook contacts (Graph contact JSON); see [`parse_central`].
pub fn parse_outlook(json: &[u8]) -> Result<Vec<OutlookContact<'_>>, InputError> {
    read_records(json, "Outlook contacts", read_outlook, &mut |_, _| {})
}

/// [`parse_central`], handing each record with its position to `on_record` as soon as it is
/// read, while its text is still in the cache. When the text turns out not to be an array of
/// objects, some records may have been handed over before the error.
pub fn parse_central_with<'a>(
    json: &'a [u8],
    on_record: &mut dyn FnMut(usize, &CentralContact<'a>),
) -> Result<Vec<CentralContact<'a>>, InputError> {
    read_records(json, "Central contacts", read_central, on_record)
}

/// Central's accounts read as records ([`CentralContact::is_account`]), to be synced into the
/// accounts' folder; handed over as [`parse_central_with`] does.
pub fn parse_accounts_with<'a>(
    json: &'a [u8],
    on_record: &mut dyn FnMut(usize, &CentralContact<'a>),
) -> Result<Vec<CentralContact<'a>>, InputError> {
    read_records(json, "Central accounts", read_account, on_record)
}

fn read_account<'a>(r: &mut Reader<'a>, c: &mut CentralContact<'a>) -> ReadResult<()> {
    c.is_account = true;
    read_central(r, c)
}

/// [`parse_outlook`], handing each record to `on_record` as soon as it is read; see
/// [`parse_central_with`].
pub fn parse_outlook_with<'a>(
    json: &'a [u8],
    on_record: &mut dyn FnMut(usize, &OutlookContact<'a>),
) -> Result<Vec<OutlookContact<'a>>, InputError> {
    read_records(json, "Outlook contacts", read_outlook, on_record)
}

fn utf8<'a>(json: &'a [u8], what: &str) -> Result<&'a str, InputError> {
    // One UTF-8 check of the whole text is cheaper than checking string by string.
    std::str::from_utf8(json).map_err(|e| InputError {
        message: format!("{what} must be UTF-8 JSON text: {e}"),
    })
}

// The records are read by a single pass of the pull reader in `json_reader`. What each field
// accepts is exactly what the serde_json reading (the reference, `tests/oracle/`) accepts: values
// read as text or as a shape have their numbers range-checked, values that are skipped only
// their grammar; the last of duplicate keys wins.

type ReadResult<T> = Result<T, JsonError>;

/// A top-level array (and nothing else), whose elements must be objects, each read by `read`
/// (called after the object's `{`, with a default record to fill in place) and then handed to
/// `on_record` with its position.
fn read_records<'a, T: Default>(
    json: &'a [u8],
    what: &str,
    read: fn(&mut Reader<'a>, &mut T) -> ReadResult<()>,
    on_record: &mut dyn FnMut(usize, &T),
) -> Result<Vec<T>, InputError> {
    let text = utf8(json, what)?;
    let mut r = Reader::new(text);
    let mut read_all = |r: &mut Reader<'a>| -> ReadResult<Vec<T>> {
        r.expect(b'[', "expected an array")?;
        let start = r.offset();
        let mut out: Vec<T> = Vec::new();
        let mut first = true;
        while r.next_element(&mut first)? {
            if out.len() == ESTIMATE_AFTER
                || (out.len() > ESTIMATE_AFTER && out.len() == out.capacity())
            {
                reserve_for_the_rest(&mut out, r.offset() - start, text.len() - r.offset());
            }
            r.expect(b'{', "expected an object")?;
            out.push(T::default());
            let k = out.len() - 1;
            if let Some(record) = out.last_mut() {
                read(r, record)?;
                on_record(k, record);
            }
        }
        r.end()?;
        if out.capacity() / 2 > out.len() {
            out.shrink_to_fit();
        }
        Ok(out)
    };
    read_all(&mut r).map_err(|e| InputError {
        message: format!(
            "{what} must be a JSON array of objects: {}",
            e.describe(text)
        ),
    })
}

/// Records read before the rest are estimated from their size.
const ESTIMATE_AFTER: usize = 32;

/// Reserves room for the records in the `remaining` bytes of text, estimated (with 1/8 to
/// spare) from the `used` bytes the records read so far took: growing a large list by doubling
/// copies it several times, and leaves up to half of it unused. Called again when the room runs
/// out (the first records may have been larger than the rest: the bench fixture's first
/// Outlook contacts are 10% larger than its average), when the estimate rests on nearly all of
/// them; the list then grows by at least half, so that it still grows geometrically. The room
/// is capped at twice the remaining text's size in bytes, so a misleading start (small records,
/// then a huge one) cannot reserve more than that; and when it cannot be had, the list just
/// grows as it would have.
fn reserve_for_the_rest<T>(out: &mut Vec<T>, used: usize, remaining: usize) {
    let per_record = (used / out.len().max(1)).max(1);
    let estimate = remaining / per_record + remaining / per_record / 8 + 1;
    let cap = remaining.saturating_mul(2) / std::mem::size_of::<T>().max(1);
    let additional = estimate.min(cap).max(out.len() / 2);
    // Failing to reserve is not an error: the records may still fit as they come.
    let _ = out.try_reserve_exact(additional);
}

/// Reads a text value into `field`, trimmed.
#[inline(always)]
fn read_trimmed<'a>(r: &mut Reader<'a>, field: &mut Text<'a>) -> ReadResult<()> {
    r.read_text_into(field)?;
    match field {
        // The common case — a borrowed value that starts and ends with visible ASCII, so has
        // nothing to trim — is decided from two bytes.
        Text::Value(Cow::Borrowed(s)) => {
            let visible = |b: Option<&u8>| b.is_some_and(|&b| b > b' ' && b < 0x80);
            if !(visible(s.as_bytes().first()) && visible(s.as_bytes().last())) {
                *s = s.trim();
            }
        }
        Text::Value(Cow::Owned(_)) => *field = std::mem::take(field).trim(),
        Text::Absent | Text::Invalid => {}
    }
    Ok(())
}

/// Walks the entries of an object (after its `{`): `$body` handles each key (bound to `$key`
/// as a `&str`) and must read or skip its value. The listed keys that start with the key's
/// first byte are tried against the raw text before the key is read in general: a key written
/// without escapes (nearly all) is then recognised without a scan, and after one or two
/// compares. Which keys are listed only affects speed — `$body` sees the same key either way.
macro_rules! each_key {
    ($r:ident, [$($known:literal),* $(,)?], |$key:ident| $body:block) => {{
        let mut first = true;
        while $r.open_key(&mut first)? {
            let read;
            let start = $r.key_start();
            let $key: &str = if false {
                ""
            } $(else if start == $known.as_bytes()[0] && $r.take_key(concat!($known, "\"").as_bytes()) {
                $known
            })* else {
                read = $r.key_rest()?;
                &read
            };
            $r.key_colon()?;
            $body
        }
    }};
}

fn read_central<'a>(r: &mut Reader<'a>, c: &mut CentralContact<'a>) -> ReadResult<()> {
    each_key!(
        r,
        [
            "accountId",
            "businessAddress",
            "email",
            "firstName",
            "homeAddress",
            "id",
            "lastName",
            "mobile",
            "name",
            "status",
            "telephone",
            "title",
            "type",
            "version",
            "website",
        ],
        |key| {
            let field = match key {
                "id" => &mut c.id,
                "status" => &mut c.status,
                "title" => &mut c.title,
                "firstName" => &mut c.first_name,
                "lastName" => &mut c.last_name,
                "email" => &mut c.email,
                "mobile" => &mut c.mobile,
                "telephone" => &mut c.telephone,
                "website" => &mut c.website,
                "version" => &mut c.version,
                "accountId" => &mut c.account_id,
                "type" => &mut c.record_type,
                "name" => &mut c.name,
                "homeAddress" => {
                    read_address_field(r, &mut c.home_address)?;
                    continue;
                }
                "businessAddress" => {
                    read_address_field(r, &mut c.business_address)?;
                    continue;
                }
                _ => {
                    r.skip_value()?;
                    continue;
                }
            };
            read_trimmed(r, field)?;
        }
    );
    Ok(())
}

/// A Central address field: an object, nothing, or (anything else) invalid.
fn read_address_field<'a>(r: &mut Reader<'a>, field: &mut AddressField<'a>) -> ReadResult<()> {
    match r.peek() {
        Some(b'{') => {
            r.bump();
            *field = AddressField::Value(CentralAddress::default());
            if let AddressField::Value(a) = field {
                read_central_address(r, a)?;
            }
        }
        Some(b'[') => {
            r.skip_value()?;
            *field = AddressField::Invalid;
        }
        _ => {
            *field = match r.read_text()? {
                Text::Absent => AddressField::Absent,
                _ => AddressField::Invalid,
            }
        }
    }
    Ok(())
}

fn read_central_address<'a>(r: &mut Reader<'a>, a: &mut CentralAddress<'a>) -> ReadResult<()> {
    each_key!(
        r,
        ["country", "county", "line1", "line2", "line3", "postcode", "town"],
        |key| {
            let field = match key {
                "line1" => &mut a.line1,
                "line2" => &mut a.line2,
                "line3" => &mut a.line3,
                "town" => &mut a.town,
                "county" => &mut a.county,
                "country" => &mut a.country,
                "postcode" => &mut a.postcode,
                _ => {
                    r.skip_value()?;
                    continue;
                }
            };
            read_trimmed(r, field)?;
        }
    );
    Ok(())
}

fn read_outlook<'a>(r: &mut Reader<'a>, c: &mut OutlookContact<'a>) -> ReadResult<()> {
    each_key!(
        r,
        [
            "@odata.etag",
            "businessAddress",
            "businessHomePage",
            "businessPhones",
            "companyName",
            "createdDateTime",
            "displayName",
            "emailAddresses",
            "givenName",
            "homeAddress",
            "id",
            "mobilePhone",
            "parentFolderId",
            "singleValueExtendedProperties",
            "surname",
            "title",
        ],
        |key| {
            let field = match key {
                "id" => &mut c.id,
                "@odata.etag" => &mut c.etag,
                "title" => &mut c.title,
                "givenName" => &mut c.given_name,
                "surname" => &mut c.surname,
                "displayName" => &mut c.display_name,
                "mobilePhone" => &mut c.mobile_phone,
                "businessHomePage" => &mut c.business_home_page,
                "companyName" => &mut c.company_name,
                "createdDateTime" => &mut c.created,
                "parentFolderId" => &mut c.parent_folder_id,
                "emailAddresses" => {
                    let emails = &mut c.email_addresses;
                    emails.clear();
                    read_lenient_list(r, |r| {
                        emails.push(OutlookEmail::default());
                        match emails.last_mut() {
                            Some(e) => read_lenient_object(r, e, read_outlook_email),
                            None => Ok(()),
                        }
                    })?;
                    continue;
                }
                "businessPhones" => {
                    let phones = &mut c.business_phones;
                    phones.clear();
                    read_lenient_list(r, |r| {
                        phones.push(r.read_text()?);
                        Ok(())
                    })?;
                    continue;
                }
                "homeAddress" => {
                    read_lenient_object(r, &mut c.home_address, read_outlook_address)?;
                    continue;
                }
                "businessAddress" => {
                    read_lenient_object(r, &mut c.business_address, read_outlook_address)?;
                    continue;
                }
                "singleValueExtendedProperties" => {
                    c.central_id = read_central_id(r)?;
                    continue;
                }
                _ => {
                    r.skip_value()?;
                    continue;
                }
            };
            r.read_text_into(field)?;
        }
    );
    Ok(())
}

/// The value of the first extended property that is ours, when it is not blank.
fn read_central_id<'a>(r: &mut Reader<'a>) -> ReadResult<Option<Cow<'a, str>>> {
    let mut ours: Option<Text<'a>> = None;
    let mut p = ExtendedProperty::default();
    read_lenient_list(r, |r| {
        read_lenient_object(r, &mut p, read_extended_property)?;
        // The id as we write it is the common case, checked first.
        let id = p.id.as_str();
        if ours.is_none() && (id == CENTRAL_ID_PROPERTY || is_central_id_property(id)) {
            ours = Some(std::mem::take(&mut p.value));
        }
        Ok(())
    })?;
    Ok(match ours {
        Some(Text::Value(v)) if !v.trim().is_empty() => Some(v),
        _ => None,
    })
}

/// A Graph list: each element of an array is handed to `element` (which must read or skip
/// it); anything else reads as an empty list.
#[inline(always)]
fn read_lenient_list<'a>(
    r: &mut Reader<'a>,
    mut element: impl FnMut(&mut Reader<'a>) -> ReadResult<()>,
) -> ReadResult<()> {
    match r.peek() {
        Some(b'[') => {
            r.bump();
            let mut first = true;
            while r.next_element(&mut first)? {
                element(r)?;
            }
            Ok(())
        }
        Some(b'{') => r.skip_value(),
        // A scalar is still read (a number out of range is an error, as for any value read).
        _ => r.read_text().map(drop),
    }
}

/// A Graph object, read into `out` by `read` (after its `{`); `out` is reset to its default
/// first, and stays so when the value is not an object.
#[inline(always)]
fn read_lenient_object<'a, T: Default>(
    r: &mut Reader<'a>,
    out: &mut T,
    read: fn(&mut Reader<'a>, &mut T) -> ReadResult<()>,
) -> ReadResult<()> {
    *out = T::default();
    match r.peek() {
        Some(b'{') => {
            r.bump();
            read(r, out)
        }
        Some(b'[') => r.skip_value(),
        _ => r.read_text().map(drop),
    }
}

fn read_outlook_email<'a>(r: &mut Reader<'a>, e: &mut OutlookEmail<'a>) -> ReadResult<()> {
    each_key!(r, ["address", "name"], |key| {
        let field = match key {
            "name" => &mut e.name,
            "address" => &mut e.address,
            _ => {
                r.skip_value()?;
                continue;
            }
        };
        r.read_text_into(field)?;
    });
    Ok(())
}

fn read_outlook_address<'a>(r: &mut Reader<'a>, a: &mut OutlookAddress<'a>) -> ReadResult<()> {
    each_key!(
        r,
        ["city", "countryOrRegion", "postalCode", "state", "street"],
        |key| {
            let field = match key {
                "street" => &mut a.street,
                "city" => &mut a.city,
                "state" => &mut a.state,
                "countryOrRegion" => &mut a.country_or_region,
                "postalCode" => &mut a.postal_code,
                _ => {
                    r.skip_value()?;
                    continue;
                }
            };
            r.read_text_into(field)?;
        }
    );
    Ok(())
}

/// One entry of a Graph contact's `singleValueExtendedProperties`.
#[derive(Default)]
struct ExtendedProperty<'a> {
    id: Text<'a>,
    value: Text<'a>,
}

fn read_extended_property<'a>(r: &mut Reader<'a>, p: &mut ExtendedProperty<'a>) -> ReadResult<()> {
    each_key!(r, ["id", "value"], |key| {
        let field = match key {
            "id" => &mut p.id,
            "value" => &mut p.value,
            _ => {
                r.skip_value()?;
                continue;
            }
        };
        r.read_text_into(field)?;
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_for_the_records_is_estimated_from_their_size_and_grows_by_at_least_half() {
        // 32 records of 100 bytes read, 10,000 bytes left: 100 more, and 1/8 to spare.
        let mut out: Vec<u64> = vec![0; 32];
        reserve_for_the_rest(&mut out, 3_200, 10_000);
        assert_eq!(out.capacity(), 32 + 100 + 12 + 1);
        // Full again, the rest estimated at 2 records: it still grows by half what it holds.
        out.resize(out.capacity(), 0);
        let len = out.len();
        reserve_for_the_rest(&mut out, len * 100, 200);
        assert_eq!(out.capacity(), len + len / 2);
        // Never more than twice the remaining bytes in records, however small they seem.
        let mut out: Vec<[u8; 64]> = vec![[0; 64]; 32];
        reserve_for_the_rest(&mut out, 32, 6_400);
        assert_eq!(out.capacity(), 32 + 6_400 * 2 / 64);
    }

    #[test]
    fn top_level_must_be_an_array_of_objects() {
        assert!(parse_central(b"{}").is_err());
        assert!(parse_central(b"[1]").is_err());
        assert!(parse_central(b"[[\"C-1\"]]").is_err());
        assert!(parse_central(b"[null]").is_err());
        assert!(parse_central(b"not json").is_err());
        assert_eq!(parse_central(b"[]").unwrap().len(), 0);
    }

    #[test]
    fn central_fields_are_read_and_unknown_fields_ignored() {
        let json = br#"[{"id":"C-1","status":" Active ","firstName":"John","extra":{"x":[1]},
            "homeAddress":{"line1":"Flat 1","town":"Leeds","other":1},"businessAddress":null}]"#;
        let c = &parse_central(json).unwrap()[0];
        assert_eq!(c.id.as_str(), "C-1");
        assert!(c.is_active());
        assert_eq!(c.first_name.as_str(), "John");
        let AddressField::Value(home) = &c.home_address else {
            panic!("home address")
        };
        assert_eq!(home.town.as_str(), "Leeds");
        assert_eq!(c.business_address, AddressField::Absent);
        assert!(!c.has_invalid_field());
    }

    #[test]
    fn central_address_that_is_not_an_object_is_invalid() {
        let c = &parse_central(br#"[{"id":"C-1","homeAddress":"10 Long St"}]"#).unwrap()[0];
        assert_eq!(c.home_address, AddressField::Invalid);
        assert!(c.has_invalid_field());
        let c = &parse_central(br#"[{"id":"C-1","homeAddress":{"town":["x"]}}]"#).unwrap()[0];
        assert!(c.has_invalid_field());
    }

    #[test]
    fn outlook_contact_reads_collections_and_stored_central_id() {
        let json = br#"[{"@odata.etag":"W/\"x\"","id":"AAMk1","givenName":"John",
            "emailAddresses":[{"name":"John","address":"john@outlook.com"},{"address":"j@x.org"}],
            "businessPhones":["+44 20 7946 0000"],"homeAddress":{},"businessAddress":{"city":"York"},
            "singleValueExtendedProperties":[{"id":"String {3CCEEE99-16D4-4AE2-AD04-488106D3074B} name CentralContactId","value":"C-10023"}]}]"#;
        let o = &parse_outlook(json).unwrap()[0];
        assert_eq!(o.id.as_str(), "AAMk1");
        assert_eq!(o.primary_email(), "john@outlook.com");
        assert_eq!(o.email_addresses.len(), 2);
        assert_eq!(o.primary_business_phone(), "+44 20 7946 0000");
        assert_eq!(o.business_address.city.as_str(), "York");
        assert_eq!(o.central_id.as_deref(), Some("C-10023"));
    }

    #[test]
    fn extended_property_name_matches_case_sensitively() {
        assert!(is_central_id_property(CENTRAL_ID_PROPERTY));
        assert!(!is_central_id_property(
            "String {3cceee99-16d4-4ae2-ad04-488106d3074b} Name centralcontactid"
        ));
        assert!(!is_central_id_property(
            "String {00000000-16d4-4ae2-ad04-488106d3074b} Name CentralContactId"
        ));
    }

    #[test]
    fn outlook_values_of_the_wrong_shape_read_as_empty() {
        let json = br#"[{"id":"A","emailAddresses":"x@y.z","businessPhones":{"a":1},
            "homeAddress":[1],"singleValueExtendedProperties":[7,{"id":3}]},
            {"id":"B","emailAddresses":[5,{"address":"b@y.z"}]}]"#;
        let v = parse_outlook(json).unwrap();
        assert!(v[0].email_addresses.is_empty());
        assert!(v[0].business_phones.is_empty());
        assert_eq!(v[0].home_address, OutlookAddress::default());
        assert_eq!(v[0].central_id, None);
        assert_eq!(v[1].email_addresses.len(), 2);
        assert_eq!(v[1].primary_email(), "");
    }
}
