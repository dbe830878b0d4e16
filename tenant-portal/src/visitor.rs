//! Requests filed without an account (civil status certificates): the
//! visitor says who they are, a foyer is made for the request alone, and a
//! link mailed to them resumes the draft (the last one sent only).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use guichet_core::auth::rate;
use guichet_core::foyers;
use guichet_core::requests;
use guichet_core::store::Store;
use guichet_domain::household::Title;
use guichet_web::client::{within, ClientAddr};
use guichet_web::csrf::{self, VerifiedForm};
use guichet_web::forms::{form_page, Field, Form, Pairs, Section};
use guichet_web::session::{self, SessionPrincipal};
use guichet_web::tenant::CurrentTenant;
use guichet_web::{tx, AppError, Renderer};

use crate::page::{address_fields, layout, person_form, see_other, Section as Nav};
use crate::steps::after_step;

fn visitor_form(code: &str, csrf_token: String, p: &Pairs) -> Form {
    let title = p.get("title");
    let address = address_fields("address", |k| p.get(k), true, true);
    Form::new(
        &format!("/demarches/{code}/sans-compte"),
        csrf_token,
        "Commencer la demande",
        vec![
            Section::titled(
                "Vous",
                None,
                vec![
                    Field::radios(
                        "title",
                        "Civilité",
                        Title::ALL
                            .into_iter()
                            .map(|t| (t.code().to_owned(), t.label().to_owned(), title == t.code()))
                            .collect(),
                    ),
                    Field::text("last_name", "Nom", &p.get("last_name")).autocomplete("family-name"),
                    Field::text("first_name", "Prénom", &p.get("first_name")).autocomplete("given-name"),
                    Field::email("email", "Adresse électronique", &p.get("email")).hint(
                        "Nous y enverrons le reçu, le suivi de la demande et, si vous l’enregistrez pour plus tard, le lien pour la reprendre.",
                    ),
                    Field::tel("mobile_phone", "Téléphone portable", &p.get("mobile_phone"))
                        .hint("Au moins un numéro, pour que la mairie puisse vous joindre."),
                    Field::tel("home_phone", "Téléphone du domicile", &p.get("home_phone")),
                ],
            ),
            Section::titled("Votre adresse", Some("Là où le document vous sera envoyé."), address),
        ],
    )
}

/// The offer, if it can be filed without an account.
async fn offer(
    store: &Store,
    tenant: &CurrentTenant,
    code: &str,
) -> Result<requests::Offer, AppError> {
    let code = code.to_owned();
    let offer = tx::read(store, tenant, move |t| requests::offer(t, &code)).await?;
    if offer.form.account_needed {
        return Err(AppError::NotFound);
    }
    Ok(offer)
}

pub(crate) async fn page(
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let offer = offer(&store, &tenant, &code).await?;
    let form = visitor_form(&code, csrf::token(&session)?, &Pairs(Vec::new()));
    let heading = format!("{} : sans compte", offer.teleservice.label);
    let layout = layout(&tenant, &heading, Nav::Catalogue, None, &session)?;
    form_page(
        &pages,
        StatusCode::OK,
        layout,
        &heading,
        Some("Dites-nous qui vous êtes : ces informations servent à traiter votre demande et à vous répondre."),
        form,
    )
}

pub(crate) async fn start(
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    code: web::Path<String>,
    client: ClientAddr,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let offer = offer(&store, &tenant, &code).await?;
    let p = Pairs(pairs);
    let form = person_form(&p);
    let checked = foyers::check_visitor(|k| p.get(k), &form, guichet_domain::time::today());
    let visitor = match checked {
        Ok(v) => v,
        Err(e) => {
            let mut f = visitor_form(&code, csrf::token(&session)?, &p);
            let status = f.refused(e.into())?;
            let heading = format!("{} : sans compte", offer.teleservice.label);
            let layout = layout(
                &tenant,
                &format!("Erreur : {heading}"),
                Nav::Catalogue,
                None,
                &session,
            )?;
            return form_page(&pages, status, layout, &heading, None, f);
        }
    };
    // Each start makes a foyer and a session: a few an hour per address.
    if !within(
        &store,
        rate::VISITOR_FROM_ADDRESS,
        tenant.id,
        client.subject(),
    )
    .await?
    {
        return crate::account::too_many(&pages, &tenant, &session);
    }
    let (t, code) = (tenant.clone(), code.into_inner());
    let (person, id, first) = tx::write(&store, &tenant, move |x| {
        let (household, person) = foyers::open_temporary(x, &visitor)?;
        let foyer = foyers::foyer(x, household)?;
        let settings = foyers::settings(x)?;
        let (city, postal) = requests::commune(&t);
        let id = requests::start(x, &code, &foyer, person, None, &settings, (&city, &postal))?;
        let first = requests::filed(x, household, id)?
            .next_step()
            .map(|s| s.key.clone());
        Ok::<_, guichet_core::Error>((person, id, first))
    })
    .await?;
    session::sign_in(&session, &SessionPrincipal::household(tenant.id, person))?;
    Ok(see_other(&after_step(id, first.as_deref(), false)))
}

/// A resume link: the visitor is back on their draft.
pub(crate) async fn resume(
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    match tx::read(&store, &tenant, move |t| requests::resume(t, &token)).await {
        Ok((person, id)) => {
            session::sign_in(&session, &SessionPrincipal::household(tenant.id, person))?;
            Ok(see_other(&format!("/mes-demandes/{id}")))
        }
        Err(AppError::NotFound) => {
            let mut r = crate::account::message_page(
                &pages,
                &tenant,
                &session,
                "Lien expiré",
                "Ce lien ne permet plus de reprendre la demande : un lien plus récent vous a été envoyé, la demande a été envoyée ou supprimée, ou le délai de reprise est dépassé.",
                Some(("/", "Voir les démarches en ligne")),
            )?;
            *r.status_mut() = StatusCode::NOT_FOUND;
            Ok(r)
        }
        Err(e) => Err(e),
    }
}
