//! How a collectivité's agents sign in besides their directory's password:
//! ProConnect, opened by its referential admin (the platform's client must be
//! configured for the button to show).

use crate::audit::{self, Change};
use crate::error::Error;
use crate::store::repo::agents as rows;
use crate::store::TenantTx;

pub fn proconnect(tx: &mut TenantTx<'_>) -> Result<bool, Error> {
    Ok(rows::proconnect(tx)?)
}

/// Opens or closes ProConnect to the collectivité's agents; audited.
pub fn set_proconnect(tx: &mut TenantTx<'_>, actor: &str, on: bool) -> Result<(), Error> {
    let before = rows::proconnect(tx)?;
    if before == on {
        return Ok(());
    }
    rows::set_proconnect(tx, on)?;
    audit::record(
        tx,
        Change {
            actor,
            action: "sign-in.proconnect",
            object_type: "collectivite",
            object_id: "connexion-des-agents",
            before: Some(serde_json::json!({ "proconnect": before })),
            after: Some(serde_json::json!({ "proconnect": on })),
        },
    )?;
    Ok(())
}
