//! The demo collectivité's content: enough to click through every page.

use guichet_core::directory::{Directory, FacilityKind};
use guichet_core::provisioning::agents::{self, AgentInput};
use guichet_core::provisioning::authorities::{self, AuthorityInput};
use guichet_core::provisioning::facilities::{self, FacilityInput};
use guichet_core::provisioning::{categories, groups, ProvisioningError};
use guichet_core::store::Store;

use crate::commands::{DEMO_ADMIN_PASSWORD, DEMO_NAME, DEMO_SLUG};

const ACTOR: &str = "guichet demo";

pub fn populate(store: &Store, directory: &Directory, port: u16) -> Result<(), ProvisioningError> {
    let (tenant, _) = authorities::create(
        store,
        directory,
        ACTOR,
        port,
        AuthorityInput {
            slug: DEMO_SLUG.into(),
            name: DEMO_NAME.into(),
            postal_address: "1 place de la Mairie\n00000 Démo".into(),
            contact_email: "mairie@demo.localhost.fr".into(),
            admin: Some(AgentInput {
                first_name: "Camille".into(),
                last_name: "Martin".into(),
                email: "camille.martin@demo.localhost.fr".into(),
                password: Some(DEMO_ADMIN_PASSWORD.into()),
                groups: vec![groups::ADMIN.into()],
                profile: Some("admin".into()),
                ..AgentInput::default()
            }),
            ..AuthorityInput::default()
        },
    )?;
    let link_base = tenant.public_url(port);
    for (first, last, profile, group) in [
        ("Léa", "Bernard", "agent", groups::AGENT),
        ("Hugo", "Petit", "manager", groups::AGENT),
    ] {
        agents::create(
            store,
            directory,
            &tenant,
            ACTOR,
            &link_base,
            AgentInput {
                first_name: first.into(),
                last_name: last.into(),
                email: format!(
                    "{}@demo.localhost.fr",
                    guichet_core::provisioning::uid::base(first, last)
                ),
                profile: Some(profile.into()),
                groups: vec![group.into()],
                password: Some(DEMO_ADMIN_PASSWORD.into()),
                ..AgentInput::default()
            },
        )?;
    }
    for (kind, name, address) in [
        (
            FacilityKind::School,
            "École élémentaire Jules-Ferry",
            "3 rue des Écoles",
        ),
        (
            FacilityKind::School,
            "École maternelle Les Tilleuls",
            "12 allée des Tilleuls",
        ),
        (
            FacilityKind::RecreationCenter,
            "Centre de loisirs du Parc",
            "Parc municipal",
        ),
    ] {
        facilities::create(
            store,
            directory,
            &tenant,
            ACTOR,
            kind,
            FacilityInput {
                name: name.into(),
                address: address.into(),
                ..FacilityInput::default()
            },
        )?;
    }
    store.write(tenant.id, |tx| {
        for (name, codes) in [
            (
                "Enfance et scolarité",
                &[
                    "school-registration",
                    "school-canteen-registration",
                    "perischool-activity-registration",
                ][..],
            ),
            (
                "État civil",
                &["birth-details", "marriage-details", "death-details"][..],
            ),
        ] {
            let c = categories::create(tx, ACTOR, name)?;
            for code in codes {
                categories::set_teleservice_category(tx, ACTOR, code, Some(c.id))?;
            }
            categories::set_right(tx, ACTOR, c.id, "lea.bernard", "write")?;
        }
        Ok(())
    })
}
