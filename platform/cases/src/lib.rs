//! Guichet's cases: a request's life, from filing (`requests`) through the
//! agents' work on it (`casework`) and the letters it brings (`courriers`), to
//! the figures it feeds (`statistics`). These contexts stand on those of the
//! core (the collectivité, its agents, its offer, the foyers, payments); none
//! of the core's calls up into them (see docs/adr/0008-bounded-contexts.md).

pub mod casework;
pub mod courriers;
pub mod registry;
pub mod requests;
pub mod statistics;

// The core's contexts and foundations under the names the core gives them,
// so that a module reads the same on either side of the crate line.
use guichet_core::{
    agents, catalogue, collectivite, directory, domain, error, facilities, files, foyers, history,
    jobs, justificatifs, mail, payments, pdf, sms, store, tenancy,
};
