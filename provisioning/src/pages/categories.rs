//! Categories of téléservices: list and creation, then for each one its name,
//! its téléservices and the agents' rights on it.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use guichet_core::provisioning::categories::{self, Category};
use guichet_core::provisioning::rights::{Access, Profile};
use guichet_core::provisioning::{agents, groups, ProvisioningError};
use guichet_core::store::TenantTx;
use guichet_core::tenancy::Tenant;
use guichet_web::csrf::VerifiedForm;
use guichet_web::{AppError, Layout};

use crate::auth::Reach;
use serde::{Deserialize, Serialize};

use super::forms::{sealed, Field, Form, Section};
use super::{see_other, sentence, Ctx, Nav};

fn base(tenant: &Tenant) -> String {
    format!("/collectivites/{}/categories", tenant.slug)
}

/// Runs core changes of one collectivité in a write transaction.
async fn write<T, F>(ctx: &Ctx, tenant: &Reach, f: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut TenantTx<'_>, &str) -> Result<T, ProvisioningError> + Send + 'static,
{
    let actor = ctx.who.actor();
    guichet_web::tx::write(&ctx.store, tenant, move |t| f(t, &actor)).await
}

#[derive(Serialize)]
struct Row {
    id: i64,
    name: String,
    teleservices: String,
}

#[derive(Serialize)]
struct ListPage {
    layout: Layout,
    flash: Option<String>,
    base: String,
    categories: Vec<Row>,
    form: Form,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct NameForm {
    name: String,
}

fn create_form(ctx: &Ctx, tenant: &Tenant, name: &str) -> Result<Form, AppError> {
    Ok(Form::new(
        &base(tenant),
        ctx.csrf()?,
        "Créer la catégorie",
        vec![Section::plain(vec![Field::text(
            "name",
            "Nom de la nouvelle catégorie",
            name,
        )
        .autocomplete("off")
        .hint("Par exemple : Enfance et scolarité")])],
    )
    .with_id("nouvelle-categorie"))
}

async fn list_page(
    ctx: &Ctx,
    tenant: &Reach,
    status: StatusCode,
    form: Form,
) -> Result<HttpResponse, AppError> {
    let (found, services) = ctx
        .read(tenant, |tx| {
            Ok((categories::list(tx)?, categories::teleservices(tx)?))
        })
        .await?;
    let label = |code: &str| {
        services
            .iter()
            .find(|s| s.code == code)
            .map_or_else(|| code.to_owned(), |s| s.label.clone())
    };
    let form = sealed(form);
    let mut layout = ctx.layout("Catégories de téléservices", Some(tenant), Nav::Categories)?;
    if form.has_errors() {
        layout.title = format!("Erreur : {}", layout.title);
    }
    let page = ListPage {
        layout,
        flash: ctx.take_flash(),
        base: base(tenant),
        categories: found
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
            })
            .collect(),
        form,
    };
    ctx.render(status, "provisioning/categories", &page)
}

pub(crate) async fn list(ctx: Ctx, slug: web::Path<String>) -> Result<HttpResponse, AppError> {
    let tenant = ctx.tenant(&slug).await?;
    let form = create_form(&ctx, &tenant, "")?;
    list_page(&ctx, &tenant, StatusCode::OK, form).await
}

pub(crate) async fn create(
    ctx: Ctx,
    slug: web::Path<String>,
    VerifiedForm(v): VerifiedForm<NameForm>,
) -> Result<HttpResponse, AppError> {
    let tenant = ctx.tenant(&slug).await?;
    let name = v.name.clone();
    match write(&ctx, &tenant, move |tx, actor| {
        categories::create(tx, actor, &name)
    })
    .await
    {
        Ok(c) => {
            ctx.flash(format!(
                "La catégorie « {} » est créée. Rattachez-lui maintenant des téléservices et donnez des droits aux agents.",
                c.name
            ))?;
            Ok(see_other(&format!("{}/{}", base(&tenant), c.id)))
        }
        Err(e) => {
            let mut form = create_form(&ctx, &tenant, &v.name)?;
            let status = form.refused(e)?;
            list_page(&ctx, &tenant, status, form).await
        }
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

#[derive(Serialize)]
struct DetailPage {
    layout: Layout,
    flash: Option<String>,
    error: Option<String>,
    base: String,
    id: i64,
    name: String,
    csrf_token: String,
    rename: Form,
    empty: bool,
    teleservices: Vec<ServiceRow>,
    agents: Vec<RightRow>,
}

/// Prefix of the rights table's selects: `droit:<uid>`.
const RIGHT: &str = "droit:";

async fn detail(
    ctx: &Ctx,
    tenant: &Reach,
    id: i64,
    status: StatusCode,
    rename: Option<Form>,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let (category, all, services, grants, people) = ctx
        .read(tenant, move |tx| {
            Ok((
                categories::get(tx, id)?,
                categories::list(tx)?,
                categories::teleservices(tx)?,
                categories::grants(tx, id)?,
                agents::search(tx, "", 10_000)?,
            ))
        })
        .await?;
    let category: Category = category.ok_or(AppError::NotFound)?;
    let base = base(tenant);
    let rename = match rename {
        Some(f) => f,
        None => rename_form(ctx, &base, &category, &category.name)?,
    };
    let rename = sealed(rename);
    let names: HashMap<i64, String> = all.into_iter().map(|c| (c.id, c.name)).collect();
    let explicit: HashMap<String, Access> = grants.into_iter().map(|g| (g.uid, g.right)).collect();
    let title = format!("Catégorie « {} »", category.name);
    let mut layout = ctx.layout(&title, Some(tenant), Nav::Categories)?;
    if rename.has_errors() || error.is_some() {
        layout.title = format!("Erreur : {}", layout.title);
    }
    let page = DetailPage {
        layout,
        flash: ctx.take_flash(),
        error,
        base: base.clone(),
        id,
        csrf_token: ctx.csrf()?,
        rename,
        empty: category.teleservices.is_empty(),
        teleservices: {
            // Those of this category first, then the others, each by label.
            let mut services = services;
            services.sort_by_key(|s| s.category_id != Some(id));
            services
        }
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
            .collect(),
        agents: people
            .into_iter()
            .map(|a| {
                let back_office = a.groups.iter().any(|g| g == groups::ADMIN || g == groups::AGENT);
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
                    label: format!("selon le profil : {}", a.profile.default_access().label_fr()),
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
            .collect(),
        name: category.name,
    };
    ctx.render(status, "provisioning/category", &page)
}

fn rename_form(ctx: &Ctx, base: &str, c: &Category, value: &str) -> Result<Form, AppError> {
    Ok(Form::new(
        &format!("{base}/{}/renommer", c.id),
        ctx.csrf()?,
        "Renommer la catégorie",
        vec![Section::plain(vec![Field::text(
            "name",
            "Nom de la catégorie",
            value,
        )
        .autocomplete("off")])],
    )
    .with_id("renommer"))
}

pub(crate) async fn show(
    ctx: Ctx,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let tenant = ctx.tenant(&slug).await?;
    detail(&ctx, &tenant, id, StatusCode::OK, None, None).await
}

pub(crate) async fn rename(
    ctx: Ctx,
    path: web::Path<(String, i64)>,
    VerifiedForm(v): VerifiedForm<NameForm>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let tenant = ctx.tenant(&slug).await?;
    let name = v.name.clone();
    match write(&ctx, &tenant, move |tx, actor| {
        categories::rename(tx, actor, id, &name)
    })
    .await
    {
        Ok(c) => {
            ctx.flash(format!("La catégorie s’appelle désormais « {} ».", c.name))?;
            Ok(see_other(&format!("{}/{id}", base(&tenant))))
        }
        Err(AppError::NotFound) => Err(AppError::NotFound),
        Err(e) => {
            let current = ctx
                .read(&tenant, move |tx| categories::get(tx, id))
                .await?
                .ok_or(AppError::NotFound)?;
            let mut form = rename_form(&ctx, &base(&tenant), &current, &v.name)?;
            let status = form.refused(e)?;
            detail(&ctx, &tenant, id, status, Some(form), None).await
        }
    }
}

pub(crate) async fn delete(
    ctx: Ctx,
    path: web::Path<(String, i64)>,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let tenant = ctx.tenant(&slug).await?;
    let before = ctx
        .read(&tenant, move |tx| categories::get(tx, id))
        .await?
        .ok_or(AppError::NotFound)?;
    match write(&ctx, &tenant, move |tx, actor| {
        categories::delete(tx, actor, id)
    })
    .await
    {
        Ok(()) => {
            ctx.flash(format!("La catégorie « {} » est supprimée.", before.name))?;
            Ok(see_other(&base(&tenant)))
        }
        Err(AppError::Conflict(m)) => {
            detail(
                &ctx,
                &tenant,
                id,
                StatusCode::CONFLICT,
                None,
                Some(sentence(&m)),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub(crate) struct ServiceForm {
    code: String,
    /// "rattacher" or "retirer".
    action: String,
}

pub(crate) async fn teleservice(
    ctx: Ctx,
    path: web::Path<(String, i64)>,
    VerifiedForm(v): VerifiedForm<ServiceForm>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let tenant = ctx.tenant(&slug).await?;
    let attach = match v.action.as_str() {
        "rattacher" => true,
        "retirer" => false,
        _ => return Err(AppError::BadRequest("action inconnue".into())),
    };
    let code = v.code.clone();
    let done = write(&ctx, &tenant, move |tx, actor| {
        let category = categories::get(tx, id)?.ok_or(ProvisioningError::NotFound)?;
        let service = categories::teleservices(tx)?
            .into_iter()
            .find(|s| s.code == code)
            .ok_or(ProvisioningError::NotFound)?;
        // Detaching what another category holds would be a surprise: only
        // what is here is detached from here.
        if attach || service.category_id == Some(id) {
            categories::set_teleservice_category(tx, actor, &code, attach.then_some(id))?;
        }
        Ok((category.name, service.label))
    })
    .await;
    match done {
        Ok((category, label)) => {
            ctx.flash(if attach {
                format!("Le téléservice « {label} » est rattaché à la catégorie « {category} ».")
            } else {
                format!("Le téléservice « {label} » est retiré de la catégorie « {category} ».")
            })?;
            Ok(see_other(&format!("{}/{id}#teleservices", base(&tenant))))
        }
        Err(AppError::Invalid(errors)) => {
            let message = errors.first().map(|e| sentence(&e.message));
            detail(&ctx, &tenant, id, StatusCode::BAD_REQUEST, None, message).await
        }
        Err(e) => Err(e),
    }
}

/// The whole table in one form: only the rights that changed are written
/// (and audited), in one transaction.
pub(crate) async fn rights(
    ctx: Ctx,
    path: web::Path<(String, i64)>,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let tenant = ctx.tenant(&slug).await?;
    let wanted: Vec<(String, String)> = pairs
        .into_iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(RIGHT)?.to_owned(), v)))
        .collect();
    let done = write(&ctx, &tenant, move |tx, actor| {
        categories::get(tx, id)?.ok_or(ProvisioningError::NotFound)?;
        let current: HashMap<String, Access> = categories::grants(tx, id)?
            .into_iter()
            .map(|g| (g.uid, g.right))
            .collect();
        let mut changed = 0;
        for (uid, right) in &wanted {
            let now = current.get(uid).map(|a| a.as_str()).unwrap_or("");
            if now == right.as_str() {
                continue;
            }
            if right.is_empty() {
                categories::clear_right(tx, actor, id, uid)?;
            } else {
                categories::set_right(tx, actor, id, uid, right)?;
            }
            changed += 1;
        }
        Ok(changed)
    })
    .await;
    match done {
        Ok(changed) => {
            ctx.flash(match changed {
                0 => "Aucun droit n’a changé.".to_owned(),
                1 => "Le droit modifié est enregistré.".to_owned(),
                n => format!("Les {n} droits modifiés sont enregistrés."),
            })?;
            Ok(see_other(&format!("{}/{id}#droits", base(&tenant))))
        }
        Err(AppError::Invalid(errors)) => {
            let message = errors.first().map(|e| sentence(&e.message));
            detail(&ctx, &tenant, id, StatusCode::BAD_REQUEST, None, message).await
        }
        Err(e) => Err(e),
    }
}
