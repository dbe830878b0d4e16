//! The provisioning plane, on its own listener: platform super-admins manage
//! the collectivités; each collectivité's referential admin manages its
//! agents, écoles, centres de loisirs, categories and rights. HTML pages for
//! people, a JSON API under `/api/` for scripts.

mod api;
mod auth;
mod pages;
pub mod routes;

use actix_web::web;
use guichet_web::Renderer;
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "templates/"]
struct Templates;

pub fn templates(renderer: &mut Renderer) {
    renderer.add::<Templates>();
}

/// State of this plane.
pub struct Provisioning {
    /// Port of the public listener, for the links mailed to new agents.
    local_port: u16,
    /// The platform has a ProConnect client for the agents.
    proconnect: bool,
}

impl Provisioning {
    pub fn new(local_port: u16) -> Provisioning {
        Provisioning {
            local_port,
            proconnect: false,
        }
    }

    /// With the platform's ProConnect client configured.
    pub fn with_proconnect(mut self, on: bool) -> Provisioning {
        self.proconnect = on;
        self
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.configure(api::configure);
    routes::table().register(cfg);
}
