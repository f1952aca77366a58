//! Record types and their folders (DESIGN §4, §7): a Central record is a contact, an
//! individual or an account; individuals may have an Outlook folder of their own and accounts
//! one to be synced into (`folders`), and an Outlook contact takes the type of its folder.

use serde::{Deserialize, Serialize};
use tsify::Tsify;

/// A record's type, as the plan's items and the ledger's entries name it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub enum Kind {
    /// A person at an account (Central's default).
    #[default]
    Contact,
    /// A private person, who has no company.
    Individual,
    /// An organisation (Central's accounts), written to Outlook as a contact of its name.
    Account,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Contact, Kind::Individual, Kind::Account];

    /// The name Central and the ledger use (`type`, `kind`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Contact => "contact",
            Kind::Individual => "individual",
            Kind::Account => "account",
        }
    }

    /// The type a name gives: "individual" or "account" (trimmed, any case), else a contact.
    pub fn of_name(name: &str) -> Kind {
        let name = name.trim();
        if name.eq_ignore_ascii_case("individual") {
            Kind::Individual
        } else if name.eq_ignore_ascii_case("account") {
            Kind::Account
        } else {
            Kind::Contact
        }
    }

    /// A person (a contact or an individual), as opposed to an account.
    pub fn is_person(self) -> bool {
        self != Kind::Account
    }
}

/// Which types have a folder of their own beside the contacts' (what planning needs of
/// [`Folders`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TypeFolders {
    pub individual: bool,
    pub account: bool,
}

impl TypeFolders {
    /// Whether any type has a folder of its own: then a record's type decides its folder, and
    /// a contact's folder its type.
    pub fn typed(self) -> bool {
        self.individual || self.account
    }

    /// The folder (as its type) records of `kind` go to: individuals without a folder of their
    /// own go to the contacts'.
    pub fn slot(self, kind: Kind) -> Kind {
        match kind {
            Kind::Individual if !self.individual => Kind::Contact,
            kind => kind,
        }
    }
}

/// The Outlook folder of each type (`folders`): contacts always; individuals in a folder of
/// their own when one is given, else with the contacts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Folders {
    pub contact: String,
    #[serde(default)]
    #[tsify(optional)]
    pub individual: Option<String>,
    /// Accounts are synced only when they have a folder.
    #[serde(default)]
    #[tsify(optional)]
    pub account: Option<String>,
}

impl Folders {
    /// One folder for every type.
    pub fn single(contact: &str) -> Folders {
        Folders {
            contact: contact.to_owned(),
            individual: None,
            account: None,
        }
    }

    /// Which types have a folder of their own.
    pub fn types(&self) -> TypeFolders {
        TypeFolders {
            individual: self.individual.is_some(),
            account: self.account.is_some(),
        }
    }

    /// Whether any type has a folder of its own ([`TypeFolders::typed`]).
    pub fn typed(&self) -> bool {
        self.types().typed()
    }

    /// The folder records of `kind` are written to (accounts: `""` when they have none, and
    /// then they are not synced).
    pub fn folder(&self, kind: Kind) -> &str {
        match (kind, &self.individual, &self.account) {
            (Kind::Individual, Some(folder), _) | (Kind::Account, _, Some(folder)) => folder,
            (Kind::Account, _, None) => "",
            _ => &self.contact,
        }
    }

    /// The folder of a record, as its type ([`TypeFolders::slot`]).
    pub fn slot(&self, kind: Kind) -> Kind {
        self.types().slot(kind)
    }

    /// The type of a contact in folder `folder_id`: that folder's type, else a contact.
    pub fn kind_of(&self, folder_id: &str) -> Kind {
        self.ids()
            .into_iter()
            .find(|(id, _)| *id == folder_id)
            .map_or(Kind::Contact, |(_, kind)| kind)
    }

    /// Every folder read for a plan, contacts' first.
    pub fn ids(&self) -> Vec<(&str, Kind)> {
        let mut ids = vec![(self.contact.as_str(), Kind::Contact)];
        if let Some(folder) = &self.individual {
            ids.push((folder, Kind::Individual));
        }
        if let Some(folder) = &self.account {
            ids.push((folder, Kind::Account));
        }
        ids
    }

    /// `Err` naming the problem: a blank folder id, or one folder for two types.
    pub fn check(&self) -> Result<(), String> {
        if self.contact.trim().is_empty() {
            return Err("folders.contact must name a contacts folder".into());
        }
        let mut seen = vec![(&self.contact, "contacts")];
        for (folder, name, kind) in [
            (&self.individual, "individual", "individuals"),
            (&self.account, "account", "accounts"),
        ] {
            let Some(folder) = folder else { continue };
            if folder.trim().is_empty() {
                return Err(format!(
                    "folders.{name} must name a contacts folder, or be left out"
                ));
            }
            if let Some((_, other)) = seen.iter().find(|(f, _)| *f == folder) {
                return Err(format!(
                    "folders.{name} is the {other}' folder: give {kind} a folder of their own, or leave it out"
                ));
            }
            seen.push((folder, kind));
        }
        Ok(())
    }
}

/// The key a record's or contact's normalised email is linked by: the email itself in the
/// contacts' folder, and marked with the folder in the individuals' — emails link within one
/// folder (DESIGN §4). No valid email holds a NUL, so no email reads as a marked one.
pub fn email_key(slot: Kind, email: &str) -> std::borrow::Cow<'_, str> {
    match slot {
        Kind::Contact => std::borrow::Cow::Borrowed(email),
        Kind::Individual => std::borrow::Cow::Owned(format!("\0i{email}")),
        Kind::Account => std::borrow::Cow::Owned(format!("\0a{email}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_per_type() {
        let one = Folders::single("F");
        assert!(!one.typed());
        assert_eq!(one.folder(Kind::Individual), "F");
        assert_eq!(one.slot(Kind::Individual), Kind::Contact);
        assert_eq!(one.kind_of("F"), Kind::Contact);
        assert_eq!(one.ids(), vec![("F", Kind::Contact)]);
        let two = Folders {
            contact: "F".into(),
            individual: Some("I".into()),
            account: None,
        };
        assert!(two.typed());
        assert_eq!(two.folder(Kind::Individual), "I");
        assert_eq!(two.kind_of("I"), Kind::Individual);
        assert_eq!(two.kind_of("other"), Kind::Contact);
        assert_eq!(
            two.ids(),
            vec![("F", Kind::Contact), ("I", Kind::Individual)]
        );
        assert!(two.check().is_ok());
        let same = Folders {
            contact: "F".into(),
            individual: Some("F".into()),
            account: None,
        };
        assert!(same.check().unwrap_err().contains("folder of their own"));
        let three = Folders {
            account: Some("A".into()),
            ..two.clone()
        };
        assert_eq!(three.kind_of("A"), Kind::Account);
        assert_eq!(three.folder(Kind::Account), "A");
        assert_eq!(one.folder(Kind::Account), "");
        let clash = Folders {
            account: Some("I".into()),
            ..two
        };
        assert!(clash.check().unwrap_err().contains("individuals' folder"));
    }
}
