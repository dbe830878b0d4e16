//! The journal of a collectivité: the latest changes, who made them, and the
//! values before and after.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use guichet_core::audit::{self, AuditEvent};
use guichet_web::{AppError, Layout};
use serde::Serialize;

use super::{Ctx, Nav};

const LIMIT: i64 = 200;

#[derive(Serialize)]
struct Row {
    date: String,
    actor: String,
    action: String,
    object: String,
    before: Option<String>,
    after: Option<String>,
}

#[derive(Serialize)]
struct JournalPage {
    layout: Layout,
    limit: i64,
    events: Vec<Row>,
}

/// The action in words; unknown ones as recorded.
fn action_fr(action: &str) -> String {
    match action {
        "local-authority.create" => "inscription de la collectivité",
        "local-authority.update" => "modification de la collectivité",
        "agent.create" => "création d’un agent",
        "agent.update" => "modification d’un agent",
        "agent.delete" => "suppression d’un agent",
        "agent.password" => "choix du mot de passe par l’agent",
        "school.create" => "création d’une école",
        "school.update" => "modification d’une école",
        "school.delete" => "suppression d’une école",
        "recreation_center.create" => "création d’un centre de loisirs",
        "recreation_center.update" => "modification d’un centre de loisirs",
        "recreation_center.delete" => "suppression d’un centre de loisirs",
        "category.create" => "création d’une catégorie",
        "category.rename" => "changement de nom d’une catégorie",
        "category.update" => "modification d’une catégorie (nom, adresse électronique)",
        "category.delete" => "suppression d’une catégorie",
        "category.right" => "droit d’un agent sur une catégorie",
        "teleservice.category" => "rattachement d’un téléservice",
        other => other,
    }
    .to_owned()
}

fn object_fr(kind: &str, id: &str) -> String {
    let kind = match kind {
        "local-authority" => "collectivité",
        "agent" => "agent",
        "school" => "école",
        "recreation_center" => "centre de loisirs",
        "category" => "catégorie n°",
        "teleservice" => "téléservice",
        other => other,
    };
    if kind.ends_with('°') {
        format!("{kind}{id}")
    } else {
        format!("{kind} {id}")
    }
}

/// JSON stored compact, shown indented.
fn pretty(json: Option<String>) -> Option<String> {
    json.map(|s| {
        serde_json::from_str::<serde_json::Value>(&s)
            .and_then(|v| serde_json::to_string_pretty(&v))
            .unwrap_or(s)
    })
}

pub(crate) async fn journal(ctx: Ctx, slug: web::Path<String>) -> Result<HttpResponse, AppError> {
    let tenant = ctx.tenant(&slug).await?;
    let events: Vec<AuditEvent> = ctx.read(&tenant, |tx| audit::recent(tx, LIMIT)).await?;
    let page = JournalPage {
        layout: ctx.layout("Journal des modifications", Some(&tenant), Nav::Journal)?,
        limit: LIMIT,
        events: events
            .into_iter()
            .map(|e| Row {
                date: guichet_core::domain::time::datetime_fr(e.occurred_at),
                action: action_fr(&e.action),
                object: object_fr(&e.object_type, &e.object_id),
                before: pretty(e.before_json),
                after: pretty(e.after_json),
                actor: e.actor,
            })
            .collect(),
    };
    ctx.render(StatusCode::OK, "provisioning/journal", &page)
}
