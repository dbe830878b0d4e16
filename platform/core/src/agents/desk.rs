//! An agent at work in the back office: who they are and the categories
//! they may reach, made once from their rights.

use crate::error::Error;
use crate::store::repo::categories;
use crate::store::TenantTx;

use super::rights::{self, Access, AgentRights};

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
