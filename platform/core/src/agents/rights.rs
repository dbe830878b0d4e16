//! Who may do what in the back office: the rule, and its loading from the store.
//!
//! An agent reaches the back office through the directory groups `admin` or
//! `agent`; a member of `admin` has the profile `admin`. Rights are given per category of téléservices: none, read
//! (consultation), write (modification) or manage (management: configuration
//! and statistics too). Without an explicit right on a category, the agent's
//! profile gives the default: `agent` none, `manager` read; an `admin` manages
//! everything. A téléservice outside every category is for admins only.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::agents::groups;
use crate::store::repo::{agents, groups as group_rows, rights as rows, teleservices};
use crate::store::{StoreError, TenantTx};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    None,
    Read,
    Write,
    Manage,
}

impl Access {
    pub const ALL: [Access; 4] = [Access::None, Access::Read, Access::Write, Access::Manage];

    pub fn as_str(self) -> &'static str {
        match self {
            Access::None => "none",
            Access::Read => "read",
            Access::Write => "write",
            Access::Manage => "manage",
        }
    }

    pub fn parse(s: &str) -> Option<Access> {
        Access::ALL.into_iter().find(|a| a.as_str() == s)
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Access::None => "aucun accès",
            Access::Read => "consultation",
            Access::Write => "modification",
            Access::Manage => "gestion",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    Agent,
    Manager,
    Admin,
}

impl Profile {
    pub const ALL: [Profile; 3] = [Profile::Agent, Profile::Manager, Profile::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Agent => "agent",
            Profile::Manager => "manager",
            Profile::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Profile> {
        Profile::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Profile::Agent => "agent",
            Profile::Manager => "responsable",
            Profile::Admin => "administrateur",
        }
    }

    /// The right on a category where none was given explicitly.
    pub fn default_access(self) -> Access {
        match self {
            Profile::Agent => Access::None,
            Profile::Manager => Access::Read,
            Profile::Admin => Access::Manage,
        }
    }
}

/// What an agent may do to a téléservice (its requests, its settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// See its requests and their documents.
    Consult,
    /// Process its requests: states, notes, data, courriers.
    Process,
    /// Change its settings: courriers types, alerts, seasons, paramètres.
    Configure,
    /// Read its statistics and export them.
    Statistics,
}

impl Action {
    pub const ALL: [Action; 4] = [
        Action::Consult,
        Action::Process,
        Action::Configure,
        Action::Statistics,
    ];

    pub fn required(self) -> Access {
        match self {
            Action::Consult => Access::Read,
            Action::Process => Access::Write,
            Action::Configure | Action::Statistics => Access::Manage,
        }
    }
}

/// Everything the rule needs to know about one agent.
#[derive(Debug, Clone)]
pub struct AgentRights {
    pub profile: Profile,
    /// Member of the `admin` or `agent` group.
    pub back_office: bool,
    /// Explicit rights, by category id.
    pub explicit: HashMap<i64, Access>,
}

impl AgentRights {
    /// The agent's right on a category (`None`: a téléservice outside every category).
    pub fn access(&self, category: Option<i64>) -> Access {
        if !self.back_office {
            return Access::None;
        }
        if self.profile == Profile::Admin {
            return Access::Manage;
        }
        match category {
            None => Access::None,
            Some(c) => self
                .explicit
                .get(&c)
                .copied()
                .unwrap_or(self.profile.default_access()),
        }
    }

    /// The rule: may this agent do `action` on a téléservice of `category`?
    /// The answer is a [`Permit`] that the services doing it require.
    pub fn permit(&self, action: Action, category: Option<i64>) -> Result<Permit, Denied> {
        if self.access(category) >= action.required() {
            Ok(Permit { action, category })
        } else {
            Err(Denied)
        }
    }
}

/// Proof that an agent may do `action` on téléservices of `category`: made
/// only by [`AgentRights::permit`], required by the services that act.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permit {
    action: Action,
    category: Option<i64>,
}

impl Permit {
    pub fn action(&self) -> Action {
        self.action
    }

    pub fn category(&self) -> Option<i64> {
        self.category
    }
}

/// The rule said no.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("droit insuffisant")]
pub struct Denied;

/// Loads an agent's rights; `None` when the collectivité has no such agent.
pub fn load(tx: &mut TenantTx<'_>, uid: &str) -> Result<Option<AgentRights>, StoreError> {
    let Some((agent_id, profile)) = agents::id_and_profile(tx, uid)? else {
        return Ok(None);
    };
    let back_office = group_rows::is_member_of_any(tx, agent_id, &[groups::ADMIN, groups::AGENT])?;
    // A member of `admin` added in the directory itself is an administrator.
    let admin = group_rows::is_member_of_any(tx, agent_id, &[groups::ADMIN])?;
    let explicit = rows::of_agent(tx, agent_id)?
        .into_iter()
        .filter_map(|(c, a)| Some((c, Access::parse(&a)?)))
        .collect();
    Ok(Some(AgentRights {
        profile: if admin {
            Profile::Admin
        } else {
            Profile::parse(&profile).unwrap_or(Profile::Agent)
        },
        back_office,
        explicit,
    }))
}

/// May agent `uid` do `action` on the téléservice `code`? Denied for an
/// unknown agent or téléservice.
pub fn permit(
    tx: &mut TenantTx<'_>,
    uid: &str,
    action: Action,
    teleservice_code: &str,
) -> Result<Result<Permit, Denied>, StoreError> {
    let Some(category) = teleservices::category_of(tx, teleservice_code)? else {
        return Ok(Err(Denied));
    };
    Ok(match load(tx, uid)? {
        Some(rights) => rights.permit(action, category),
        None => Err(Denied),
    })
}

/// The e-mail addresses of the agents who process requests of a category
/// (a right « modification » or more given on it): whom a new request is
/// announced to. Administrators, who may do everything everywhere, are not
/// told of every request.
pub fn agent_emails(tx: &mut TenantTx<'_>, category: i64) -> Result<Vec<String>, StoreError> {
    // Every agent (a collectivité has tens of them; this runs at submission
    // only when the collectivité asks for the notice).
    let all: Vec<(String, String)> = agents::search(tx, "", i64::MAX)?
        .into_iter()
        .map(|a| (a.uid, a.email))
        .collect();
    let mut out = Vec::new();
    for (uid, email) in all {
        if email.is_empty() {
            continue;
        }
        if load(tx, &uid)?.is_some_and(|r| {
            r.back_office
                && r.explicit
                    .get(&category)
                    .is_some_and(|a| *a >= Access::Write)
        }) {
            out.push(email);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole matrix: profile × back-office membership × explicit right
    /// (or none given) × action × téléservice in the category, in another
    /// category, or in none.
    #[test]
    fn whole_matrix() {
        const CAT: i64 = 1;
        const OTHER: i64 = 2;
        let explicit_choices: Vec<Option<Access>> =
            std::iter::once(None).chain(Access::ALL.map(Some)).collect();
        let mut checked = 0;
        for profile in Profile::ALL {
            for back_office in [false, true] {
                for explicit in &explicit_choices {
                    let rights = AgentRights {
                        profile,
                        back_office,
                        explicit: explicit.iter().map(|a| (CAT, *a)).collect(),
                    };
                    for action in Action::ALL {
                        for category in [Some(CAT), Some(OTHER), None] {
                            let expected_access = if !back_office {
                                Access::None
                            } else if profile == Profile::Admin {
                                Access::Manage
                            } else {
                                match category {
                                    None => Access::None,
                                    Some(CAT) => explicit.unwrap_or(profile.default_access()),
                                    Some(_) => profile.default_access(),
                                }
                            };
                            let expected = match action {
                                Action::Consult => expected_access != Access::None,
                                Action::Process => {
                                    matches!(expected_access, Access::Write | Access::Manage)
                                }
                                Action::Configure | Action::Statistics => {
                                    expected_access == Access::Manage
                                }
                            };
                            assert_eq!(
                                rights.permit(action, category).is_ok(),
                                expected,
                                "{profile:?} back_office={back_office} explicit={explicit:?} {action:?} {category:?}"
                            );
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(checked, 3 * 2 * 5 * 4 * 3);
    }

    #[test]
    fn examples_read_as_the_guide_says() {
        let reader = AgentRights {
            profile: Profile::Agent,
            back_office: true,
            explicit: [(7, Access::Read)].into(),
        };
        assert!(reader.permit(Action::Consult, Some(7)).is_ok());
        assert!(reader.permit(Action::Process, Some(7)).is_err());
        assert!(
            reader.permit(Action::Consult, Some(8)).is_err(),
            "no link: no access"
        );
        let manager = AgentRights {
            profile: Profile::Manager,
            back_office: true,
            explicit: [(7, Access::None)].into(),
        };
        assert!(
            manager.permit(Action::Consult, Some(7)).is_err(),
            "explicit none wins"
        );
        assert!(manager.permit(Action::Consult, Some(8)).is_ok());
        assert!(manager.permit(Action::Statistics, Some(8)).is_err());
    }

    #[test]
    fn names_round_trip() {
        for a in Access::ALL {
            assert_eq!(Access::parse(a.as_str()), Some(a));
        }
        for p in Profile::ALL {
            assert_eq!(Profile::parse(p.as_str()), Some(p));
        }
        assert_eq!(Access::parse("admin"), None);
    }
}
