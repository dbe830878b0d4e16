//! Who hosts the platform, as its operator configured it
//! (`GUICHET_HOSTING`): said in every collectivité's default legal notice.

use guichet_core::collectivite::legal::Context;

#[derive(Debug, Clone, Default)]
pub struct Hosting(pub Option<String>);

impl Hosting {
    /// What the default texts draw from, for the portal at `site`.
    pub fn context(&self, site: String) -> Context {
        Context {
            site,
            hosting: self.0.clone(),
        }
    }
}
