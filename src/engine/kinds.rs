//! Record types and their folders (DESIGN §4, §7): a Central record is a contact or an
//! individual; each type may have an Outlook folder of its own (`folders`), and an Outlook
//! contact takes the type of the folder it is in.

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
}

impl Kind {
    pub const ALL: [Kind; 2] = [Kind::Contact, Kind::Individual];

    /// The name Central and the ledger use (`type`, `kind`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Contact => "contact",
            Kind::Individual => "individual",
        }
    }

    /// The type a name gives: "individual" (trimmed, any case), else a contact.
    pub fn of_name(name: &str) -> Kind {
        if name.trim().eq_ignore_ascii_case("individual") {
            Kind::Individual
        } else {
            Kind::Contact
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
}

impl Folders {
    /// One folder for every type.
    pub fn single(contact: &str) -> Folders {
        Folders {
            contact: contact.to_owned(),
            individual: None,
        }
    }

    /// Whether individuals have a folder of their own: only then does a record's type decide
    /// its folder, and moving a contact between the two folders change its type.
    pub fn typed(&self) -> bool {
        self.individual.is_some()
    }

    /// The folder records of `kind` are written to.
    pub fn folder(&self, kind: Kind) -> &str {
        match (kind, &self.individual) {
            (Kind::Individual, Some(folder)) => folder,
            _ => &self.contact,
        }
    }

    /// The folder of a record: its type's when individuals have a folder, else the contacts'.
    pub fn slot(&self, kind: Kind) -> Kind {
        if self.typed() {
            kind
        } else {
            Kind::Contact
        }
    }

    /// The type of a contact in folder `folder_id`: individual in the individuals' folder,
    /// else a contact.
    pub fn kind_of(&self, folder_id: &str) -> Kind {
        match &self.individual {
            Some(folder) if folder == folder_id => Kind::Individual,
            _ => Kind::Contact,
        }
    }

    /// Every folder read for a plan, contacts' first, each once.
    pub fn ids(&self) -> Vec<(&str, Kind)> {
        let mut ids = vec![(self.contact.as_str(), Kind::Contact)];
        if let Some(folder) = self.individual.as_deref().filter(|f| *f != self.contact) {
            ids.push((folder, Kind::Individual));
        }
        ids
    }

    /// `Err` naming the problem: a blank folder id, or one folder for two types.
    pub fn check(&self) -> Result<(), String> {
        if self.contact.trim().is_empty() {
            return Err("folders.contact must name a contacts folder".into());
        }
        match self.individual.as_deref() {
            Some(f) if f.trim().is_empty() => {
                Err("folders.individual must name a contacts folder, or be left out".into())
            }
            Some(f) if f == self.contact => Err(
                "folders.individual is the contacts' folder: give individuals a folder of their own, or leave it out"
                    .into(),
            ),
            _ => Ok(()),
        }
    }
}

/// The key a record's or contact's normalised email is linked by: the email itself in the
/// contacts' folder, and marked with the folder in the individuals' — emails link within one
/// folder (DESIGN §4). No valid email holds a NUL, so no email reads as a marked one.
pub fn email_key(slot: Kind, email: &str) -> std::borrow::Cow<'_, str> {
    match slot {
        Kind::Contact => std::borrow::Cow::Borrowed(email),
        Kind::Individual => std::borrow::Cow::Owned(format!("\0i{email}")),
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
        };
        assert!(same.check().unwrap_err().contains("folder of their own"));
    }
}
