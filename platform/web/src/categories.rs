//! The categories of téléservices and the agents' rights on them, as pages:
//! the list (with the creation form) and one page per category (its name
//! and address, its téléservices, the rights table, its deletion). The
//! provisioning plane (referential administrators) and the back office (the
//! collectivité's administrators) show the same pages through the same core
//! services; each gives its addresses (`base`), its layout and its checks of
//! who may come.

use std::collections::HashMap;

use guichet_core::agents;
use guichet_core::agents::groups;
use guichet_core::agents::rights::{Access, Profile};
use guichet_core::catalogue::categories::{self, Category};
use guichet_core::store::{StoreError, TenantTx};
use serde::Serialize;

use crate::forms::{sealed, Field, Form, Section};
use crate::Layout;

/// The templates.
pub const LIST: &str = "categories/list";
pub const DETAIL: &str = "categories/detail";

/// Prefix of the rights table's selects: `droit:<uid>`.
const RIGHT: &str = "droit:";

#[derive(Serialize)]
pub struct Row {
    id: i64,
    name: String,
    email: String,
    teleservices: String,
}

#[derive(Serialize)]
pub struct ListPage {
    layout: Layout,
    base: String,
    categories: Vec<Row>,
    form: Form,
}

/// The categories with their téléservices' labels, for the list.
pub fn rows(tx: &mut TenantTx<'_>) -> Result<Vec<Row>, StoreError> {
    let (found, services) = (categories::list(tx)?, categories::teleservices(tx)?);
    let label = |code: &str| {
        services
            .iter()
            .find(|s| s.code == code)
            .map_or_else(|| code.to_owned(), |s| s.label.clone())
    };
    Ok(found
        .into_iter()
        .map(|c| Row {
            teleservices: c
                .teleservices
                .iter()
                .map(|s| label(s))
                .collect::<Vec<_>>()
                .join(", "),
            id: c.id,
            name: c.name,
            email: c.email,
        })
        .collect())
}

fn fields(name: &str, email: &str, name_label: &str) -> Vec<Section> {
    vec![Section::plain(vec![
        Field::text("name", name_label, name)
            .autocomplete("off")
            .hint("Par exemple : Enfance et scolarité"),
        Field::email("email", "Adresse électronique du service (facultatif)", email)
            .autocomplete("off")
            .hint("Les courriers la donnent aux foyers ({{RQ_CAT_EMAIL}}) ; sans elle, l’adresse de contact de la collectivité sert."),
    ])]
}

pub fn create_form(base: &str, csrf_token: String, name: &str, email: &str) -> Form {
    Form::new(
        base,
        csrf_token,
        "Créer la catégorie",
        fields(name, email, "Nom de la nouvelle catégorie"),
    )
    .with_id("nouvelle-categorie")
}

pub fn edit_form(base: &str, id: i64, csrf_token: String, name: &str, email: &str) -> Form {
    Form::new(
        &format!("{base}/{id}/modifier"),
        csrf_token,
        "Enregistrer le nom et l’adresse",
        fields(name, email, "Nom de la catégorie"),
    )
    .with_id("modifier")
}

/// The list page; a refused creation form titles it « Erreur ».
pub fn list_page(mut layout: Layout, base: &str, categories: Vec<Row>, form: Form) -> ListPage {
    let form = sealed(form);
    if form.has_errors() {
        layout.refused();
    }
    ListPage {
        layout,
        base: base.to_owned(),
        categories,
        form,
    }
}

#[derive(Serialize)]
struct ServiceRow {
    code: String,
    label: String,
    here: bool,
    /// The other category it is in.
    other_category: Option<String>,
    active: bool,
}

#[derive(Serialize)]
struct Choice {
    value: &'static str,
    label: String,
    selected: bool,
}

#[derive(Serialize)]
struct RightRow {
    uid: String,
    name: String,
    profile: &'static str,
    /// Why the choice changes nothing for this agent, if so.
    note: Option<&'static str>,
    field: String,
    id: String,
    choices: Vec<Choice>,
}

/// What a category's page shows, read in one transaction.
pub struct Loaded {
    pub category: Category,
    services: Vec<ServiceRow>,
    agents: Vec<RightRow>,
}

#[derive(Serialize)]
pub struct DetailPage {
    layout: Layout,
    error: Option<String>,
    base: String,
    id: i64,
    name: String,
    csrf_token: String,
    edit: Form,
    empty: bool,
    teleservices: Vec<ServiceRow>,
    agents: Vec<RightRow>,
}

/// The category `id` with its téléservices and every agent's right;
/// `None` when the collectivité has no such category.
pub fn load(tx: &mut TenantTx<'_>, id: i64) -> Result<Option<Loaded>, StoreError> {
    let Some(category) = categories::get(tx, id)? else {
        return Ok(None);
    };
    let names: HashMap<i64, String> = categories::list(tx)?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let explicit: HashMap<String, Access> = categories::grants(tx, id)?
        .into_iter()
        .map(|g| (g.uid, g.right))
        .collect();
    // Those of this category first, then the others, each by label.
    let mut services = categories::teleservices(tx)?;
    services.sort_by_key(|s| s.category_id != Some(id));
    let services = services
        .into_iter()
        .map(|s| ServiceRow {
            here: s.category_id == Some(id),
            other_category: s
                .category_id
                .filter(|c| *c != id)
                .and_then(|c| names.get(&c).cloned()),
            code: s.code,
            label: s.label,
            active: s.active,
        })
        .collect();
    let agents = agents::search(tx, "", 10_000)?
        .into_iter()
        .map(|a| {
            let back_office = a
                .groups
                .iter()
                .any(|g| g == groups::ADMIN || g == groups::AGENT);
            let current = explicit.get(&a.uid).copied();
            let note = if a.profile == Profile::Admin {
                Some("Les administrateurs gèrent tous les téléservices, quel que soit le droit choisi.")
            } else if !back_office {
                Some("Cet agent n’est dans aucun groupe de l’espace des agents : le droit choisi ne s’appliquera que lorsqu’il y sera ajouté.")
            } else {
                None
            };
            // Without an explicit right, the profile decides.
            let mut choices = vec![Choice {
                value: "",
                label: format!(
                    "selon le profil : {}",
                    a.profile.default_access().label_fr()
                ),
                selected: current.is_none(),
            }];
            choices.extend(Access::ALL.into_iter().map(|r| Choice {
                value: r.as_str(),
                label: r.label_fr().to_owned(),
                selected: current == Some(r),
            }));
            RightRow {
                name: format!("{} {}", a.first_name, a.last_name),
                profile: a.profile.label_fr(),
                note,
                field: format!("{RIGHT}{}", a.uid),
                id: format!("droit-{}", a.uid),
                choices,
                uid: a.uid,
            }
        })
        .collect();
    Ok(Some(Loaded {
        category,
        services,
        agents,
    }))
}

/// A category's page; `edit` is the refused form to show again, if any.
pub fn detail_page(
    mut layout: Layout,
    error: Option<String>,
    base: &str,
    csrf_token: String,
    loaded: Loaded,
    edit: Option<Form>,
) -> DetailPage {
    let c = loaded.category;
    let edit = sealed(
        edit.unwrap_or_else(|| edit_form(base, c.id, csrf_token.clone(), &c.name, &c.email)),
    );
    if edit.has_errors() || error.is_some() {
        layout.refused();
    }
    DetailPage {
        layout,
        error,
        base: base.to_owned(),
        id: c.id,
        csrf_token,
        edit,
        empty: c.teleservices.is_empty(),
        teleservices: loaded.services,
        agents: loaded.agents,
        name: c.name,
    }
}

/// The page's title.
pub fn title(name: &str) -> String {
    format!("Catégorie « {name} »")
}

/// The rights table as sent: (`uid`, right) for each agent's select.
pub fn wanted_rights(pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    pairs
        .into_iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(RIGHT)?.to_owned(), v)))
        .collect()
}

/// The téléservice form's action: attach (true) or detach (false).
pub fn attaching(action: &str) -> Option<bool> {
    match action {
        "rattacher" => Some(true),
        "retirer" => Some(false),
        _ => None,
    }
}

/// What is said once a change is made.
pub mod said {
    pub fn created(name: &str) -> String {
        format!("La catégorie « {name} » est créée. Rattachez-lui maintenant des téléservices et donnez des droits aux agents.")
    }

    pub fn updated(name: &str) -> String {
        format!("La catégorie « {name} » est enregistrée.")
    }

    pub fn deleted(name: &str) -> String {
        format!("La catégorie « {name} » est supprimée.")
    }

    pub fn attached(attach: bool, category: &str, label: &str) -> String {
        if attach {
            format!("Le téléservice « {label} » est rattaché à la catégorie « {category} ».")
        } else {
            format!("Le téléservice « {label} » est retiré de la catégorie « {category} ».")
        }
    }

    pub fn rights(changed: usize) -> String {
        match changed {
            0 => "Aucun droit n’a changé.".to_owned(),
            1 => "Le droit modifié est enregistré.".to_owned(),
            n => format!("Les {n} droits modifiés sont enregistrés."),
        }
    }
}
