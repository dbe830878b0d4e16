//! An agent at work in the back office: who they are and the categories
//! they may reach, made once from their rights.

use crate::error::Error;
use crate::store::repo::{categories, foyers};
use crate::store::TenantTx;

use super::rights::{self, Access, Action, AgentRights, Profile};

/// An agent at work: who they are and what they may reach.
#[derive(Debug, Clone)]
pub struct Desk {
    pub agent_id: i64,
    pub name: String,
    pub rights: AgentRights,
    /// The categories they may read; `None`: all (an administrator).
    pub readable: Option<Vec<i64>>,
}

/// The agent's desk; `NotFound` when the agent is gone. An agent outside the
/// back office's groups (a referential admin only) reaches no request.
pub fn desk(tx: &mut TenantTx<'_>, agent_id: i64) -> Result<Desk, Error> {
    let agent = super::get_by_id(tx, agent_id)?.ok_or(Error::NotFound)?;
    let rights = rights::load(tx, &agent.uid)?.ok_or(Error::NotFound)?;
    let readable = if !rights.back_office {
        Some(Vec::new())
    } else if rights.access(None) >= Access::Read {
        None
    } else {
        Some(
            categories::list(tx)?
                .into_iter()
                .map(|c| c.id)
                .filter(|c| rights.access(Some(*c)) >= Access::Read)
                .collect(),
        )
    };
    Ok(Desk {
        agent_id,
        name: format!("{} {}", agent.first_name, agent.last_name),
        rights,
        readable,
    })
}

impl Desk {
    /// Agents who reach requests reach their foyers.
    pub fn may_see_foyers(&self) -> bool {
        self.rights.back_office && self.readable.as_ref().is_none_or(|c| !c.is_empty())
    }

    /// Agents who may process requests in some category (or administrators):
    /// they serve families at the counter, where anyone may come, so every
    /// foyer is within their reach.
    pub fn serves_the_counter(&self) -> bool {
        self.rights.back_office
            && (self.rights.profile == Profile::Admin
                || self.rights.explicit.values().any(|a| *a >= Access::Write)
                || self.rights.profile.default_access() >= Access::Write)
    }

    /// The categories whose requests bring their foyers within reach;
    /// `None`: every foyer (the counter's agents).
    pub fn foyer_scope(&self) -> Option<Vec<i64>> {
        if self.serves_the_counter() {
            None
        } else {
            Some(self.readable.clone().unwrap_or_default())
        }
    }

    /// Changing a foyer's state or account: an administrator, or an agent
    /// who may process one of the foyer's requests.
    pub fn may_change(&self, tx: &mut TenantTx<'_>, household: i64) -> Result<bool, Error> {
        if !self.rights.back_office {
            return Ok(false);
        }
        if self.rights.profile == Profile::Admin {
            return Ok(true);
        }
        Ok(foyers::request_categories(tx, household)?
            .into_iter()
            .any(|c| self.rights.access(c) >= Access::Write))
    }
}

impl Desk {
    /// This desk narrowed to the categories whose statistics and whole
    /// exports the agent may read: those they manage (the rights table's
    /// rule); `NotFound` when there is none.
    pub fn for_statistics(&self, tx: &mut TenantTx<'_>) -> Result<Desk, Error> {
        if !self.configures_some() {
            return Err(Error::NotFound);
        }
        let readable = if self.rights.permit(Action::Statistics, None).is_ok() {
            None
        } else {
            Some(
                categories::list(tx)?
                    .into_iter()
                    .map(|c| c.id)
                    .filter(|c| self.rights.permit(Action::Statistics, Some(*c)).is_ok())
                    .collect(),
            )
        };
        Ok(Desk {
            readable,
            ..self.clone()
        })
    }
}
