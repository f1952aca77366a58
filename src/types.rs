//! TypeScript declarations of the plan's inputs, generated from these Rust descriptions of
//! the wire formats (the engine reads the same fields in `engine::input`).

#![allow(dead_code)]

use serde::Serialize;
use tsify::Tsify;

/// A contact as Central sends it (DESIGN §2). Every field but `id` may be missing or null;
/// unknown fields are ignored.
#[derive(Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct CentralContact {
    #[tsify(type = "string | number")]
    id: (),
    #[tsify(type = "string | null", optional)]
    status: (),
    #[tsify(type = "string | null", optional)]
    title: (),
    #[tsify(type = "string | null", optional)]
    first_name: (),
    #[tsify(type = "string | null", optional)]
    last_name: (),
    #[tsify(type = "string | null", optional)]
    email: (),
    #[tsify(type = "string | null", optional)]
    mobile: (),
    #[tsify(type = "string | null", optional)]
    telephone: (),
    #[tsify(type = "string | null", optional)]
    website: (),
    #[tsify(type = "CentralAddress | null", optional)]
    home_address: (),
    #[tsify(type = "CentralAddress | null", optional)]
    business_address: (),
}

/// A postal address as Central sends it.
#[derive(Serialize, Tsify)]
pub struct CentralAddress {
    #[tsify(type = "string | null", optional)]
    line1: (),
    #[tsify(type = "string | null", optional)]
    line2: (),
    #[tsify(type = "string | null", optional)]
    line3: (),
    #[tsify(type = "string | null", optional)]
    town: (),
    #[tsify(type = "string | null", optional)]
    county: (),
    #[tsify(type = "string | null", optional)]
    country: (),
    #[tsify(type = "string | null", optional)]
    postcode: (),
}

/// An Outlook contact as Graph returns it (other properties, `@odata.*` included, are ignored).
#[derive(Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct OutlookContact {
    #[tsify(type = "string")]
    id: (),
    #[tsify(type = "string | null", optional)]
    title: (),
    #[tsify(type = "string | null", optional)]
    given_name: (),
    #[tsify(type = "string | null", optional)]
    surname: (),
    #[tsify(type = "string | null", optional)]
    display_name: (),
    #[tsify(type = "string | null", optional)]
    mobile_phone: (),
    #[tsify(type = "string | null", optional)]
    business_home_page: (),
    #[tsify(type = "{ name?: string | null; address?: string | null }[]", optional)]
    email_addresses: (),
    #[tsify(type = "string[]", optional)]
    business_phones: (),
    #[tsify(type = "OutlookAddress", optional)]
    home_address: (),
    #[tsify(type = "OutlookAddress", optional)]
    business_address: (),
    /// Holds the stored Central id under `id` = the `CentralContactId` property id.
    #[tsify(type = "{ id: string; value: string | null }[]", optional)]
    single_value_extended_properties: (),
}

/// A postal address as Graph returns it.
#[derive(Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct OutlookAddress {
    #[tsify(type = "string | null", optional)]
    street: (),
    #[tsify(type = "string | null", optional)]
    city: (),
    #[tsify(type = "string | null", optional)]
    state: (),
    #[tsify(type = "string | null", optional)]
    country_or_region: (),
    #[tsify(type = "string | null", optional)]
    postal_code: (),
}
